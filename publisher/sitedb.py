"""The SQLite database Datasette serves: one table per published resource, typed, indexed, searchable.

Built from the same rows as the package's CSV files; facet columns are indexed and institution names
get a full-text index, because that is what keeps faceted pages fast on a million rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

import datapackages
from publisher.package import resource_rows
from publisher.store import Store

_TYPES = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER"}
_BATCH = 5000


def _create(db: sqlite3.Connection, name: str) -> list[str]:
    schema = datapackages.table_schema(name)
    fields = [f["name"] for f in schema["fields"]]
    columns = ", ".join(f'"{f["name"]}" {_TYPES.get(f["type"], "TEXT")}' for f in schema["fields"])
    keys = ", ".join(f'"{k}"' for k in schema["primaryKey"])
    db.execute(f'CREATE TABLE "{name}" ({columns}, PRIMARY KEY ({keys}))')
    return fields


def _fill(db: sqlite3.Connection, name: str, fields: list[str], rows: Iterable[dict]) -> int:
    insert = f'INSERT INTO "{name}" VALUES ({", ".join("?" for _ in fields)})'
    batch: list[list] = []
    count = 0
    for row in rows:
        batch.append([row.get(f) for f in fields])
        if len(batch) >= _BATCH:
            db.executemany(insert, batch)
            count += len(batch)
            batch.clear()
    db.executemany(insert, batch)
    return count + len(batch)


def _index(db: sqlite3.Connection, name: str, facets: Iterable[str]) -> None:
    for column in facets:
        db.execute(f'CREATE INDEX "{name}_{column}" ON "{name}" ("{column}")')


def _search(db: sqlite3.Connection) -> None:
    db.execute("CREATE VIRTUAL TABLE institutions_fts USING fts5(name, founder, "
               "content=institutions, content_rowid=rowid)")
    db.execute("INSERT INTO institutions_fts (rowid, name, founder) "
               "SELECT rowid, name, founder FROM institutions")


def build_site_db(store: Store, path: Path, names: Iterable[str] | None = None) -> dict[str, int]:
    """Write the Datasette database at ``path`` (replacing it atomically); return row counts."""
    path = Path(path)
    temporary = path.with_suffix(".building")
    temporary.unlink(missing_ok=True)
    db = sqlite3.connect(temporary)
    counts = {}
    with db:
        for name in names or datapackages.resource_names():
            fields = _create(db, name)
            counts[name] = _fill(db, name, fields, resource_rows(store, name))
            _index(db, name, datapackages.resource_descriptor(name).get("x-facets", []))
        _search(db)
    db.execute("VACUUM")
    db.close()
    temporary.replace(path)
    return counts
