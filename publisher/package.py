"""Writing a Frictionless data package from the store: CSV files plus ``datapackage.json``.

Rows stream from the store to disk; nothing holds a whole resource in memory.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datapackages
from publisher.csvsafe import neutralise
from publisher.store import Store

RowSource = Callable[[Store], Iterable[dict]]


def resource_rows(store: Store, name: str) -> Iterator[dict]:
    """The rows of a published resource: stored tables as they are, findings derived."""
    if name == "findings":
        return store.findings()
    return store.rows(name)


@dataclass
class WrittenPackage:
    """A package on disk and how many rows each resource got."""

    path: Path
    rows: dict[str, int] = field(default_factory=dict)


def _cell(value: Any, text_field: bool) -> str:
    if value is None:
        return ""
    text = str(value)
    return neutralise(text) if text_field else text


def write_csv(path: Path, name: str, rows: Iterable[dict]) -> int:
    """Write one resource's CSV with the schema's column order; return the row count."""
    schema = datapackages.table_schema(name)
    fields = [f["name"] for f in schema["fields"]]
    text = {f["name"] for f in schema["fields"] if f["type"] == "string" and "enum" not in
            f.get("constraints", {})}
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(fields)
        for row in rows:
            writer.writerow([_cell(row.get(f), f in text) for f in fields])
            count += 1
    return count


def descriptor(rows: dict[str, int], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The datapackage.json for resources written as ``data/<name>.csv``."""
    package = datapackages.package_descriptor()
    resources = []
    for resource in package["resources"]:
        name = resource["name"]
        if name not in rows:
            continue
        resource.update({"path": f"data/{name}.csv", "type": "table", "scheme": "file",
                         "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                         "schema": datapackages.table_schema(name)})
        resources.append(resource)
    package["resources"] = resources
    package.update(extra or {})
    return package


def write_package(store: Store, out: Path, names: Iterable[str] | None = None,
                  extra: dict[str, Any] | None = None) -> WrittenPackage:
    """Write the resources (all by default) and their descriptor under ``out``."""
    out = Path(out)
    (out / "data").mkdir(parents=True, exist_ok=True)
    written = WrittenPackage(out / "datapackage.json")
    for name in names or datapackages.resource_names():
        written.rows[name] = write_csv(out / "data" / f"{name}.csv", name, resource_rows(store, name))
    text = json.dumps(descriptor(written.rows, extra), ensure_ascii=False, indent=2)
    written.path.write_text(text + "\n", encoding="utf-8")
    return written
