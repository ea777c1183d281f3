"""The SQLite database Datasette serves, loaded from the national package's own CSV files.

One typed table per resource, with the same columns as its Table Schema; tables about an
institution also get the institution's ``region``, ``sphere`` and ``founder`` (so they can be
faceted by them) and a foreign key Datasette uses to show the institution's name. Facet columns
are indexed and institution names get a full-text index: that is what keeps faceted pages fast
on a million rows.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import datapackages
from publisher.store import NOT_LOOKED_STATUSES
from publisher.vocab import fictional_regions, region_names

INSTITUTION_COLUMNS = ("region", "sphere", "founder")
_TYPES = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER"}
_BATCH = 5000
UNPARTITIONED = ("crawls",)  # the same rows in every package: taken from the national one only
UNCHECKED = NOT_LOOKED_STATUSES
# A table this big gets compound indexes (filtered by status, a 300,000-row findings table took
# 0.8 s a page without them); below it, filtered facets answer fast enough without.
BIG_TABLE = 100_000
Convert = Callable[[str], object]


def _bool(text: str) -> int:
    return 1 if text == "true" else 0


_CONVERT: dict[str, Convert] = {"integer": int, "number": float, "boolean": _bool}


def joined_columns(name: str) -> tuple[str, ...]:
    """The institution columns the site table of a resource adds to its schema's."""
    schema = datapackages.table_schema(name)
    refers = any(
        k["reference"]["resource"] == "institutions" for k in schema.get("foreignKeys", [])
    )
    have = set(datapackages.field_names(name))
    return tuple(c for c in INSTITUTION_COLUMNS if c not in have) if refers else ()


def site_columns(name: str) -> list[str]:
    """Columns of a resource's table in the site database, in order."""
    return datapackages.field_names(name) + list(joined_columns(name))


def _create(db: sqlite3.Connection, name: str) -> None:
    schema = datapackages.table_schema(name)
    columns = [f'"{f["name"]}" {_TYPES.get(f["type"], "TEXT")}' for f in schema["fields"]]
    columns += [f'"{c}" TEXT' for c in joined_columns(name)]
    columns.append(
        f"PRIMARY KEY ({', '.join(chr(34) + k + chr(34) for k in schema['primaryKey'])})"
    )
    for key in schema.get("foreignKeys", []):
        fields, ref = key["fields"], key["reference"]
        columns.append(
            f'FOREIGN KEY ("{fields[0]}") REFERENCES "{ref["resource"]}" ("{ref["fields"][0]}")'
        )
    db.execute(f'CREATE TABLE "{name}" ({", ".join(columns)})')


def _typed(name: str, csv_paths: list[Path], joined: dict[str, dict]) -> Iterator[list]:
    schema = datapackages.table_schema(name)
    converters = [_CONVERT.get(f["type"]) for f in schema["fields"]]
    extra = joined_columns(name)
    for csv_path in csv_paths:
        with csv_path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            key = header.index("institution_id") if extra else None
            for cells in reader:
                row = [
                    None if c == "" else (f(c) if f else c)
                    for c, f in zip(cells, converters, strict=True)
                ]
                if key is not None:
                    known = joined.get(cells[key], {})
                    row.extend(known.get(column) for column in extra)
                yield row


def _fill(db: sqlite3.Connection, name: str, rows: Iterable[list]) -> int:
    insert = f'INSERT INTO "{name}" VALUES ({", ".join("?" for _ in site_columns(name))})'
    batch: list[list] = []
    count = 0
    for row in rows:
        batch.append(row)
        if len(batch) >= _BATCH:
            db.executemany(insert, batch)
            count += len(batch)
            batch.clear()
    db.executemany(insert, batch)
    return count + len(batch)


def facet_columns(name: str) -> list[str]:
    """Columns a resource's table can be faceted by (all indexed): region, sphere and founder if
    it has them, then its own ``x-facets``."""
    own = datapackages.resource_descriptor(name).get("x-facets", [])
    columns = site_columns(name)
    return [c for c in INSTITUTION_COLUMNS if c in columns] + [
        c for c in own if c not in INSTITUTION_COLUMNS
    ]


def facets(name: str) -> list[str]:
    """The facets a table's page shows by default (``x-default-facets``, or all of them)."""
    shown = datapackages.resource_descriptor(name).get("x-default-facets")
    return list(shown) if shown else facet_columns(name)


