"""Regional report tables (CSV, XLSX): institutions and reported dates, with row-level errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from publisher.errors import InputError
from publisher.registry.reports import REQUIRED_COLUMNS, import_report
from publisher.store import Store

REPORT = Path(__file__).parents[1] / "publisher/data/tomsk-2014-report.csv"
HEADER = [*REQUIRED_COLUMNS, "website"]


@pytest.fixture
def fresh_store(tmp_path: Path) -> Store:
    with Store(tmp_path / "nokwatch.db") as store:
        yield store


def test_the_tomsk_report_imports_with_its_defects_kept(fresh_store: Store) -> None:
    report = import_report(fresh_store, REPORT)
    assert (report.rows, report.institutions.inserted, report.events.inserted) == (23, 23, 92)
    assert report.errors == []
    assert [str(w) for w in report.warnings] == [
        "tomsk-2014-report.csv:10: approved: «110.03.2014» не является датой "
        "(not a date: expected dd.mm.yyyy or yyyy-mm-dd)"
    ]
    events = {(e["institution_id"], e["event"]): e for e in fresh_store.rows("reported_events")}
    bad = events[("tom-2014-09", "plan_approved")]
    assert (bad["date"], bad["raw"], bad["source"]) == (None, "110.03.2014", "tomsk-2014-report")
    padded = events[("tom-2014-05", "proposals_received")]
    assert (padded["date"], padded["raw"]) == ("2014-01-25", "25.01.2014 ")
    institutions = {i["id"]: i for i in fresh_store.rows("institutions")}
    assert institutions["tom-2014-23"]["name"].startswith("ОГКУ «Реабилитационныйцентр")
    assert institutions["tom-2014-06"]["website_original"] == "http://tatars-tomsk.ru/?page_id=38"
    assert institutions["tom-2014-06"]["website"] == "http://tatars-tomsk.ru/?page_id=38"


def test_importing_twice_changes_nothing(fresh_store: Store) -> None:
    import_report(fresh_store, REPORT)
    again = import_report(fresh_store, REPORT)
    assert (again.institutions.unchanged, again.events.unchanged) == (23, 92)


def _row(**values: str) -> list[str]:
    base = {"id": "x-1", "name": "Школа", "region": "RU-TOM", "sphere": "образование",
            "founder": "Департамент", "received": "03.02.2014", "sent": "05.02.2014",
            "approved": "", "posted": "", "website": "school.ru"}  # fmt: skip
    base.update(values)
    return [base[c] for c in HEADER]


def test_bad_rows_are_reported_by_line_and_good_rows_go_on(tmp_path: Path, fresh_store: Store):
    path = tmp_path / "report.csv"
    lines = [HEADER, _row(), _row(id="x-2", region="Марс"), _row(id="x-1"), _row(id="x-3")]
    path.write_text("\n".join(",".join(line) for line in lines) + "\n", encoding="utf-8")
    report = import_report(fresh_store, path, source="test-report")
    assert [(e.line, e.reason.split(" ")[0]) for e in report.errors] == [
        (3, "неизвестный"),
        (4, "id"),
    ]
    assert report.institutions.inserted == 2 and report.events.inserted == 4
    assert {e["source"] for e in fresh_store.rows("reported_events")} == {"test-report"}


def test_xlsx_report(tmp_path: Path, fresh_store: Store) -> None:
    from datetime import datetime

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(_row(approved="110.03.2014"))
    row = _row(id="x-2")
    row[HEADER.index("posted")] = datetime(2014, 3, 10)  # a real Excel date cell
    sheet.append(row)
    path = tmp_path / "report.xlsx"
    book.save(path)
    report = import_report(fresh_store, path)
    assert report.errors == [] and [w.line for w in report.warnings] == [2]
    dates = {
        (e["institution_id"], e["event"]): e["date"] for e in fresh_store.rows("reported_events")
    }
    assert dates[("x-2", "plan_posted")] == "2014-03-10"
    assert dates[("x-1", "plan_approved")] is None


def test_missing_columns_is_an_input_error(tmp_path: Path, fresh_store: Store) -> None:
    path = tmp_path / "report.csv"
    path.write_text("id,name\nx,y\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing columns"):
        import_report(fresh_store, path)
