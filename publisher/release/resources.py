"""Where each published resource's rows come from: stored tables, or derived from them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime

import datapackages
from publisher.release.kpi import kpi_rows
from publisher.release.obligations import obligation_rows
from publisher.release.streaks import unreachable_sites
from publisher.store import Store

_JOINED = ("name", "region")


def compliance_rows(store: Store, as_of: date | None = None) -> Iterator[dict]:
    """Verdicts with the institution's name and region; an overdue verdict the engine gave neither
    days late nor bounds gets them counted to ``as_of`` (the release date), so sorting by lateness
    puts it first. Bounds (``days_late_min``/``max``, a due date known only within an interval)
    are left as the engine gave them."""
    as_of = as_of or datetime.now(UTC).date()
    fields = datapackages.field_names("compliance")
    own = ", ".join(f'c."{f}"' for f in fields if f not in _JOINED)
    query = (
        f"SELECT {own}, i.name AS name, i.region AS region FROM compliance c"
        " LEFT JOIN institutions i ON i.id = c.institution_id ORDER BY c.rowid"
    )
    for stored in store.db.execute(query):
        row = {f: stored[f] for f in fields}
        undated = row["days_late"] is None and row.get("days_late_min") is None
        if row["status"] == "overdue" and undated and row["due_date"]:
            row["days_late"] = max((as_of - date.fromisoformat(row["due_date"])).days, 0)
        yield row


DERIVED: dict[str, Callable[[Store], Iterable[dict]]] = {
    "compliance": compliance_rows,
    "findings": Store.findings,
    "obligations": obligation_rows,
    "kpi": kpi_rows,
    "unreachable_sites": unreachable_sites,
}
FROM_RELEASES = ("changes",)  # computed by comparing packages, not from the store


def write_order() -> list[str]:
    """The resources written from the store, those that foreign keys refer to first (so each can
    be validated as soon as it is written)."""
    names = [n for n in datapackages.resource_names() if n not in FROM_RELEASES]
    referred = {
        key["reference"]["resource"]
        for name in names
        for key in datapackages.table_schema(name).get("foreignKeys", [])
    }
    return sorted(names, key=lambda name: name not in referred)


def resource_rows(store: Store, name: str) -> Iterable[dict]:
    """The rows of a published resource: stored tables as they are, others derived."""
    if name in DERIVED:
        return DERIVED[name](store)
    return store.rows(name)


def region_of(store: Store) -> dict[str, str]:
    """Every institution's region, by id."""
    return dict(store.db.execute("SELECT id, region FROM institutions").fetchall())


def methodology(store: Store) -> dict[str, list[str]]:
    """Which profiles, calendar and detectors produced the published verdicts and findings."""
    verdicts = store.db.execute("SELECT DISTINCT methodology FROM compliance ORDER BY 1")
    detectors = store.db.execute(
        "SELECT DISTINCT detector_version FROM observations WHERE detector_version IS NOT NULL"
        " ORDER BY 1"
    )
    return {"verdicts": [r[0] for r in verdicts], "detectors": [r[0] for r in detectors]}
