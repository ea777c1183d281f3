"""The site answering HTTP: a real Datasette serving a release with nokwatch's plugin and templates."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest

from tests.publishing_data import published_once, running_datasette

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    release = published_once(tmp_path_factory.getbasetemp() / "publishing")
    with running_datasette(release.out) as url:
        yield url


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("content-type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, "", b""


def test_home_page_links_every_package_zip_and_descriptor(site: str) -> None:
    status, _, body = get(site + "/")
    page = body.decode()
    assert status == 200 and "Выпуск <strong>1.1.0</strong>" in page
    links = re.findall(r'href="(/-/release/[^"]+)"', page)
    zips = [link for link in links if link.endswith(".zip")]
    assert len(zips) == 3 and len([x for x in links if x.endswith("datapackage.json")]) == 3
    for link in links:
        status, kind, content = get(site + link)
        assert status == 200 and content, link
    assert get(site + zips[0])[1] == "application/zip"


def test_release_files_outside_the_public_parts_are_not_served(site: str) -> None:
    assert get(site + "/-/release/nokwatch.db")[0] == 404
    assert get(site + "/-/release/metadata.json")[0] == 404
    assert get(site + "/-/release/data/..%2F..%2F..%2Fnokwatch.db")[0] == 404


def test_a_faceted_table_page(site: str) -> None:
    status, _, body = get(
        site + "/nokwatch/observations.json?_facet=region&_facet=status"
        "&_extra=facet_results&region=RU-TOM"
    )
    assert status == 200
    data = json.loads(body)
    facets = data["facet_results"]
    regions = {row["value"]: row["count"] for row in facets["region"]["results"]}
    assert regions == {"RU-TOM": 12}  # 3 checks in 2016, 9 in 2026
    page = get(site + "/nokwatch/observations?region=RU-TOM")[2].decode()
    assert "Наблюдения" in page and "Creative Commons Attribution 4.0" in page


def test_search_and_column_descriptions(site: str) -> None:
    data = json.loads(
        get(
            site
            + "/nokwatch/institutions.json?_search=%D0%97%D0%B0%D0%B1%D0%BE%D1%82%D0%B0&_shape=array"
        )[2]
    )
    assert [row["id"] for row in data] == ["oms-1"]
    page = get(site + "/nokwatch/institutions")[2].decode()
    assert "Код субъекта РФ по ISO 3166-2" in page


def test_a_canned_query(site: str) -> None:
    data = json.loads(get(site + "/nokwatch/wrong_bus_gov_card.json?_shape=array")[2])
    assert [row["id"] for row in data] == ["oms-1"]
    page = get(site + "/nokwatch/region_ranking")[2].decode()
    assert "Рейтинг регионов" in page and "RU-TOM" in page
    assert "Creative Commons Attribution 4.0" in page and "Источник:" in page


def test_atom_feeds_of_new_violations(site: str) -> None:
    status, kind, body = get(site + "/-/release/feeds/RU-TOM.atom")
    assert status == 200 and kind.startswith("application/atom+xml")
    feed = ET.fromstring(body)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}base") == site + "/"
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
    # the second release's two new violations first, then the five the first release published
    assert len(titles) == 7
    assert "plan_posted (tomsk-2013): срок не наступил → просрочено" in titles[0] + titles[1]
    assert sum("— → " in t for t in titles) == 5
    links = [entry.find(f"{ATOM}link").get("href") for entry in feed.iter(f"{ATOM}entry")]
    assert all(link.startswith("institution/tom-") for link in links)
    omsk = ET.fromstring(get(site + "/-/release/feeds/RU-OMS.atom")[2])
    omsk_titles = [entry.findtext(f"{ATOM}title") for entry in omsk.iter(f"{ATOM}entry")]
    assert len(omsk_titles) == 4  # first release: not found, wrong card, late, overdue
    assert any("ссылка на чужую карточку" in t for t in omsk_titles)


def test_the_chart_page_and_its_svgs(site: str) -> None:
    page = get(site + "/chart")[2].decode()
    charts = re.findall(r'src="(/-/release/charts/[^"]+\.svg)"', page)
    assert charts[0].endswith("/RU.svg") and len(charts) == 3
    status, kind, svg = get(site + charts[0])
    assert status == 200 and kind == "image/svg+xml"
    assert ET.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"


def _sql(site: str, sql: str, extension: str = "json") -> tuple[int, bytes, float]:
    from urllib.parse import quote

    started = time.monotonic()
    status, _, body = get(f"{site}/nokwatch.{extension}?sql={quote(sql)}&_shape=array")
    return status, body, time.monotonic() - started


@pytest.mark.parametrize(
    "sql",
    [
        "select length(hex(randomblob(450000000)))",
        "select length(zeroblob(1000000000))",
        "select length(printf('%.*c', 2000000000, 'x'))",
    ],
)
def test_a_memory_bomb_in_custom_sql_fails_at_once(site: str, sql: str) -> None:
    status, _, took = _sql(site, sql)
    assert status == 400 and took < 1.0


def test_functions_leaking_the_process_are_refused(site: str) -> None:
    assert _sql(site, "select hex(fts3_tokenizer('simple'))")[0] == 400
    status, body, _ = _sql(site, "select count(*) as n from institutions")
    assert status == 200 and json.loads(body) == [{"n": 5}]


def test_custom_sql_cannot_undo_the_csv_formula_protection(site: str) -> None:
    sql = (
        "select substr('''=HYPERLINK(\"http://x\")', 2) as cell, -5 as number, "
        "'@SUM(A1)' as other from institutions limit 1"
    )
    status, body, _ = _sql(site, sql, "csv")
    assert status == 200
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[1] == ['\'=HYPERLINK("http://x")', "-5", "'@SUM(A1)"]


def test_the_release_folder_itself_is_not_found(site: str) -> None:
    assert get(site + "/-/release/.")[0] == 404
    assert get(site + "/-/release/./")[0] == 404
