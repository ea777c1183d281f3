"""Internal tables of the bus.gov.ru sync: what the register last said, and our local values.

``busgov_state``: one row per register document (positionId): the institution it is linked to, the
version last applied and the register's values of the synced fields at that version (JSON).

``local_overrides``: a value of an institution's field that is ours, not the register's (a website
found by hand, a region's CSV). The sync never overwrites such a field; when the register says
something else, the override is flagged (``conflict = 1``) with the register's value beside ours,
and a ``conflict`` row goes to ``registry_changes``. An override is made explicitly with
`set_local_value`, or by the sync when a field's current value differs from both the register's
new value and the register's last value (someone changed it locally since). `clear_local_value`
drops it: the field takes the register's last value again, so that the next sync follows the register.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

from publisher.errors import InputError
from publisher.registry.addresses import normalise_website

if TYPE_CHECKING:
    from publisher.store import Store

# Fields of `institutions` that the register supplies; a local value of any of them survives a sync.
SYNCED_FIELDS = (
    "name",
    "founder",
    "website",
    "bus_gov_id",
    "reg_num",
    "inn",
    "kpp",
    "ogrn",
    "oktmo",
    "address",
    "region",
)
_REQUIRED = ("name", "region")  # never emptied because the register left them out


def _check_field(field: str) -> None:
    if field not in SYNCED_FIELDS:
        known = ", ".join(SYNCED_FIELDS)
        raise InputError(f"поле «{field}» не синхронизируется с реестром (one of {known})")


def set_local_value(
    store: Store, institution_id: str, field: str, value: str, note: str = ""
) -> None:
    """Give an institution a local value of a synced field; later syncs keep it."""
    from publisher.store import utc_now

    _check_field(field)
    columns = {field: value}
    if field == "website":
        try:
            columns = {"website": normalise_website(value), "website_original": value}
        except ValueError as exc:
            raise InputError(str(exc)) from None
    sets = ", ".join(f'"{name}" = ?' for name in columns)
    with store.transaction() as db:
        updated = db.execute(
            f"UPDATE institutions SET {sets} WHERE id = ?", (*columns.values(), institution_id)
        ).rowcount
        if not updated:
            raise InputError(f"нет учреждения «{institution_id}» (no such institution)")
        db.execute(
            "INSERT INTO local_overrides (institution_id, field, value, note, set_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (institution_id, field) DO UPDATE SET"
            " value = excluded.value, note = excluded.note, set_at = excluded.set_at, conflict = 0",
            (institution_id, field, columns[field], note or None, utc_now()),
        )


def local_overrides(store: Store, conflicts_only: bool = False) -> list[dict]:
    """Local values, with the register's value beside each; only the flagged ones if asked."""
    where = " WHERE conflict = 1" if conflicts_only else ""
    sql = f"SELECT * FROM local_overrides{where} ORDER BY institution_id, field"
    return [dict(row) for row in store.db.execute(sql)]


def _register_values(db: sqlite3.Connection, institution_id: str) -> dict | None:
    """The register's values at the last version applied to an institution; None if not linked."""
    sql = "SELECT register_values FROM busgov_state WHERE institution_id = ? ORDER BY change_date"
    rows = db.execute(sql, (institution_id,)).fetchall()
    return json.loads(rows[-1][0]) if rows else None


def _restore(db: sqlite3.Connection, institution_id: str, field: str, register: dict) -> None:
    from publisher.store import utc_now

    names = ("website", "website_original") if field == "website" else (field,)
    old = db.execute(f'SELECT "{field}" FROM institutions WHERE id = ?', (institution_id,))
    old_value = old.fetchone()[0]
    sets = ", ".join(f'"{name}" = ?' for name in names)
    values = [register.get(name) for name in names]
    db.execute(f"UPDATE institutions SET {sets} WHERE id = ?", (*values, institution_id))
    if old_value != register.get(field):
        db.execute(
            "INSERT OR REPLACE INTO registry_changes (institution_id, changed_at, change, field,"
            " old_value, new_value, source) VALUES (?, ?, 'changed', ?, ?, ?, ?)",
            (
                institution_id,
                utc_now(),
                field,
                old_value,
                register.get(field),
                "local value cleared",
            ),
        )


def clear_local_value(store: Store, institution_id: str, field: str) -> str | None:
    """Drop a local value: the field takes the register's last value again, which is returned.

    An institution no register document is linked to keeps its value (there is none to follow).
    """
    _check_field(field)
    with store.transaction() as db:
        deleted = db.execute(
            "DELETE FROM local_overrides WHERE institution_id = ? AND field = ?",
            (institution_id, field),
        ).rowcount
        if not deleted:
            raise InputError(
                f"у «{institution_id}» нет местного значения «{field}» (no local value)"
            )
        register = _register_values(db, institution_id)
        if register is None or (register.get(field) is None and field in _REQUIRED):
            return None
        _restore(db, institution_id, field, register)
        return register.get(field)
