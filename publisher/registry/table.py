"""The registry of institutions, imported from regional CSV tables.

A bad row is reported with its file, line and reason; the good rows are imported; importing the same
file twice changes nothing. A cell longer than `MAX_CELL` characters rejects its row only; a field
over `MAX_FIELD` (the CSV reader's hard limit, against memory exhaustion) stops the file.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from publisher.dates import parse_optional_date
from publisher.errors import InputError
from publisher.registry.addresses import normalise_website
from publisher.store import Store, UpsertReport
from publisher.vocab import region_code, sphere_code

REQUIRED_COLUMNS = ("id", "name", "region", "sphere", "founder", "website")
OPTIONAL_COLUMNS = ("kind", "bus_gov_id", "inn", "ogrn", "assessment_date")
KINDS = ("institution", "authority")
MAX_CELL = 131_072
MAX_FIELD = 16 * 1024**2
_PATTERNS = {
    "bus_gov_id": (re.compile(r"[0-9]+"), "только цифры (digits only)"),
    "inn": (re.compile(r"[0-9]{10}|[0-9]{12}"), "10 или 12 цифр (10 or 12 digits)"),
    "ogrn": (re.compile(r"[0-9]{13}|[0-9]{15}"), "13 или 15 цифр (13 or 15 digits)"),
}


@dataclass(frozen=True)
class RejectedRow:
    """One rejected input row: where it is and why."""

    source: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


@dataclass
class ImportReport:
    """What an import did: rows taken, rows stored by outcome, rows rejected."""

    rows: int = 0
    stored: UpsertReport = field(default_factory=UpsertReport)
    errors: list[RejectedRow] = field(default_factory=list)


def _clean(value: str | None) -> str:
    return (value or "").replace("\u00a0", " ").strip()


def _checked(row: dict[str, str], column: str) -> str | None:
    value = _clean(row.get(column))
    if not value:
        return None
    pattern, rule = _PATTERNS[column]
    if not pattern.fullmatch(value):
        raise ValueError(f"{column} «{value}»: ожидается {rule}")
    return value


def parse_institution(row: dict[str, str], source: str) -> dict:
    """One CSV row as an institutions record; ValueError names the column and the reason."""
    for column, value in row.items():
        if isinstance(value, str) and len(value) > MAX_CELL:
            raise ValueError(
                f"столбец {column}: {len(value)} символов, больше {MAX_CELL} (cell too long)"
            )
    for column in ("id", "name"):
        if not _clean(row.get(column)):
            raise ValueError(f"пустой столбец {column} (missing {column})")
    raw_site = _clean(row.get("website"))
    kind = _clean(row.get("kind")) or "institution"
    if kind not in KINDS:
        raise ValueError(f"kind «{kind}»: ожидается одно из {', '.join(KINDS)}")
    try:
        assessed = parse_optional_date(row.get("assessment_date"))
    except ValueError as exc:
        raise ValueError(f"assessment_date: {exc}") from None
    return {
        "id": _clean(row["id"]),
        "name": _clean(row["name"]),
        "region": region_code(_clean(row.get("region"))),
        "sphere": sphere_code(_clean(row.get("sphere"))),
        "founder": _clean(row.get("founder")) or None,
        "kind": kind,
        "website": normalise_website(raw_site) if raw_site else None,
        "website_original": raw_site or None,
        "bus_gov_id": _checked(row, "bus_gov_id"),
        "inn": _checked(row, "inn"),
        "ogrn": _checked(row, "ogrn"),
        "assessment_date": assessed.isoformat() if assessed else None,
        "source": source,
    }


def _first_undecodable(path: Path) -> str:
    """Where a file stops being UTF-8: ``line: what`` (the reader only knows its buffer's place)."""
    with path.open("rb") as raw:
        for number, line in enumerate(raw, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                byte = line[exc.start : exc.start + 1].hex()
                return (
                    f"{number}: не UTF-8 (not UTF-8 text: byte 0x{byte} at column {exc.start + 1})"
                )
    return "?: не UTF-8 (not UTF-8 text)"


def read_csv_rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a UTF-8 CSV with a header; InputError if columns are missing."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
    limit = csv.field_size_limit(MAX_FIELD)
    try:
        with handle:
            yield from _csv_rows(handle, path, required)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}:{_first_undecodable(path)}") from exc
    finally:
        csv.field_size_limit(limit)


def _csv_rows(handle, path: Path, required: tuple[str, ...]):  # noqa: ANN001, ANN202
    reader = csv.DictReader(handle)
    header = [_clean(name) for name in reader.fieldnames or []]
    missing = [column for column in required if column not in header]
    if missing:
        raise InputError(f"{path}:1: missing columns: {', '.join(missing)}")
    reader.fieldnames = header
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num + 1}: unreadable ({exc})") from exc


def import_rows(
    store: Store, rows: Iterable[tuple[int, dict[str, str]]], source: str
) -> ImportReport:
    """Import (line number, row) pairs; bad rows are reported, good ones stored in one transaction."""
    report = ImportReport()
    good: dict[str, dict] = {}
    for line, row in rows:
        report.rows += 1
        try:
            record = parse_institution(row, source=source)
        except ValueError as exc:
            report.errors.append(RejectedRow(source, line, str(exc)))
            continue
        if record["id"] in good:
            report.errors.append(RejectedRow(source, line, f"id «{record['id']}» повторяется"))
            continue
        good[record["id"]] = record
    report.stored = store.upsert("institutions", good.values(), merge=True)
    return report


def import_registry(store: Store, path: Path) -> ImportReport:
    """Import a registry CSV file into the store."""
    path = Path(path)
    return import_rows(store, read_csv_rows(path, REQUIRED_COLUMNS), path.name)
