"""Notices of a data directory: one institution's (HTML and PDF) or a region's (one ZIP)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from publisher.errors import NoViolation, UnknownTarget
from publisher.release.notices import (
    Notice,
    build_notice,
    rows_from_store,
    write_notice,
    write_zip,
)
from publisher.store import Store


def _ids(store: Store, institution_id: str | None, region: str | None) -> list[str]:
    clauses, params = [], []
    if institution_id:
        clauses.append("id = ?")
        params.append(institution_id)
    if region:
        clauses.append("region = ?")
        params.append(region)
    ids = [r["id"] for r in store.rows("institutions", " AND ".join(clauses), params)]
    if not ids:
        target = f"учреждение {institution_id!r}" if institution_id else f"регион {region!r}"
        raise UnknownTarget(f"{target} не найдено в реестре")
    return ids


def notices(store: Store, institution_id: str | None, region: str | None) -> list[Notice]:
    """The notices of an institution or a region; NoViolation when the data establishes none."""
    ids = _ids(store, institution_id, region)
    built, refusals = [], []
    for rows in rows_from_store(store, ids):
        try:
            built.append(build_notice(rows))
        except NoViolation as exc:
            refusals.append(str(exc))
    if not built:
        if institution_id:
            raise NoViolation(refusals[0])
        raise NoViolation(f"в регионе {region} данные не устанавливают ни одного нарушения")
    return built


def write(
    store: Store,
    out: Path,
    institution_id: str | None = None,
    region: str | None = None,
    pdf: bool = True,
) -> list[Path]:
    """Write the notices: one institution's files, or a region's ZIP; the paths written."""
    found = notices(store, institution_id, region)
    if institution_id:
        return write_notice(found[0], out, pdf)
    name = f"notices-{region}-{date.today().isoformat()}.zip"
    return [write_zip(found, out / name, pdf)]
