"""Regional report tables (CSV or XLSX): institutions plus the dates the region reported.

A row the registry cannot take (unknown region, no name) is reported with its line and reason and
skipped; a date cell that is not a date («110.03.2014») keeps its row: the event is stored with
no date, its raw text and the reason, so the verdict can say ``invalid_data``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from publisher.dates import parse_date
from publisher.registry.table import RejectedRow, parse_institution, read_csv_rows, sniff_csv
from publisher.registry.xlsx import Warn, read_xlsx_rows
from publisher.store import Store, UpsertReport

# Report column → reported event (the four dates of the Tomsk appendix).
EVENT_COLUMNS = {
    "received": "proposals_received",
    "sent": "proposals_sent",
    "approved": "plan_approved",
    "posted": "plan_posted",
}
REQUIRED_COLUMNS = ("id", "name", "region", "sphere", "founder", *EVENT_COLUMNS)


@dataclass
class ReportImport:
    """What a report import did: rows read, stored, rejected, and cells kept with a defect."""

    rows: int = 0
    institutions: UpsertReport = field(default_factory=UpsertReport)
    events: UpsertReport = field(default_factory=UpsertReport)
    errors: list[RejectedRow] = field(default_factory=list)
    warnings: list[RejectedRow] = field(default_factory=list)
    format: str = ""  # how the file was read: «XLSX» or «CSV, cp1251, разделитель «;»»


def file_format(path: Path) -> str:
    """How a report table is read: «XLSX», or the CSV's encoding and delimiter."""
    return "XLSX" if path.suffix.lower() == ".xlsx" else str(sniff_csv(path))


def read_rows(path: Path, warn: Warn | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV (any usual encoding and delimiter) or XLSX report table, by extension."""
    if path.suffix.lower() == ".xlsx":
        return read_xlsx_rows(path, REQUIRED_COLUMNS, warn)
    return read_csv_rows(path, REQUIRED_COLUMNS)


def parse_events(row: dict[str, str], institution_id: str, source: str) -> list[dict]:
    """The reported_events of one row; a cell that is not a date keeps its raw text and reason."""
    events = []
    for column, event in EVENT_COLUMNS.items():
        raw = row.get(column) or ""
        if not raw.strip():
            continue
        record = {"institution_id": institution_id, "event": event, "raw": raw, "source": source}
        try:
            record["date"], record["note"] = parse_date(raw).isoformat(), None
        except ValueError as exc:
            record["date"], record["note"] = None, f"{column}: {exc}"
        events.append(record)
    return events


def import_report(store: Store, path: Path, source: str | None = None) -> ReportImport:
    """Import a report table; ``source`` (default: the file's stem) names it in reported_events."""
    path = Path(path)
    source = source or path.stem
    report = ReportImport(format=file_format(path))
    institutions: dict[str, dict] = {}
    events: list[dict] = []

    def warn(line: int, note: str) -> None:
        report.warnings.append(RejectedRow(path.name, line, note))

    for line, row in read_rows(path, warn):
        report.rows += 1
        try:
            record = parse_institution(row, source=path.name)
        except ValueError as exc:
            report.errors.append(RejectedRow(path.name, line, str(exc)))
            continue
        if record["id"] in institutions:
            report.errors.append(RejectedRow(path.name, line, f"id «{record['id']}» повторяется"))
            continue
        institutions[record["id"]] = record
        row_events = parse_events(row, record["id"], source)
        notes = [e["note"] for e in row_events if e["note"]]
        report.warnings.extend(RejectedRow(path.name, line, note) for note in notes)
        events.extend(row_events)
    report.institutions = store.upsert("institutions", institutions.values(), merge=True)
    report.events = store.upsert("reported_events", events)
    return report
