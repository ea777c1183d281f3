"""Coverage-complete crawling: hard site shapes, the real browser, the frontier order, the shell
detector. «not_found» only where the search was complete; otherwise a status that says why."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from crawler.detectors.links import link_score
from crawler.documents import build_page
from crawler.frontier import Frontier, Lead
from crawler.items import Link, SiteContext
from crawler.render import is_app_shell
from crawler.robots import blocking_rule
from crawler.run import crawl
from nokwatch.demo import FixtureWeb
from tests.crawling import proxy_env, registry
from tests.fixture_expectations import expected_shape
from tests.generated_sites import registry_rows, shape_sites

CHROMIUM = Path("/usr/bin/chromium")
HOME = "https://school5.ru/"
CTX = SiteContext("s", HOME)


def _rows(data_dir: Path, run_id: str) -> dict[tuple[str, str], sqlite3.Row]:
    db = sqlite3.connect(data_dir / "nokwatch.db")
    db.row_factory = sqlite3.Row
    rows = db.execute("SELECT * FROM observations WHERE run_id = ?", [run_id]).fetchall()
    db.close()
    return {(r["institution_id"], r["item"]): r for r in rows}


def _crawl(tmp: Path, specs: list, **env: str) -> tuple[Path, str, FixtureWeb]:
    data_dir = tmp / "data"
    registry(data_dir, specs)
    with FixtureWeb(specs) as web:
        extra = {"NOKWATCH_CA_BUNDLE": str(web.ca_file), **env}
        summary = crawl(data_dir, env=proxy_env(web, **extra), progress=lambda _: None)
    assert summary.status == "finished"
    return data_dir, summary.run_id, web


def _wrong(specs: list, seen: dict, browser: bool = True) -> list[tuple]:
    wrong = []
    for spec, row in zip(specs, registry_rows(specs), strict=True):
        for item, (status, error) in expected_shape(spec, browser).items():
            got = seen.get((row["id"], item))
            if got is None or got["status"] != status or (error and got["error"] != error):
                got = got and (got["status"], got["error"], got["search_end"])
                wrong.append((spec.shape, spec.platform, spec.plan, item, status, error, got))
    return wrong


@pytest.fixture(scope="module")
def shaped(tmp_path_factory) -> tuple[Path, str, FixtureWeb]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (scripts/setup installs it)")
    return _crawl(tmp_path_factory.mktemp("shapes"), shape_sites())


def test_no_reachable_item_is_reported_not_found_and_unfinished_searches_say_why(shaped):
    data_dir, run_id, _ = shaped
    assert _wrong(shape_sites(), _rows(data_dir, run_id)) == []


def test_coverage_is_published_with_every_observation(shaped):
    data_dir, run_id, _ = shaped
    seen = _rows(data_dir, run_id)
    by_shape = {
        spec.shape: seen[(row["id"], "improvement_plan")]
        for spec, row in zip(shape_sites(), registry_rows(shape_sites()), strict=True)
    }
    assert all(row["pages_fetched"] > 0 and row["search_end"] for row in seen.values())
    assert by_shape["link_maze"]["links_unfetched"] > 50
    assert by_shape["news_heavy"]["links_unfetched"] >= 300  # left unread: news and albums
    assert by_shape["news_heavy"]["pages_fetched"] <= 40
    assert by_shape["app_shell"]["pages_rendered"] == 1  # the shell alone, not its ordinary pages
    assert by_shape["failing_section"]["search_end"] == "page_failed"


def test_a_moved_site_is_followed_to_its_new_domain_and_the_move_recorded(shaped):
    data_dir, run_id, _ = shaped
    seen = _rows(data_dir, run_id)
    for spec, row in zip(shape_sites(), registry_rows(shape_sites()), strict=True):
        moved = seen[(row["id"], "improvement_plan")]["moved_to"]
        if spec.shape == "moved":
            assert moved == f"{spec.url.split(':')[0]}://{spec.host.split('.')[0]}.novyi-sait.test/"
        else:
            assert moved is None


def test_the_browser_renders_through_the_proxy_only_what_needs_it(shaped):
    _, _, web = shaped
    # the script's menu request reached the fixture web: rendering went through the proxy
    shells = [s.host for s in shape_sites(("app_shell",))]
    assert all(host in web.user_agents for host in shells)


def test_without_a_browser_an_app_shell_is_incomplete_not_absent(tmp_path):
    specs = shape_sites(("app_shell",))
    data_dir, run_id, _ = _crawl(tmp_path, specs, NOKWATCH_BROWSER="/nonexistent/chromium")
    seen = _rows(data_dir, run_id)
    assert _wrong(specs, seen, browser=False) == []
    assert {row["pages_rendered"] for row in seen.values()} == {0}


def test_rendering_is_capped_per_run_and_what_is_over_the_cap_is_incomplete(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (scripts/setup installs it)")
    specs = shape_sites(("app_shell",))
    data_dir, run_id, _ = _crawl(  # one crawl process: the cap holds per crawl process
        tmp_path,
        specs,
        NOKWATCH_RENDER_MIN="1",
        NOKWATCH_RENDER_SHARE="0.01",
        NOKWATCH_PROCESSES="1",
    )
    plans = [r for (_, item), r in _rows(data_dir, run_id).items() if item == "improvement_plan"]
    assert sum(r["pages_rendered"] for r in plans) == 1
    over = [r for r in plans if r["pages_rendered"] == 0]
    assert len(over) == 2
    assert {(r["status"], r["error"], r["search_end"]) for r in over} == {
        ("incomplete", "javascript", "javascript")
    }


def test_a_plan_link_to_a_loopback_address_is_never_found(tmp_path):
    spec = replace(shape_sites(("orphan",))[0], shape="loopback_plan", host="lo.shape.test")
    data_dir, run_id, web = _crawl(tmp_path, [spec])
    plan = _rows(data_dir, run_id)[(registry_rows([spec])[0]["id"], "improvement_plan")]
    assert (plan["status"], plan["error"]) == ("incomplete", "page_failed")
    assert plan["evidence"] is None and plan["sha256"] is None
    assert "127.0.0.1" not in web.user_agents


def test_a_sitemap_that_failed_to_answer_leaves_the_search_incomplete(tmp_path):
    # The plan is reachable only through the sitemap, which answers 503: not looked, not absent.
    spec = replace(shape_sites(("orphan",))[0], shape="sitemap_down", host="sd.shape.test")
    data_dir, run_id, _ = _crawl(tmp_path, [spec])
    plan = _rows(data_dir, run_id)[(registry_rows([spec])[0]["id"], "improvement_plan")]
    assert (plan["status"], plan["error"], plan["search_end"]) == (
        "incomplete",
        "page_failed",
        "page_failed",
    )


@pytest.mark.parametrize(
    ("text", "url", "expected"),
    [
        ("План по устранению недостатков", "/upload/doc1.pdf", 1.0),
        ("Независимая оценка качества", "/nok/", 1.0),
        ("Сведения об образовательной организации", "/sveden/", 0.75),
        ("Положение о приёме (12)", "/files/polozhenie-12.rtf", 0.5),
        ("Раздел 7", "/razdel-7.html", 0.1),
        ("Версия для слабовидящих", "/?special_version=Y", 0.02),
        ("Фотоальбом 3", "/foto/album-3/", 0.02),
        ("Новость 12: праздник", "/news/2024/item-12/", 0.02),
        ("Календарь событий", "/events/", 0.02),
        ("Раздел", "https://nok-ocenka.ru/page.html", 0.1),  # the host's words do not count
    ],
)
def test_link_scores_put_the_nok_path_first_and_news_last(text, url, expected):
    assert link_score(Link(HOME.rstrip("/") + url if url.startswith("/") else url, text)) == (
        expected
    )


def test_the_frontier_is_best_first_not_depth_first():
    frontier = Frontier()
    for lead in (
        Lead(HOME + "news/1", 0.02, 1),
        Lead(HOME + "razdel-1", 0.1, 1),
        Lead(HOME + "sveden/", 0.7, 1),
        Lead(HOME + "sveden/document/plan.pdf", 1.0, 3),
        Lead(HOME + "razdel-2", 0.1, 1),
    ):
        frontier.add(lead)
    frontier.raise_score(HOME + "razdel-2", 0.9, 2)  # a detector vouches for it
    order = [frontier.pop().url.removeprefix(HOME) for _ in range(5)]
    assert order == ["sveden/document/plan.pdf", "razdel-2", "sveden/", "razdel-1", "news/1"]
    assert frontier.pop() is None and not frontier.add(Lead(HOME + "sveden/", 1.0, 1))


SHELL = '<html><head><script src="/app.js"></script></head><body><div id="app"></div></body></html>'
MENU = "".join(f'<a href="/p{n}/">Раздел {n}</a> ' for n in range(5))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (SHELL, True),
        (SHELL.replace("<div", '<a href="/about/">О нас</a><div'), True),  # one link is no menu
        (SHELL.replace('<div id="app">', f"<nav>{MENU}</nav><div>"), False),
        (SHELL.replace("<script", "<link"), False),  # no script: a page that is just empty
        (SHELL.replace("</div>", " ".join(["слово"] * 80) + "</div>"), False),  # readable text
        ('<html><body><script>document.write("x")</script>' + MENU + "</body></html>", False),
    ],
)
def test_the_app_shell_detector(body, expected):
    page = build_page(HOME, 200, {"content-type": "text/html"}, body.encode())
    assert is_app_shell(page, CTX) is expected


@pytest.mark.parametrize(
    ("robots", "url", "expected"),
    [
        ("User-agent: *\nDisallow: /sveden/\n", HOME + "sveden/document/", "Disallow: /sveden/"),
        ("User-agent: *\nDisallow: /\n", HOME, "Disallow: /"),
        ("User-agent: *\nDisallow: /a\nDisallow: /a/b\n", HOME + "a/b/c", "Disallow: /a/b"),
        ("User-agent: *\nDisallow: /*.pdf$\n", HOME + "x/plan.pdf", "Disallow: /*.pdf$"),
        ("User-agent: nokwatch\nDisallow: /docs/\n\nUser-agent: *\nDisallow: /\n",
         HOME + "docs/1", "Disallow: /docs/"),
        ("User-agent: *\nDisallow: /sveden/\n", HOME + "news/", None),
    ],
)  # fmt: skip
def test_the_robots_rule_that_closed_a_page_is_named(robots, url, expected):
    assert blocking_rule(robots, url, "nokwatch/0.1 (+https://example.org)") == expected
