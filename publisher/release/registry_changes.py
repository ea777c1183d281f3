"""The registry part of a release's CHANGELOG: what the bus.gov.ru sync recorded since the last one.

Like `publisher.release.changes`, both sides are the published packages on disk: a ``registry_changes`` row
is news when the previous release did not publish it. (Its ``changed_at`` is the register's date
of the document, often long before the sync, so it cannot tell what is new.)
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from publisher.release.changelog import LISTED

KEY = ("institution_id", "changed_at", "change", "field")
SECTIONS = (  # (change, title)
    ("new", "Реестр bus.gov.ru: новые учреждения"),
    ("closed", "Реестр bus.gov.ru: закрытые учреждения"),
    ("changed", "Реестр bus.gov.ru: изменённые сведения"),
    ("conflict", "Реестр bus.gov.ru: расхождения с местными значениями"),
)


def _read(folder: Path, name: str) -> Iterator[dict]:
    path = folder / "data" / f"{name}.csv"
    if path.exists():
        with path.open(encoding="utf-8", newline="") as handle:
            yield from csv.DictReader(handle)


def new_registry_changes(previous: Path, current: Path) -> list[dict]:
    """``registry_changes`` rows the package in ``current`` publishes and ``previous`` did not."""
    published = {tuple(row[k] for k in KEY) for row in _read(previous, "registry_changes")}
    rows = _read(current, "registry_changes")
    return [row for row in rows if tuple(row[k] for k in KEY) not in published]


def _line(row: dict, names: dict[str, tuple[str, str]]) -> str:
    name, region = names.get(row["institution_id"], ("", ""))
    who = f"- {region} · {name} (`{row['institution_id']}`)"
    if row["field"] == "status":
        return who
    return f"{who} — {row['field']}: {row['old_value'] or '—'} → {row['new_value'] or '—'}"


def registry_changelog(previous: Path | None, current: Path) -> str:
    """Markdown sections of the registry changes since ``previous`` ("" for a first release)."""
    if previous is None:
        return ""
    rows = new_registry_changes(previous, current)
    names = {row["id"]: (row["name"], row["region"]) for row in _read(current, "institutions")}
    lines: list[str] = []
    for change, title in SECTIONS:
        chosen = [row for row in rows if row["change"] == change]
        if chosen:
            lines += [f"## {title} ({len(chosen)})", ""]
            lines += [_line(row, names) for row in chosen[:LISTED]]
            if len(chosen) > LISTED:
                more = len(chosen) - LISTED
                lines.append(
                    f"- … ещё {more}: см. ресурс registry_changes (data/registry_changes.csv)"
                )
            lines.append("")
    return "\n".join(lines)
