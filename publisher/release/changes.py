"""What changed between two releases: institutions added and removed, verdicts and findings changed.

Both sides are read from published national packages on disk (their CSV files), so a release is
compared with exactly what the previous release published.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

WHOLE = "institution"  # the subject of an institution added or removed
LATE = ("late", "overdue")
GOOD_FINDINGS = ("found", "live")
BAD_FINDINGS = ("not_found", "outdated", "broken", "mismatch")


@dataclass
class State:
    """The parts of a national package that changes are computed from."""

    institutions: dict[str, tuple[str, str]] = field(default_factory=dict)  # id → (name, region)
    verdicts: dict[tuple[str, str], str] = field(default_factory=dict)  # (id, subject) → status
    findings: dict[tuple[str, str], str] = field(default_factory=dict)  # (id, item) → status


def _read(path: Path) -> Iterator[dict]:
    if not path.exists():
        return
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def verdict_subject(row: dict) -> str:
    """A compliance row's name in changes: ``profile:obligation`` (``:period`` if recurring)."""
    subject = f"{row['profile']}:{row['obligation']}"
    return subject if row.get("period", "once") == "once" else f"{subject}:{row['period']}"


def load_state(folder: Path) -> State:
    """Read institutions, verdicts and findings of the national package in ``folder``."""
    data = Path(folder) / "data"
    state = State()
    for row in _read(data / "institutions.csv"):
        state.institutions[row["id"]] = (row["name"], row["region"])
    for row in _read(data / "compliance.csv"):
        state.verdicts[(row["institution_id"], verdict_subject(row))] = row["status"]
    for row in _read(data / "findings.csv"):
        state.findings[(row["institution_id"], row["item"])] = row["status"]
    return state


def _verdict_flags(old: str | None, new: str | None) -> tuple[bool, bool]:
    violation = new in LATE and old not in LATE
    fixed = (old in LATE and new == "on_time") or (old == "overdue" and new == "late")
    return violation, fixed


def _finding_flags(old: str | None, new: str | None) -> tuple[bool, bool]:
    return (
        new in BAD_FINDINGS and old not in BAD_FINDINGS,
        new in GOOD_FINDINGS and old in BAD_FINDINGS,
    )


def _compared(kind: str, old: dict, new: dict, skip: set[str]) -> Iterator[tuple]:
    flags = _verdict_flags if kind == "verdict_changed" else _finding_flags
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before != after and key[0] not in skip:
            yield (kind, key[0], key[1], before, after, *flags(before, after))


def diff(old: State, new: State, release: str, previous: str) -> Iterator[dict]:
    """Rows of the ``changes`` resource between two states."""
    added = new.institutions.keys() - old.institutions.keys()
    removed = old.institutions.keys() - new.institutions.keys()
    entries: list[tuple] = [
        ("institution_added", i, WHOLE, None, None, False, False) for i in sorted(added)
    ]
    entries += [
        ("institution_removed", i, WHOLE, None, None, False, False) for i in sorted(removed)
    ]
    skip = added | removed  # their verdicts and findings come and go with them
    entries += _compared("verdict_changed", old.verdicts, new.verdicts, skip)
    entries += _compared("finding_changed", old.findings, new.findings, skip)
    for change, institution, subject, before, after, violation, fixed in entries:
        name, region = new.institutions.get(institution) or old.institutions.get(
            institution, ("", "")
        )
        yield {
            "release": release,
            "previous": previous,
            "change": change,
            "institution_id": institution,
            "name": name,
            "region": region,
            "subject": subject,
            "old_value": before,
            "new_value": after,
            "violation": violation,
            "fixed": fixed,
        }
