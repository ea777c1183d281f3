"""Integrity of a regional package: what is left to check once the national package validates.

A regional package is an exact split of the national rows: ``publisher.release.packages`` writes each row's
cells, once formatted, to the national CSV and to its region's CSV in the same pass. Values, types,
constraints and primary keys that frictionless checked on the national rows therefore hold for
the regional ones. What is left is checked here: the descriptor is valid metadata (frictionless),
carries the national table schemas, describes the files as written (size, SHA-256, row count),
every foreign key resolves inside the region, and the regions' rows add up to the national rows.
``tests/test_package.py`` runs the full ``frictionless validate`` on every regional package of a
sample store, which proves the construction itself.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import frictionless

from publisher.release.packages import UNPARTITIONED, file_digest

Key = tuple[str, tuple[str, ...]]  # a resource and the fields a foreign key points at


def descriptor_errors(path: Path) -> list[str]:
    """What frictionless finds wrong with a package's descriptor, without reading its data."""
    report = frictionless.Package.validate_descriptor(str(path))
    return [f"{path}: {error.type}: {error.message}" for error in report.errors]


def _file_errors(folder: Path, resource: dict[str, Any]) -> list[str]:
    path = folder / resource["path"]
    if not path.is_file():
        return [f"{path}: missing"]
    errors = []
    if path.stat().st_size != resource.get("bytes"):
        errors.append(
            f"{path}: {path.stat().st_size} bytes, the descriptor says {resource.get('bytes')}"
        )
    if f"sha256:{file_digest(path)}" != resource.get("hash"):
        errors.append(f"{path}: SHA-256 differs from the descriptor's hash")
    return errors


def _references(resources: dict[str, dict]) -> set[Key]:
    return {
        (key["reference"]["resource"] or name, tuple(key["reference"]["fields"]))
        for name, resource in resources.items()
        for key in resource["schema"].get("foreignKeys", [])
    }


def _rows(folder: Path, resource: dict[str, Any]) -> Iterable[dict[str, str]]:
    with (folder / resource["path"]).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _key_values(folder: Path, resources: dict[str, dict], wanted: set[Key]) -> dict[Key, set]:
    values: dict[Key, set] = {key: set() for key in wanted if key[0] in resources}
    for name, fields in values:
        found = values[(name, fields)]
        for row in _rows(folder, resources[name]):
            found.add(tuple(row[f] for f in fields))
    return values


def _resource_errors(
    folder: Path, name: str, resource: dict, keys: dict[Key, set], rows: int
) -> list[str]:
    foreign = [
        (
            tuple(k["fields"]),
            keys.get((k["reference"]["resource"] or name, tuple(k["reference"]["fields"]))),
        )
        for k in resource["schema"].get("foreignKeys", [])
    ]
    errors, count = [], 0
    for row in _rows(folder, resource):
        count += 1
        for fields, known in foreign:
            cells = tuple(row[f] for f in fields)
            if any(cells) and (known is None or cells not in known) and len(errors) < 5:
                errors.append(
                    f"{folder / resource['path']} row {count + 1}: {fields} = {cells} is not in the region"
                )
    if count != rows:
        errors.append(f"{folder / resource['path']}: {count} rows on disk, {rows} written")
    return errors


def regional_errors(path: Path, rows: dict[str, int], schemas: dict[str, dict]) -> list[str]:
    """Integrity errors of the regional package at ``path`` (see the module docstring)."""
    errors = descriptor_errors(path)
    if errors:
        return errors
    folder = path.parent
    resources = {r["name"]: r for r in json.loads(path.read_text(encoding="utf-8"))["resources"]}
    if {name: r["schema"] for name, r in resources.items()} != schemas:
        return [f"{path}: resources or table schemas differ from the national package's"]
    for resource in resources.values():
        errors += _file_errors(folder, resource)
    if errors:
        return errors
    keys = _key_values(folder, resources, _references(resources))
    for name, resource in resources.items():
        errors += _resource_errors(folder, name, resource, keys, rows.get(name, -1))
    return errors


def partition_errors(
    national: dict[str, int], regional: Iterable[dict[str, int]], unplaced: dict[str, int]
) -> list[str]:
    """Errors where the regions' rows do not add up to the national rows of a resource."""
    regional = list(regional)
    errors = []
    for name, total in national.items():
        counts = [rows.get(name, 0) for rows in regional]
        if name in UNPARTITIONED:
            if any(count != total for count in counts):
                errors.append(f"{name}: a regional package lacks some of the {total} national rows")
        elif sum(counts) + unplaced.get(name, 0) != total:
            errors.append(
                f"{name}: regions hold {sum(counts)} rows and {unplaced.get(name, 0)} belong to"
                f" no region, but the national package has {total}"
            )
    return errors