def _coded(name: str) -> set[str]:
    registry = {f["name"]: f for f in datapackages.table_schema("institutions")["fields"]}
    fields = {f["name"]: f for f in datapackages.table_schema(name)["fields"]}
    fields.update({c: registry[c] for c in joined_columns(name)})
    return {n for n, f in fields.items() if "enum" in f.get("constraints", {})}


def compound_indexes(name: str) -> list[tuple[str, ...]]:
    """Indexes a big table needs so that filtering by a coded column (a few values, so many rows
    each) keeps its page fast: the default facets counted, and rows in key order, from the index
    alone."""
    shown, coded = facets(name), _coded(name)
    key = datapackages.table_schema(name)["primaryKey"]
    filters = [c for c in facet_columns(name) if c in coded]
    pairs = [(a, b) for a in filters for b in shown if b != a]
    return pairs + [(a, *(k for k in key if k != a)) for a in filters]


def _index(db: sqlite3.Connection, name: str, rows: int, big_table: int) -> None:
    indexes = [(c,) for c in facet_columns(name)]
    if rows >= big_table:
        indexes += compound_indexes(name)
    for columns in indexes:
        quoted = ", ".join(f'"{c}"' for c in columns)
        db.execute(f'CREATE INDEX "{name}_{"_".join(columns)}" ON "{name}" ({quoted})')


# Trigram full-text indexes find by part of a word, in any case («школ», «томск»); a query needs
# three characters or more.
SEARCHED = {"institutions": ("name", "founder", "website"), "findings": ("matched_text", "url")}


def _search(db: sqlite3.Connection) -> None:
    for table, columns in SEARCHED.items():
        listed = ", ".join(columns)
        db.execute(
            f"CREATE VIRTUAL TABLE {table}_fts USING fts5({listed}, "
            f"content={table}, content_rowid=rowid, tokenize='trigram')"
        )
        db.execute(f"INSERT INTO {table}_fts (rowid, {listed}) SELECT rowid, {listed} FROM {table}")


def _regions(db: sqlite3.Connection) -> None:
    """A ``regions`` table: Russian names, the fictional flag, and how many sites were checked."""
    db.execute(
        "CREATE TABLE regions (code TEXT PRIMARY KEY, name TEXT, fictional INTEGER,"
        " institutions INTEGER, checked INTEGER)"
    )
    names, fictional = region_names(), fictional_regions()
    counts = db.execute(
        "SELECT i.region, COUNT(DISTINCT i.id), COUNT(DISTINCT f.institution_id) FROM institutions i"
        " LEFT JOIN findings f ON f.institution_id = i.id AND f.status NOT IN"
        f" ({', '.join(repr(s) for s in UNCHECKED)}) WHERE i.kind = 'institution' GROUP BY 1"
    ).fetchall()
    db.executemany(
        "INSERT INTO regions VALUES (?, ?, ?, ?, ?)",
        [(code, names.get(code, code), code in fictional, n, c) for code, n, c in counts],
    )


def _institutions(db: sqlite3.Connection) -> dict[str, dict]:
    query = f"SELECT id, {', '.join(INSTITUTION_COLUMNS)} FROM institutions"
    return {
        row[0]: dict(zip(INSTITUTION_COLUMNS, row[1:], strict=True)) for row in db.execute(query)
    }


def build_site_db(
    package: Path, path: Path, big_table: int = BIG_TABLE, extra: Iterable[Path] = ()
) -> dict[str, int]:
    """Write the Datasette database at ``path`` from the package folder ``package`` (and the
    ``extra`` package folders: fictional regions kept out of the national package); row counts.
    Tables of ``big_table`` rows or more get ``compound_indexes``."""
    path, data = Path(path), Path(package) / "data"
    more = [Path(folder) / "data" for folder in extra]
    temporary = path.with_suffix(".building")
    temporary.unlink(missing_ok=True)
    db = sqlite3.connect(temporary)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    counts: dict[str, int] = {}
    names = [n for n in datapackages.resource_names() if (data / f"{n}.csv").exists()]
    with db:
        joined: dict[str, tuple] = {}
        for name in names:
            _create(db, name)
            files = [data / f"{name}.csv"]
            if name not in UNPARTITIONED:
                files += [d / f"{name}.csv" for d in more if (d / f"{name}.csv").exists()]
            counts[name] = _fill(db, name, _typed(name, files, joined))
            _index(db, name, counts[name], big_table)
            if name == "institutions":
                joined = _institutions(db)
        _search(db)
        _regions(db)
    db.execute("ANALYZE")
    db.close()
    temporary.replace(path)
    return counts
