"""The site in a real headless Chromium: home page, a faceted table, a canned query, the chart and a
download; on the demo release, a reader's walk from the home page's search to an institution, its
evidence and its region's workbook, and the ranking, worst offenders and chart pages.
Screenshots go to test-artifacts/ for people to look at."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.publishing_data import demo_published, published_once, running_datasette

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (scripts/setup installs it)"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    release = published_once(tmp_path_factory.getbasetemp() / "publishing")
    with running_datasette(release.out) as url:
        yield url


@pytest.fixture(scope="module")
def page(site: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(
            accept_downloads=True, viewport={"width": 1280, "height": 900}
        )
        opened = context.new_page()
        yield opened
        context.close()
        browser.close()


def test_home_page(page, site: str) -> None:
    page.goto(site + "/")
    assert page.locator("h1").inner_text().startswith("Независимая оценка качества")
    assert page.locator("a.nokwatch-zip").count() == 3
    assert page.get_by_text("Creative Commons Attribution 4.0").count() >= 1
    page.screenshot(path=ARTIFACTS / "home.png", full_page=True)


def test_faceted_table(page, site: str) -> None:
    page.goto(site + "/nokwatch/observations")
    facets = page.locator(".facet-info")
    # The descriptor's default facets for the million-row table: region and status.
    shown = facets.evaluate_all("els => els.map(e => e.dataset.column)")
    assert sorted(shown) == ["region", "status"]
    status_title = page.locator(".facet-info[data-column=status] .facet-info-name strong")
    assert status_title.inner_text().startswith("Результат")  # the field's Russian title
    assert "Работает на" in page.locator("footer").inner_text()  # the footer in Russian
    assert "Лицензия данных" in page.locator(".content").inner_text()
    assert "Data license" not in page.locator("body").inner_text()
    assert page.locator("th.col-Link").inner_text().strip() == "Запись"
    page.locator(".facet-info[data-column=region] a", has_text="RU-OMS").first.click()
    page.wait_for_url("**region=RU-OMS**")
    assert "9 строк" in page.locator("h3").first.inner_text()
    page.screenshot(path=ARTIFACTS / "faceted-observations.png", full_page=True)


def test_canned_query(page, site: str) -> None:
    page.goto(site + "/")
    page.get_by_role("link", name="Ссылки на чужую карточку bus.gov.ru").click()
    page.wait_for_url("**/nokwatch/wrong_bus_gov_card")
    assert page.locator("table.rows-and-columns tbody tr").count() == 1
    assert "КЦСОН «Забота»" in page.locator("table.rows-and-columns").inner_text()
    page.screenshot(path=ARTIFACTS / "canned-query.png", full_page=True)


def test_chart(page, site: str) -> None:
    page.goto(site + "/chart")
    images = page.locator(".nokwatch-charts img")
    assert images.count() == 3
    page.wait_for_load_state("networkidle")
    widths = images.evaluate_all("imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    assert widths == [720, 720, 720]  # every SVG loaded and rendered
    assert page.get_by_text("Creative Commons Attribution 4.0").count() >= 1
    page.screenshot(path=ARTIFACTS / "chart.png", full_page=True)


def test_download(page, site: str, tmp_path: Path) -> None:
    page.goto(site + "/")
    with page.expect_download() as info:
        page.locator("a.nokwatch-zip", has_text="nokwatch-ru-tom").click()
    download = info.value
    assert download.suggested_filename == "nokwatch-ru-tom-1.1.0.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert "datapackage.json" in archive.namelist()
        assert "data/observations.csv" in archive.namelist()


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = demo_published(tmp_path_factory.getbasetemp() / "publishing")
    with running_datasette(data_dir / "releases" / "latest") as url:
        yield url


def test_demo_walk_search_institution_evidence_workbook(page, demo_site: str, tmp_path: Path):
    from openpyxl import load_workbook

    page.goto(demo_site + "/")
    headline = page.locator(".nokwatch-headline").inner_text()
    assert "0 из 23" in headline and "не проверено" in headline  # Tomsk: no site reachable
    page.screenshot(path=ARTIFACTS / "demo-home.png", full_page=True)
    page.locator("form.nokwatch-search input[name=q]").fill("школ")
    page.locator("form.nokwatch-search button").click()
    page.wait_for_url("**/search?q=*")
    assert page.locator("ul.nokwatch-found li").count() >= 10
    page.screenshot(path=ARTIFACTS / "demo-search-shkol.png", full_page=True)
    page.get_by_role("link", name="Школа № 1 (демо)").first.click()
    page.wait_for_url("**/institution/demo-01")
    assert page.locator("h1").inner_text() == "Школа № 1 (демо)"
    assert page.locator(".nokwatch-demo").inner_text().startswith("вымышленные данные (демо)")
    assert "15.02.2024" in page.locator("table.nokwatch-rows").first.inner_text()
    page.screenshot(path=ARTIFACTS / "demo-institution.png", full_page=True)
    evidence = page.locator("a.nokwatch-evidence").first
    href = evidence.get_attribute("href")
    evidence.click()
    page.wait_for_url("**" + href)
    assert "evidence/" in page.url and page.locator("body").inner_text().strip()
    page.screenshot(path=ARTIFACTS / "demo-evidence.png", full_page=True)
    page.goto(demo_site + "/")
    with page.expect_download() as info:
        page.locator("a.nokwatch-xlsx", has_text="nokwatch-ru-demo").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name == "nokwatch-ru-demo-1.0.0.xlsx"
    book = load_workbook(saved, read_only=True)
    assert "Описание полей" in book.sheetnames
    book.close()


def test_demo_ranking_worst_offenders_and_chart(page, demo_site: str):
    page.goto(demo_site + "/")
    page.get_by_role("link", name="Рейтинг регионов").first.click()
    page.wait_for_url("**/nokwatch/region_ranking")
    table = page.locator("table.rows-and-columns").inner_text()
    assert "не проверено" in table and "0 из 23" in table and "вымышленные данные (демо)" in table
    page.screenshot(path=ARTIFACTS / "demo-ranking.png", full_page=True)
    page.goto(demo_site + "/nokwatch/worst_offenders?region=RU-DEMO")
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() >= 10
    cells = rows.locator("td:nth-child(1)").all_inner_texts()
    days = [int(d) for d in cells if d.strip()]  # standing duties (no due date) come last, empty
    assert days and cells[: len(days)] == [str(d) for d in days]
    assert days == sorted(days, reverse=True) and days[0] > 0
    page.screenshot(path=ARTIFACTS / "demo-worst-offenders.png", full_page=True)
    page.goto(demo_site + "/chart")
    page.wait_for_load_state("networkidle")
    images = page.locator(".nokwatch-charts img")
    widths = images.evaluate_all("imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    assert widths == [720, 720, 720]
    assert "только один обход" in page.locator("main, .content, body").first.inner_text()
    page.screenshot(path=ARTIFACTS / "demo-chart.png", full_page=True)
