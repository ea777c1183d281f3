"""Datasette metadata generated from the package descriptor: titles, descriptions, facets, licence."""

from __future__ import annotations

from typing import Any

import datapackages


def _columns(name: str) -> dict[str, str]:
    return {f["name"]: f"{f['title']}. {f['description']}" for f in
            datapackages.table_schema(name)["fields"]}


def _table(name: str) -> dict[str, Any]:
    resource = datapackages.resource_descriptor(name)
    table: dict[str, Any] = {
        "title": resource["title"], "description": resource["description"],
        "columns": _columns(name), "facets": resource.get("x-facets", []),
    }
    if name == "institutions":
        table.update({"fts_table": "institutions_fts", "fts_pk": "rowid", "label_column": "name"})
    return table


def datasette_metadata(database: str, names: list[str], extra: dict[str, Any] | None = None) -> dict:
    """The metadata.json for a Datasette serving ``database`` with the given tables."""
    package = datapackages.package_descriptor()
    licence = package["licenses"][0]
    source = package["sources"][0]
    return {
        "title": package["title"],
        "description": package["description"],
        "license": licence["title"], "license_url": licence["path"],
        "source": source["title"], "source_url": package.get("homepage", ""),
        "databases": {database: {"tables": {name: _table(name) for name in names}, **(extra or {})}},
    }
