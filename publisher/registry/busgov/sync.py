"""Synchronise the registry of institutions with the bus.gov.ru register, incrementally.

- A document is applied only if it is newer than the version last applied for its positionId:
  a higher ``versionNumber``, or the same one with a later ``changeDate``. The same file twice,
  or an older file, changes nothing.
- A document is linked to an institution by positionId if it was synced before, else matched by
  agencyId (``bus_gov_id``), then regNum, then INN+KPP, then OGRN. An institution that another
  register document is already linked to is not matched again (branches share their parent's OGRN).
- An unmatched document becomes a new institution ``bus-<regNum>``, in the region its OKTMO names
  and the sphere `publisher.registry.classify.sphere_for` infers; one outside the five spheres is not
  imported (counted as out of scope); one whose region cannot be told is reported.
- A field changed by the register is updated and recorded in ``registry_changes`` (old and new
  value). A local value (see `publisher.registry.local`) is kept; if the register disagrees the two
  are kept side by side and a ``conflict`` row is recorded, once per new register value.
- With ``complete=True`` (the default for a passport URL, whose file is the whole register), an
  institution linked to a document absent from the file is recorded as ``closed``, unless some
  document could not be read (its absence might be our failure to read it).
- The whole sync is one transaction: a run that fails half-way leaves the registry as it was.
- A file none of whose documents could be used raises `SyncFailed` (the CLI exits non-zero, the
  service records the job as failed); some unusable documents are errors in the report.
"""

from __future__ import annotations

import json
import re
import sqlite3
import tempfile
from pathlib import Path

import datapackages
from publisher.errors import InputError, SyncFailed
from publisher.registry.addresses import normalise_website
from publisher.registry.busgov.parser import Position, RejectedDocument, Unchanged
from publisher.registry.busgov.passport import fetch_passport_file
from publisher.registry.busgov.report import SyncReport
from publisher.registry.busgov.sources import read_positions
from publisher.registry.busgov.worker import read_positions_in_worker, worth_a_worker
from publisher.registry.classify import region_for_oktmo, sphere_for
from publisher.registry.local import SYNCED_FIELDS
from publisher.store import Store, utc_now
from publisher.vocab import fictional_regions

_MATCH_KEYS = (("bus_gov_id",), ("reg_num",), ("inn", "kpp"), ("ogrn",))
# Invented institutions (a fictional region: the demo) are never matched to real register documents.
_MATCH_SQL = (
    "SELECT * FROM institutions WHERE (bus_gov_id = ? OR reg_num = ? OR (inn = ? AND kpp = ?)"
    " OR ogrn = ?) AND region NOT IN ({fictional}) ORDER BY id"
)
_UNKNOWN = object()


def sync_registry(store: Store, source: str | Path, *, complete: bool | None = None) -> SyncReport:
    """Sync the registry with a bus.gov.ru file, folder or passport URL, in one transaction."""
    text = str(source)
    if text.startswith(("http://", "https://")):
        with tempfile.TemporaryDirectory(prefix="nokwatch-busgov-") as folder:
            path = fetch_passport_file(text, Path(folder))
            return _sync_path(store, path, text, True if complete is None else complete)
    path = Path(source)
    if not path.exists():
        raise InputError(f"{path}: нет такого файла или папки (no such file or folder)")
    return _sync_path(store, path, path.name, bool(complete))


def _sync_path(store: Store, path: Path, label: str, complete: bool) -> SyncReport:
    report = SyncReport(label)
    # A register-sized sync touches every index of the registry; keep them in memory (128 MiB).
    store.db.execute("PRAGMA cache_size = -131072")
    with store.transaction() as db:
        sync = _Sync(db, report, label)
        read = read_positions_in_worker if worth_a_worker(path) else read_positions
        for item in read(path, sync.versions):
            if isinstance(item, RejectedDocument):
                report.errors.append(item)
                sync.unreadable += 1
            elif isinstance(item, Unchanged):
                report.documents += 1
                sync.skip(item.position_id)
            else:
                report.documents += 1
                sync.apply(item)
        if complete and not sync.unreadable:
            sync.close_missing()
    if report.errors and not report.used:
        raise SyncFailed(report)
    return report


