"""Regional report tables (CSV, XLSX): institutions and reported dates, with row-level errors."""

from __future__ import annotations

import zipfile
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


def _book(path: Path, *rows: list) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


SHARED_STRINGS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def shared_strings_bomb(path: Path, strings: int = 10_000_000) -> Path:
    """A valid report XLSX with a shared strings table of ``strings`` (unused) strings."""
    good = _book(path.with_name("good.xlsx"), HEADER, _row())
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/_rels/workbook.xml.rels":
                rel = (
                    f'<Relationship Id="rIdS" Type="{SHARED_STRINGS}" Target="sharedStrings.xml"/>'
                )
                data = data.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
            if info.filename == "[Content_Types].xml":
                kind = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST}"/>'
                data = data.replace(b"</Types>", kind.encode() + b"</Types>")
            out.writestr(info, data)
        with out.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for _ in range(strings // 100_000):
                part.write(b"<si><t>x</t></si>" * 100_000)
            part.write(b"</sst>")
    return path


IMPORT_AND_MEASURE = """
import resource, sys
import zipfile
from pathlib import Path
from publisher.errors import InputError
from publisher.registry.reports import import_report
from publisher.store import Store

with Store(Path(sys.argv[1]) / "nokwatch.db") as store:
    try:
        import_report(store, Path(sys.argv[2]))
        print("imported")
    except InputError as exc:
        print(exc)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def test_a_shared_strings_bomb_is_refused_fast_in_bounded_memory(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    bomb = shared_strings_bomb(tmp_path / "bomb.xlsx")
    assert bomb.stat().st_size < 1_000_000
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_AND_MEASURE, str(tmp_path), str(bomb)],
        capture_output=True,
        text=True,
        timeout=200,
    )
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-2000:]
    message, peak_mb = done.stdout.splitlines()
    assert "over the" in message and "limit" in message
    assert int(peak_mb) < 500 and took < 10


def test_an_empty_first_sheet_is_passed_over(tmp_path: Path, fresh_store: Store) -> None:
    book = Workbook()
    book.active.title = "Пояснения"
    table = book.create_sheet("Отчёт")
    table.append(HEADER)
    table.append(_row())
    book.save(tmp_path / "report.xlsx")
    report = import_report(fresh_store, tmp_path / "report.xlsx")
    assert report.institutions.inserted == 1 and report.errors == []
    empty = Workbook()
    empty.save(tmp_path / "empty.xlsx")
    with pytest.raises(InputError, match="every sheet is empty"):
        import_report(fresh_store, tmp_path / "empty.xlsx")


def test_a_formula_without_a_cached_value_is_a_warning(tmp_path: Path, fresh_store: Store):
    path = _book(tmp_path / "report.xlsx", HEADER, _row(posted="=DATE(2014,3,10)"))
    report = import_report(fresh_store, path)
    assert report.institutions.inserted == 1
    assert [(w.line, w.reason.split(":")[0]) for w in report.warnings] == [(2, "posted")]
    assert "formula without a cached value" in report.warnings[0].reason


def test_an_unreadable_sheet_names_the_error(tmp_path: Path, fresh_store: Store) -> None:
    good = _book(tmp_path / "good.xlsx", HEADER, _row())
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b"<row><c r='A9'><v>1</v></row></sheetData>")
            out.writestr(info, data)
    with pytest.raises(InputError, match=r"broken.xlsx:\d+: .*(ParseError|Syntax|mismatched)"):
        list(import_report(fresh_store, broken).errors)
