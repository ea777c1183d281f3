"""Writing Frictionless data packages: the national package and one per region, in one pass.

Each resource's rows stream once from their source; every row goes to the national CSV and to the
CSV of its region's package, so nothing holds a whole resource in memory. A package is a folder
with ``datapackage.json`` and ``data/<resource>.csv``; each resource carries its size and SHA-256.
A fictional region (the demo's, ``publisher.vocab.fictional_regions``) gets its own package only:
its rows never enter the national package, so no national figure counts them.
"""

from __future__ import annotations

import csv
import hashlib
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import datapackages
from publisher.csvsafe import neutralise
from publisher.vocab import fictional_regions, region_names

NATIONAL = "RU"
UNPARTITIONED = (
    "crawls",
)  # every regional package carries all of them (observations refer to runs)


@dataclass
class WrittenPackage:
    """A package on disk and how many rows each resource got."""

    path: Path
    name: str
    title: str
    region: str | None = None
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return self.path.parent


class _Cells:
    """Turns a row into CSV cells: booleans as ``true``/``false``, free text neutralised
    (``publisher.csvsafe``); ``None`` is left to the CSV writer, which writes it as empty."""

    def __init__(self, name: str) -> None:
        fields = datapackages.table_schema(name)["fields"]
        self.names = [f["name"] for f in fields]
        text = text_fields(name)
        self.text = [i for i, f in enumerate(fields) if f["name"] in text]
        self.flags = [i for i, f in enumerate(fields) if f["type"] == "boolean"]

    def __call__(self, row: dict) -> list[Any]:
        cells = [row.get(name) for name in self.names]
        for i in self.text:
            if cells[i] is not None:
                cells[i] = neutralise(str(cells[i]))
        for i in self.flags:
            if isinstance(cells[i], bool):
                cells[i] = "true" if cells[i] else "false"
        return cells


def text_fields(name: str) -> set[str]:
    """Free-text columns of a resource: the ones formula neutralisation applies to."""
    return {
        f["name"]
        for f in datapackages.table_schema(name)["fields"]
        if f["type"] == "string" and "enum" not in f.get("constraints", {})
    }


class _Writer:
    """One open CSV file of one package."""

    def __init__(self, path: Path, fields: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle: IO[str] = path.open("w", encoding="utf-8", newline="")
        self.csv = csv.writer(self.handle, lineterminator="\n")
        self.csv.writerow(fields)
        self.count = 0

    def write(self, cells: list[Any]) -> None:
        self.csv.writerow(cells)
        self.count += 1


def file_digest(path: Path) -> str:
    """The SHA-256 of a file, hex."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class PackageSet:
    """The national package under ``root`` and one per region under ``root/regions/<code>``."""

    def __init__(self, root: Path, region_of: dict[str, str], regions: Iterable[str]) -> None:
        self.root = Path(root)
        self.region_of = region_of
        names = region_names()
        title = datapackages.package_descriptor()["title"]
        self.national = WrittenPackage(self.root / "datapackage.json", "nokwatch", title)
        self.regional = {
            code: WrittenPackage(
                self.root / "regions" / code / "datapackage.json",
                f"nokwatch-{code.lower()}",
                f"{title} — {names.get(code, code)}",
                code,
            )
            for code in sorted(set(regions))
        }
        self.unplaced: dict[str, int] = {}  # rows of a resource that belong to no regional package
        self.fictional = fictional_regions()

    @property
    def packages(self) -> list[WrittenPackage]:
        return [self.national, *self.regional.values()]

    def _region(self, name: str, row: dict) -> str | None:
        if "region" in row and name != "crawls":
            return row["region"]
        return self.region_of.get(row.get("institution_id") or "")

    def write_resource(self, name: str, rows: Iterable[dict]) -> int:
        """Write one resource to every package; return the national row count."""
        fields, cells_of = datapackages.field_names(name), _Cells(name)
        writers = {
            p.region: _Writer(p.folder / "data" / f"{name}.csv", fields) for p in self.packages
        }
        self.unplaced[name] = 0
        try:
            for row in rows:
                cells = cells_of(row)
                if name in UNPARTITIONED:
                    writers[None].write(cells)
                    for region in self.regional:
                        writers[region].write(cells)
                    continue
                region = self._region(name, row)
                if region not in self.fictional:
                    writers[None].write(cells)
                if region in self.regional:
                    writers[region].write(cells)
                else:
                    self.unplaced[name] += 1
        finally:
            for writer in writers.values():
                writer.handle.close()
        for package in self.packages:
            package.rows[name] = writers[package.region].count
        return writers[None].count

    def finish(self, extra: dict[str, Any]) -> list[WrittenPackage]:
        """Write every package's descriptor (with sizes and hashes); return the packages."""
        for package in self.packages:
            text = json.dumps(descriptor(package, extra), ensure_ascii=False, indent=2)
            package.path.write_text(text + "\n", encoding="utf-8")
        return self.packages


def descriptor(package: WrittenPackage, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The datapackage.json for a package whose resources are ``data/<name>.csv``."""
    result = datapackages.package_descriptor()
    resources = []
    for resource in result["resources"]:
        name = resource["name"]
        if name not in package.rows:
            continue
        path = package.folder / "data" / f"{name}.csv"
        resource.update(
            {
                "path": f"data/{name}.csv",
                "type": "table",
                "scheme": "file",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": path.stat().st_size,
                "hash": f"sha256:{file_digest(path)}",
                "schema": datapackages.table_schema(name),
            }
        )
        resources.append(resource)
    result.update({"name": package.name, "title": package.title, **(extra or {})})
    if package.region:
        result["x-region"] = package.region
    result["resources"] = resources
    return result


def zip_package(package: WrittenPackage, target: Path) -> Path:
    """Zip a package folder's descriptor and data for one-click download."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=5) as archive:
        archive.write(package.path, "datapackage.json")
        for name in package.rows:
            archive.write(package.folder / "data" / f"{name}.csv", f"data/{name}.csv")
    return target