def _patterns() -> dict[str, re.Pattern[str]]:
    fields = datapackages.table_schema("institutions")["fields"]
    return {
        f["name"]: re.compile(f["constraints"]["pattern"])
        for f in fields
        if "pattern" in f.get("constraints", {})
    }


def register_values(position: Position, warn: list[str]) -> dict[str, str | None]:
    """The synced fields as the register states them; malformed values dropped with a note."""
    values = {
        "name": position.full_name or position.short_name,
        "founder": position.founder,
        "website": None,
        "website_original": position.www,
        "bus_gov_id": position.position_id,
        "reg_num": position.reg_num,
        "inn": position.inn,
        "kpp": position.kpp,
        "ogrn": position.ogrn,
        "oktmo": position.oktmo,
        "address": position.address,
        "region": region_for_oktmo(position.oktmo),
    }
    if position.www:
        try:
            values["website"] = normalise_website(position.www)
        except ValueError as exc:
            warn.append(f"www: {exc}")
    for name, pattern in _PATTERNS.items():
        if values.get(name) is not None and not pattern.fullmatch(values[name]):
            if name != "bus_gov_id":  # a non-numeric positionId is no card id; not worth a note
                warn.append(
                    f"{name} «{values[name]}» не по формату (dropped: not {pattern.pattern})"
                )
            values[name] = None
    return values


_PATTERNS = _patterns()


