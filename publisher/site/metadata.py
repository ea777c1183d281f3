"""Datasette metadata generated from the descriptors: titles, column descriptions, facets, queries.

Canned queries are data: one ``datapackages/queries/<name>.sql`` file each, whose leading
``-- title:`` and ``-- description:`` comment lines name and describe it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import datapackages
from publisher.site.database import facets, joined_columns

QUERY_DIR = datapackages.HERE / "queries"
JOINED_NOTE = "(из реестра учреждений)"


def _columns(name: str) -> dict[str, str]:
    columns = {
        f["name"]: f"{f['title']}. {f['description']}"
        for f in datapackages.table_schema(name)["fields"]
    }
    registry = {f["name"]: f for f in datapackages.table_schema("institutions")["fields"]}
    for column in joined_columns(name):
        field = registry[column]
        columns[column] = f"{field['title']}. {field['description']} {JOINED_NOTE}"
    return columns


def _table(name: str) -> dict[str, Any]:
    resource = datapackages.resource_descriptor(name)
    table: dict[str, Any] = {
        "title": resource["title"],
        "description": resource["description"],
        "columns": _columns(name),
        "facets": facets(name),
    }
    if name == "institutions":
        table.update({"fts_table": "institutions_fts", "fts_pk": "rowid", "label_column": "name"})
    return table


def read_query(path: Path) -> dict[str, Any]:
    """A canned query from its .sql file: title and description from the header comments."""
    meta: dict[str, str] = {}
    body: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, value = line.removeprefix("--").partition(":")
        if line.startswith("--") and not body and key.strip() in ("title", "description"):
            meta[key.strip()] = value.strip()
        else:
            body.append(line)
    return {"sql": "\n".join(body).strip(), **meta}


def canned_queries() -> dict[str, dict[str, Any]]:
    """Every canned query, by name."""
    return {path.stem: read_query(path) for path in sorted(QUERY_DIR.glob("*.sql"))}


def datasette_metadata(
    database: str, names: list[str], extra: dict[str, Any] | None = None
) -> dict:
    """The metadata.json for a Datasette serving ``database`` with the given tables."""
    package = datapackages.package_descriptor()
    licence = package["licenses"][0]
    source = package["sources"][0]
    credits = {
        "license": licence["title"],
        "license_url": licence["path"],
        "source": source["title"],
        "source_url": package.get("homepage", ""),
        "about": "Методика и описание данных",
        "about_url": package.get("homepage", ""),
    }
    # Query pages do not inherit the licence and source: each canned query carries them itself.
    # The SQL is one click away («показать»), not a screen above the rows.
    queries = {
        name: {**query, **credits, "hide_sql": True} for name, query in canned_queries().items()
    }
    return {
        "title": package["title"],
        "description": package["description"],
        **credits,
        "databases": {
            database: {
                "tables": {name: _table(name) for name in names},
                "queries": queries,
                **credits,
                **(extra or {}),
            }
        },
    }
