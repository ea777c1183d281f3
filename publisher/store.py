"""The store: one SQLite file in the data directory, the only place nokwatch keeps state.

Tables of published resources take their columns and primary keys from the Table Schemas in
``datapackages/``; a column added to a schema is added to an existing store when it is opened.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import datapackages
from publisher.errors import StoreError

STORED_RESOURCES = (
    "institutions",
    "crawls",
    "observations",
    "reported_events",
    "compliance",
    "registry_changes",
    "disputes",
)
SEEN_STATUSES = ("found", "live", "broken", "mismatch")
ABSENT_STATUSES = ("not_found", "outdated")
# What the crawler says when it could not look (never absence): the one list of them.
NOT_LOOKED_STATUSES = ("site_unreachable", "blocked_by_robots", "incomplete")
_SQL_TYPES = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER"}

_INDEXES = (
    "CREATE INDEX IF NOT EXISTS observations_by_item ON observations (institution_id, item, checked_at)",
    "CREATE INDEX IF NOT EXISTS institutions_by_region ON institutions (region)",
)

_FINDINGS_SQL = f"""
WITH ranked AS (
  SELECT o.*, ROW_NUMBER() OVER (
    PARTITION BY institution_id, item ORDER BY checked_at DESC, run_id DESC) AS rank
  FROM observations o
),
seen AS (
  SELECT institution_id, item, MIN(checked_at) AS first_seen_at FROM observations
  WHERE status IN ({", ".join(repr(s) for s in SEEN_STATUSES)}) GROUP BY institution_id, item
)
SELECT ranked.*, seen.first_seen_at,
  (SELECT MAX(a.checked_at) FROM observations a
    WHERE a.institution_id = ranked.institution_id AND a.item = ranked.item
      AND a.status IN ({", ".join(repr(s) for s in ABSENT_STATUSES)})
      AND COALESCE(a.search_end, 'complete') = 'complete'
      AND (seen.first_seen_at IS NULL OR a.checked_at < seen.first_seen_at)) AS last_absent_at