class _Sync:
    """One sync run inside an open transaction."""

    def __init__(self, db: sqlite3.Connection, report: SyncReport, label: str) -> None:
        self.db, self.report, self.label = db, report, label
        self.now = utc_now()
        self.unreadable = 0
        self.seen: set[str] = set()
        self.columns = datapackages.field_names("institutions")
        names = ", ".join(f'"{c}"' for c in self.columns)
        marks = ", ".join("?" for _ in self.columns)
        self.insert_sql = f"INSERT INTO institutions ({names}) VALUES ({marks})"
        query = "SELECT DISTINCT institution_id FROM local_overrides"
        self.overridden = {row[0] for row in db.execute(query)}
        # (versionNumber, changeDate) applied per positionId: 200,000 of them fit in memory.
        query = "SELECT position_id, version_number, change_date FROM busgov_state"
        self.versions = {row[0]: (row[1], row[2]) for row in db.execute(query)}

    def applied(self, position: Position) -> bool:
        """Whether a document at this version or a newer one was applied already."""
        known = self.versions.get(position.position_id)
        return known is not None and (position.version_number, position.change_date) <= known

    def skip(self, position_id: str) -> None:
        """Count a document that is not newer than what was applied; it is still in the file."""
        self.seen.add(position_id)
        self.report.skipped_not_newer += 1

    def apply(self, position: Position) -> None:
        """Apply one document, unless it is not newer than what was applied before."""
        if self.applied(position):
            self.skip(position.position_id)
            return
        self.seen.add(position.position_id)
        state = None
        if position.position_id in self.versions:
            sql = "SELECT * FROM busgov_state WHERE position_id = ?"
            state = self.db.execute(sql, (position.position_id,)).fetchone()
        warnings: list[str] = []
        values = register_values(position, warnings)
        for note in warnings:
            self.report.warnings.append(RejectedDocument(position.source, position.document, note))
        row = self._linked(state) or self._match(values, position.position_id)
        if row is None:
            institution_id = self._create(position, values)
        else:
            institution_id = row["id"]
            last = json.loads(state["register_values"]) if _links(state, row) else None
            self._update(row, values, last, position)
            self._reopen(state, institution_id, position)
        if institution_id is not None:
            self._save_state(position, institution_id, values)

    def _linked(self, state: sqlite3.Row | None) -> dict | None:
        if state is None:
            return None
        row = self.db.execute(
            "SELECT * FROM institutions WHERE id = ?", (state["institution_id"],)
        ).fetchone()
        return dict(row) if row is not None else None

    def _match(self, values: dict, position_id: str) -> dict | None:
        params = [values["bus_gov_id"], values["reg_num"], values["inn"], values["kpp"]]
        fictional = sorted(fictional_regions())
        sql = _MATCH_SQL.format(fictional=", ".join("?" * len(fictional)) or "NULL")
        candidates = self.db.execute(sql, [*params, values["ogrn"], *fictional]).fetchall()
        for keys in _MATCH_KEYS:
            for row in candidates:
                if all(values[k] and row[k] == values[k] for k in keys) and not self._taken(
                    row["id"], position_id
                ):
                    return dict(row)
        return None

    def _taken(self, institution_id: str, position_id: str) -> bool:
        sql = "SELECT 1 FROM busgov_state WHERE institution_id = ? AND position_id != ?"
        return self.db.execute(sql, (institution_id, position_id)).fetchone() is not None

    def _create(self, position: Position, values: dict) -> str | None:
        sphere = sphere_for(position.okved, values["name"])
        if sphere is None:
            self.report.out_of_scope += 1
            return None
        problem = self._unusable(values)
        if problem:
            self.report.errors.append(RejectedDocument(position.source, position.document, problem))
            return None
        row = {**values, "sphere": sphere, "kind": "institution"}
        row["source"] = f"bus.gov.ru: {position.source}"
        self._insert(row, position)
        self._change(row["id"], position.change_date, "new", "status", None, "open", position)
        self.report.new += 1
        return row["id"]

    @staticmethod
    def _unusable(values: dict) -> str | None:
        if not values["name"]:
            return "нет fullName и shortName (no name)"
        if values["region"] is None:
            return f"OKTMO «{values['oktmo'] or ''}»: регион не определён (unknown region)"
        return None

    def _insert(self, row: dict, position: Position) -> str:
        """Insert a new institution as bus-<regNum>, or bus-<regNum>-<positionId> if that is taken."""
        base = f"bus-{position.reg_num or position.position_id}"
        for candidate in (base, f"{base}-{position.position_id}"):
            row["id"] = candidate
            try:
                self.db.execute(self.insert_sql, [row.get(c) for c in self.columns])
                return candidate
            except sqlite3.IntegrityError:
                continue
        raise InputError(f"{position.where}: id «{base}» уже занят (id taken)")

    def _update(self, row: dict, values: dict, last: dict | None, position: Position) -> None:
        overrides = self._overrides(row["id"])
        updates: dict[str, str | None] = {}
        for name in SYNCED_FIELDS:
            if name == "region" and values[name] is None:
                continue  # an OKTMO we cannot place says nothing about the region
            previous = last.get(name, _UNKNOWN) if last is not None else _UNKNOWN
            decision = self._field(row, name, values[name], previous, overrides.get(name), position)
            if decision == "take":
                updates[name] = values[name]
            if name == "website" and decision != "local" and name not in overrides:
                self._take("website_original", row, values, updates, position)
        self._write(row["id"], updates)

    def _take(self, name: str, row: dict, values: dict, updates: dict, position: Position) -> None:
        if row[name] != values[name]:
            updates[name] = values[name]
            self._change(
                row["id"], position.change_date, "changed", name, row[name], values[name], position
            )

    def _field(
        self,
        row: dict,
        name: str,
        new: str | None,
        previous: object,
        override: dict | None,
        position: Position,
    ) -> str:
        """Decide one field: "same", "take" (the register's value, recorded) or "local"."""
        current = row[name]
        if current == new:
            if override is not None and override["conflict"]:
                self._flag(row["id"], name, current, new, conflict=False)
            return "same"
        local = override is not None or (
            current not in (None, "") and (previous is _UNKNOWN or current != previous)
        )
        if not local:
            self._change(row["id"], position.change_date, "changed", name, current, new, position)
            return "take"
        if override is None or not override["conflict"] or override["register_value"] != new:
            self._flag(row["id"], name, current, new, conflict=True)
            self._change(row["id"], self.now, "conflict", name, current, new, position)
            self.report.conflicts += 1
        return "local"

    def _overrides(self, institution_id: str) -> dict[str, dict]:
        if institution_id not in self.overridden:
            return {}
        rows = self.db.execute(
            "SELECT * FROM local_overrides WHERE institution_id = ?", (institution_id,)
        )
        return {row["field"]: dict(row) for row in rows}

    def _flag(
        self, institution_id: str, name: str, local: str, register: str | None, *, conflict: bool
    ) -> None:
        self.db.execute(
            "INSERT INTO local_overrides (institution_id, field, value, register_value, conflict,"
            " set_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (institution_id, field) DO UPDATE SET"
            " register_value = excluded.register_value, conflict = excluded.conflict",
            (institution_id, name, local, register, int(conflict), self.now),
        )
        self.overridden.add(institution_id)

    def _write(self, institution_id: str, updates: dict[str, str | None]) -> None:
        if not updates:
            self.report.unchanged += 1
            return
        sets = ", ".join(f'"{name}" = ?' for name in updates)
        sql = f"UPDATE institutions SET {sets} WHERE id = ?"
        self.db.execute(sql, (*updates.values(), institution_id))
        self.report.changed += 1

    def _reopen(self, state: sqlite3.Row | None, institution_id: str, position: Position) -> None:
        if state is not None and state["closed_at"] is not None:
            sql = "UPDATE institutions SET closed_at = NULL WHERE id = ?"
            self.db.execute(sql, (institution_id,))
            self._change(
                institution_id,
                position.change_date,
                "changed",
                "status",
                "closed",
                "open",
                position,
            )

    def _save_state(self, position: Position, institution_id: str, values: dict) -> None:
        self.versions[position.position_id] = (position.version_number, position.change_date)
        self.db.execute(
            "INSERT OR REPLACE INTO busgov_state (position_id, institution_id, version_number,"
            " change_date, register_values, closed_at) VALUES (?, ?, ?, ?, ?, NULL)",
            (
                position.position_id,
                institution_id,
                position.version_number,
                position.change_date,
                json.dumps(values, ensure_ascii=False, sort_keys=True),
            ),
        )

    def _change(
        self,
        institution_id: str,
        at: str,
        change: str,
        name: str,
        old: str | None,
        new: str | None,
        position: Position | None,
    ) -> None:
        source = position.where if position is not None else self.label
        self.db.execute(
            "INSERT INTO registry_changes (institution_id, changed_at, change, field, old_value,"
            " new_value, source) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET"
            " new_value = excluded.new_value, source = excluded.source",
            (institution_id, at, change, name, old, new, source),
        )

    def close_missing(self) -> None:
        """Record as closed every linked institution whose document the complete file lacks."""
        rows = self.db.execute(
            "SELECT position_id, institution_id FROM busgov_state WHERE closed_at IS NULL"
        ).fetchall()
        for position_id, institution_id in rows:
            if position_id in self.seen:
                continue
            self.db.execute(
                "UPDATE busgov_state SET closed_at = ? WHERE position_id = ?",
                (self.now, position_id),
            )
            sql = "UPDATE institutions SET closed_at = ? WHERE id = ?"
            self.db.execute(sql, (self.now[:10], institution_id))
            self._change(institution_id, self.now, "closed", "status", "open", "closed", None)
            self.report.closed += 1


def _links(state: sqlite3.Row | None, row: dict) -> bool:
    return state is not None and state["institution_id"] == row["id"]
