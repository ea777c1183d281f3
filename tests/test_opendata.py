"""The demo release as its readers use it: evidence one click away and verifiable, honest
aggregates (Tomsk, all unreachable, never scores 0 %), overdue days, XLSX workbooks with a data
dictionary, fictional data kept out of national figures and labelled, search by part of a word."""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from publisher.release.workbook import DICTIONARY
from publisher.site.metadata import canned_queries
from tests.publishing_data import demo_published, running_datasette

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_published(tmp_path_factory.getbasetemp() / "publishing") / "releases" / "latest"


@pytest.fixture(scope="module")
def site(release: Path) -> Iterator[str]:
    with running_datasette(release) as url:
        yield url


@pytest.fixture
def db(release: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(f"file:{release / 'nokwatch.db'}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()


def fetch(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_found_findings_evidence_answers_and_hashes_right(site: str, db) -> None:
    found = db.execute(
        "SELECT evidence, sha256 FROM findings WHERE status = 'found' AND evidence IS NOT NULL"
    ).fetchall()
    assert len(found) >= 20
    assert db.execute("SELECT COUNT(*) FROM findings WHERE status = 'found' AND evidence IS NULL")
    for url, sha256 in found:
        assert url.startswith("/-/release/evidence/")
        status, headers, body = fetch(site + url)
        assert status == 200, url
        assert hashlib.sha256(body).hexdigest() == sha256
        assert headers["content-security-policy"] == "sandbox"  # another site's page, sandboxed


def test_tomsk_with_no_checked_site_has_no_zero_score_anywhere(release: Path, db) -> None:
    query = canned_queries()["region_ranking"]["sql"]
    ranking = {row["Регион"]: dict(row) for row in db.execute(query)}
    tomsk = ranking["RU-TOM"]
    assert tomsk["Место"] is None and tomsk["Балл"] is None and tomsk["План, %"] is None
    assert tomsk["Проверено сайтов"] == "0 из 23" and "не проверено" in tomsk["Пометка"]
    assert list(ranking)[-1] == "RU-DEMO" and ranking["RU-DEMO"]["Место"] is None
    kpi = _rows(release / "data" / "kpi.csv")
    assert not [r for r in kpi if r["region"] in ("RU-TOM", "RU") and r["value"] == "0.0"]
    chart = (release / "charts" / "RU-TOM.svg").read_text(encoding="utf-8")
    assert "Не проверено" in chart and "0 %" not in chart.split("Не проверено")[0][-200:]


def test_every_overdue_verdict_says_its_days(release: Path) -> None:
    rows = _rows(release / "regions" / "RU-DEMO" / "data" / "compliance.csv")
    rows += _rows(release / "data" / "compliance.csv")
    overdue = [r for r in rows if r["status"] == "overdue" and r["due_date"]]
    # exact days, or (a due date known only within an interval) the engine's bounds
    assert overdue and all(int(r["days_late"] or r["days_late_min"]) > 0 for r in overdue)
    assert all(r["name"] and r["region"] for r in rows)


def test_each_package_has_its_workbook_with_a_dictionary(release: Path) -> None:
    manifest = json.loads((release / "release.json").read_text(encoding="utf-8"))
    assert len(manifest["packages"]) == 3
    for package in manifest["packages"]:
        book = load_workbook(release / package["xlsx"], read_only=True)
        assert DICTIONARY in book.sheetnames and "compliance" in book.sheetnames
        header = next(book["compliance"].iter_rows(values_only=True))
        assert "Вердикт" in header and "Вердикт (расшифровка)" in header
        dictionary = list(book[DICTIONARY].iter_rows(values_only=True))
        assert dictionary[0][:5] == ("Лист (ресурс)", "Поле", "Заголовок", "Описание", "Тип")
        status = next(r for r in dictionary if r[:2] == ("compliance", "status"))
        assert "overdue — просрочено" in status[5]
        book.close()


def test_fictional_region_stays_out_of_national_figures(release: Path) -> None:
    national = {r["region"] for r in _rows(release / "data" / "institutions.csv")}
    assert national == {"RU-TOM"}
    kpi = _rows(release / "data" / "kpi.csv")
    # only the demo's sites could be checked: no national share may be computed from them
    assert not [r for r in kpi if r["indicator"] == "survey_form_live_share"]
    demo_kpi = _rows(release / "regions" / "RU-DEMO" / "data" / "kpi.csv")
    assert {r["region"] for r in demo_kpi if r["indicator"] == "survey_form_live_share"} == {
        "RU-DEMO"
    }
    assert len(_rows(release / "regions" / "RU-DEMO" / "data" / "institutions.csv")) == 37
    feed = ET.parse(release / "feeds" / "RU.atom").getroot()
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert titles and not [t for t in titles if "RU-DEMO" in t]
    demo_feed = ET.parse(release / "feeds" / "RU-DEMO.atom").getroot()
    assert len(list(demo_feed.iter(f"{ATOM}entry"))) > 20  # the first release lists its violations


def test_institution_page_is_citable_and_labels_fictional_data(site: str, db) -> None:
    status, _, body = fetch(site + "/institution/demo-01")
    page = body.decode()
    assert status == 200 and "Школа № 1 (демо)" in page
    assert "вымышленные данные (демо)" in page
    assert "15.02.2024" in page and "Правовое основание" in page  # due date as dd.mm.yyyy
    evidence = db.execute(
        "SELECT evidence FROM findings WHERE institution_id = 'demo-01' AND evidence IS NOT NULL"
    ).fetchone()[0]
    assert f'href="{evidence}"' in page
    tomsk = fetch(site + "/institution/tom-2014-01")[2].decode()
    assert "вымышленные" not in tomsk and "Томская область" in tomsk
    assert fetch(site + "/institution/no-such-id")[0] == 404


@pytest.mark.parametrize(("text", "expected"), [("школ", "Школа № 1 (демо)"), ("томск", "Томск")])
def test_search_finds_by_part_of_a_word_in_any_case(site: str, text: str, expected: str) -> None:
    status, _, body = fetch(site + "/search?q=" + urllib.parse.quote(text))
    page = body.decode()
    assert status == 200 and expected in page
    assert page.count('href="/institution/') >= 2


def test_cells_naming_an_institution_link_to_its_page(site: str) -> None:
    page = fetch(site + "/nokwatch/compliance?region=RU-DEMO")[2].decode()
    assert 'class="nokwatch-institution" href="/institution/demo-' in page
    assert "вымышленные данные (демо)" in page
    assert "<summary>Описание столбцов" in page  # folded away


def test_an_institutions_row_points_to_its_page(site: str) -> None:
    page = fetch(site + "/nokwatch/institutions/tom-2014-01")[2].decode()
    assert 'href="/institution/tom-2014-01"' in page and "Ссылки из других таблиц" in page


def test_a_resource_too_big_for_a_sheet_says_where_its_rows_are(
    release: Path, tmp_path, monkeypatch
):
    from publisher.release import workbook
    from publisher.release.packages import WrittenPackage

    monkeypatch.setattr(workbook, "MAX_SHEET_ROWS", 10)
    rows = {"institutions": 23, "compliance": 69}
    package = WrittenPackage(release / "datapackage.json", "nokwatch", "t", rows=rows)
    book = load_workbook(workbook.write_workbook(package, tmp_path / "x.xlsx"), read_only=True)
    sheet = list(book["institutions"].iter_rows(values_only=True))
    assert len(sheet) == 2 and "data/institutions.csv" in sheet[1][0]
    book.close()


@pytest.mark.parametrize(
    ("body", "charset"),
    [
        ("<html><body>Школа</body></html>".encode(), "; charset=utf-8"),
        ("<html><body>Школа</body></html>".encode("cp1251"), "; charset=windows-1251"),
        ('<meta charset="windows-1251"><p>Школа'.encode("cp1251"), ""),  # the page says it
    ],
)
def test_a_stored_page_is_served_with_its_charset(tmp_path: Path, body: bytes, charset: str):
    import importlib.util

    from publisher.site import PLUGINS

    spec = importlib.util.spec_from_file_location("nokwatch_site", PLUGINS / "nokwatch_site.py")
    plugin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plugin)
    page = tmp_path / "page.html"
    page.write_bytes(body)
    assert plugin.html_charset(page) == charset


def test_a_release_keeps_its_evidence_when_the_store_lets_go(tmp_path: Path) -> None:
    from publisher.layout import Layout
    from publisher.release.evidence import carry

    data_dir, release = tmp_path / "data", tmp_path / "release"
    stored = Layout(data_dir).evidence_file("ab" * 32, "html")
    (data_dir / stored).parent.mkdir(parents=True)
    (data_dir / stored).write_bytes(b"<p>plan</p>")
    outside = tmp_path / "secret.txt"
    outside.write_text("not evidence")
    files, size = carry(data_dir, release, [str(stored), "../secret.txt", "evidence/cd/gone.html"])
    assert (files, size) == (1, 11)
    assert (release / stored).stat().st_ino == (data_dir / stored).stat().st_ino  # a hard link
    (data_dir / stored).unlink()
    assert (release / stored).read_bytes() == b"<p>plan</p>"
    assert not (release / "secret.txt").exists()


def test_tables_speak_russian_headers_and_labels(site: str) -> None:
    page = fetch(site + "/nokwatch/findings?region=RU-DEMO")[2].decode()
    assert 'title="status">Результат' in page
    assert '<span class="nokwatch-code" title="not_found">не найдено</span>' in page
