"""The site in a real headless Chromium: home page, a faceted table, a canned query, the chart and a
download. Screenshots go to test-artifacts/ for people to look at."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.publishing_data import published_once, running_datasette

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
    page.locator(".facet-info[data-column=region] a", has_text="RU-OMS").first.click()
    page.wait_for_url("**region=RU-OMS**")
    assert "9 rows" in page.locator("h3").first.inner_text()
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
    assert widths == [360, 360, 360]  # every SVG loaded and rendered
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