FROM ranked LEFT JOIN seen USING (institution_id, item)
WHERE ranked.rank = 1
ORDER BY ranked.institution_id, ranked.item
"""


def utc_now() -> str:
    """Now, as the store writes datetimes: ISO 8601, UTC, whole seconds."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class UpsertReport:
    """How many rows an upsert inserted, changed and found already as given."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def _create_table_sql(name: str) -> str:
    schema = datapackages.table_schema(name)
    columns = [f'"{f["name"]}" {_SQL_TYPES.get(f["type"], "TEXT")}' for f in schema["fields"]]
    keys = ", ".join(f'"{k}"' for k in schema["primaryKey"])
    return f'CREATE TABLE IF NOT EXISTS "{name}" ({", ".join(columns)}, PRIMARY KEY ({keys}))'


# Internal tables of the bus.gov.ru sync (publisher.registry.busgov, publisher.registry.local):
# what the register last said of each document, and our local values of register fields.
_INTERNAL_TABLES = (
    """CREATE TABLE IF NOT EXISTS busgov_state (
        position_id TEXT PRIMARY KEY,
        institution_id TEXT NOT NULL,
        version_number INTEGER NOT NULL,
        change_date TEXT NOT NULL,
        register_values TEXT NOT NULL,
        closed_at TEXT)""",
    "CREATE INDEX IF NOT EXISTS busgov_state_by_institution ON busgov_state (institution_id)",
    """CREATE TABLE IF NOT EXISTS local_overrides (
        institution_id TEXT NOT NULL,
        field TEXT NOT NULL,
        value TEXT,
        register_value TEXT,
        conflict INTEGER NOT NULL DEFAULT 0,
        note TEXT,
        set_at TEXT NOT NULL,
        PRIMARY KEY (institution_id, field))""",
    # The sync matches register documents to institutions by these identifiers.
    "CREATE INDEX IF NOT EXISTS institutions_by_bus_gov_id ON institutions (bus_gov_id)",
    "CREATE INDEX IF NOT EXISTS institutions_by_reg_num ON institutions (reg_num)",
    "CREATE INDEX IF NOT EXISTS institutions_by_inn_kpp ON institutions (inn, kpp)",
    "CREATE INDEX IF NOT EXISTS institutions_by_ogrn ON institutions (ogrn)",
    # The disputes log is the audit trail: rows are added, never changed or removed.
    """CREATE TRIGGER IF NOT EXISTS disputes_never_updated BEFORE UPDATE ON disputes
        BEGIN SELECT RAISE(ABORT, 'disputes are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS disputes_never_deleted BEFORE DELETE ON disputes
        BEGIN SELECT RAISE(ABORT, 'disputes are append-only'); END""",
)


class Store:
    """The SQLite store of one data directory."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.Error as exc:
            raise StoreError(
                f"{self.path}: хранилище не открывается (cannot open the store: {exc})"
            ) from exc

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _migrate(self) -> None:
        for name in STORED_RESOURCES:
            self.db.execute(_create_table_sql(name))
            have = {row[1] for row in self.db.execute(f'PRAGMA table_info("{name}")')}
            for field in datapackages.table_schema(name)["fields"]:
                if field["name"] not in have:
                    sql_type = _SQL_TYPES.get(field["type"], "TEXT")
                    self.db.execute(f'ALTER TABLE "{name}" ADD COLUMN "{field["name"]}" {sql_type}')
        for statement in _INDEXES:
            self.db.execute(statement)
        for statement in _INTERNAL_TABLES:
            self.db.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: a failure inside leaves the store as it was."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def rows(self, resource: str, where: str = "", params: Iterable[Any] = ()) -> Iterator[dict]:
        """Rows of a stored resource as dicts, in primary-key order."""
        keys = ", ".join(f'"{k}"' for k in datapackages.table_schema(resource)["primaryKey"])
        clause = f" WHERE {where}" if where else ""
        cursor = self.db.execute(
            f'SELECT * FROM "{resource}"{clause} ORDER BY {keys}', tuple(params)
        )
        for row in cursor:
            yield dict(row)

    def count(self, resource: str) -> int:
        return self.db.execute(f'SELECT COUNT(*) FROM "{resource}"').fetchone()[0]

    def upsert(self, resource: str, rows: Iterable[dict], merge: bool = False) -> UpsertReport:
        """Insert or update rows by primary key; rows equal to what is stored are left alone.

        With ``merge``, a value a row leaves empty keeps what is stored (another source's value).
        """
        fields = datapackages.field_names(resource)
        keys = datapackages.table_schema(resource)["primaryKey"]
        report = UpsertReport()
        select = f'SELECT * FROM "{resource}" WHERE ' + " AND ".join(f'"{k}" = ?' for k in keys)
        insert = (
            f'INSERT OR REPLACE INTO "{resource}" ({", ".join(chr(34) + f + chr(34) for f in fields)}) '
            f"VALUES ({', '.join('?' for _ in fields)})"
        )
        with self.transaction() as db:
            for row in rows:
                values = [row.get(f) for f in fields]
                old = db.execute(select, [row.get(k) for k in keys]).fetchone()
                if merge and old is not None:
                    values = [
                        old[f] if v is None else v for f, v in zip(fields, values, strict=True)
                    ]
                if old is not None and list(old[f] for f in fields) == values:
                    report.unchanged += 1
                    continue
                db.execute(insert, values)
                if old is None:
                    report.inserted += 1
                else:
                    report.updated += 1
        return report

    def institutions(self, regions: Iterable[str] = (), ids: Iterable[str] = ()) -> list[dict]:
        """Open institutions with a website, optionally limited to regions and/or ids."""
        return list(self.each_institution(regions, ids))

    def each_institution(
        self, regions: Iterable[str] = (), ids: Iterable[str] = ()
    ) -> Iterator[dict]:
        """The same institutions one at a time (a national run is never held whole)."""
        clauses, params = ["website IS NOT NULL AND website != '' AND closed_at IS NULL"], []
        for column, values in (("region", list(regions)), ("id", list(ids))):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        return self.rows("institutions", " AND ".join(clauses), params)

    def start_crawl(self, scope: str) -> str:
        """Record a new crawl run and return its id."""
        run_id = f"{utc_now().replace(':', '').replace('-', '')}-{uuid.uuid4().hex[:6]}"
        self.db.execute(
            "INSERT INTO crawls (run_id, started_at, status, scope, sites, sites_unreachable, pages,"
            " errors) VALUES (?, ?, 'running', ?, 0, 0, 0, 0)",
            (run_id, utc_now(), scope),
        )
        return run_id

    def update_crawl(self, run_id: str, **fields: object) -> None:
        """Set columns of a crawl run (counters, status, finished_at, note)."""
        sets = ", ".join(f'"{name}" = ?' for name in fields)
        self.db.execute(f"UPDATE crawls SET {sets} WHERE run_id = ?", (*fields.values(), run_id))

    def finish_crawl(self, run_id: str, status: str, note: str = "") -> None:
        """Close a crawl run with its outcome."""
        self.update_crawl(run_id, finished_at=utc_now(), status=status, note=note or None)

    def latest_crawl(self, scope: str) -> dict | None:
        """The newest crawl run of a scope (a region code, a list of ids, or "all")."""
        row = self.db.execute(
            "SELECT * FROM crawls WHERE scope = ? ORDER BY started_at DESC, rowid DESC LIMIT 1",
            (scope,),
        ).fetchone()
        return dict(row) if row is not None else None

    def add_observations(self, rows: Iterable[dict]) -> int:
        """Store one run's observations (a repeated observation of a run replaces the earlier one)."""
        return self.upsert("observations", rows).inserted

    def add_dispute_event(self, row: dict) -> None:
        """Append one event to the disputes log (its ``seq`` is the dispute's next number)."""
        fields = datapackages.field_names("disputes")
        with self.transaction() as db:
            (last,) = db.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM disputes WHERE dispute_id = ?",
                (row["dispute_id"],),
            ).fetchone()
            values = {**row, "seq": last + 1}
            db.execute(
                f"INSERT INTO disputes ({', '.join(chr(34) + f + chr(34) for f in fields)}) "
                f"VALUES ({', '.join('?' for _ in fields)})",
                [values.get(f) for f in fields],
            )

    def findings(self) -> Iterator[dict]:
        """The current state of every checked item, with first-seen and last-absent dates."""
        fields = datapackages.field_names("findings")
        for row in self.db.execute(_FINDINGS_SQL):
            yield {f: row[f] for f in fields}

    def replace_compliance(self, rows: Iterable[dict]) -> int:
        """Replace all verdicts with a freshly computed set, atomically."""
        fields = datapackages.field_names("compliance")
        insert = (
            f"INSERT INTO compliance ({', '.join(chr(34) + f + chr(34) for f in fields)}) "
            f"VALUES ({', '.join('?' for _ in fields)})"
        )
        count = 0
        with self.transaction() as db:
            db.execute("DELETE FROM compliance")
            for row in rows:
                db.execute(insert, [row.get(f) for f in fields])
                count += 1
        return count
