"""A site's audit: budgets, the strongest candidate per item, and what it concludes."""

from __future__ import annotations

import time

import pytest

from crawler import settings
from crawler.audit import TLS_ITEM, SiteAudit
from crawler.guard import is_local_name, is_private
from crawler.items import Finding, Page, SiteContext
from crawler.slots import platform_slot

HOME = "http://school.test/"


BUDGET = {
    "max_pages": settings.NOKWATCH_MAX_PAGES_PER_SITE,
    "max_bytes": settings.NOKWATCH_MAX_BYTES_PER_SITE,
    "max_seconds": settings.NOKWATCH_MAX_SECONDS_PER_SITE,
}


def _audit(**budget: float) -> SiteAudit:
    return SiteAudit(SiteContext("s1", HOME, "100", None), **{**BUDGET, **budget})


def _page(url: str) -> Page:
    return Page(url, 200, "text/html", "text", b"<p>text</p>", {}, "<p>text</p>")


def test_the_page_budget_counts_fetches_and_each_url_enters_once():
    audit = _audit(max_pages=2)
    assert audit.discover(HOME + "a", 0.5, 1) and not audit.discover(HOME + "a", 0.9, 1)
    audit.discover(HOME + "b", 0.9, 1)
    audit.discover(HOME + "c", 0.2, 1)
    assert [audit.next_lead().url, audit.next_lead().url] == [HOME + "b", HOME + "a"]
    assert audit.next_lead() is None  # budget spent: "c" stays in the frontier
    assert audit.search_end() == "budget_pages"


def test_bytes_and_wall_clock_budgets_stop_new_fetches():
    heavy = _audit(max_bytes=1000)
    heavy.discover(HOME + "a", 0.5, 1)
    heavy.bytes = 1000
    assert heavy.exhausted() and heavy.next_lead() is None
    assert heavy.search_end() == "budget_bytes"
    late = _audit(max_seconds=60)
    late.discover(HOME + "a", 0.5, 1)
    late.started = time.monotonic() - 61
    assert late.exhausted() and late.next_lead() is None
    assert late.search_end() == "budget_time"
    assert not _audit().exhausted()


def test_only_news_and_galleries_left_unfetched_still_make_a_complete_search():
    audit = _audit(max_pages=0)
    audit.discover(HOME + "news/1", 0.02, 1)
    audit.discover(HOME + "sitemap-guess", 0.1, 1, guess=True)
    assert audit.search_end() == "complete"
    assert audit.coverage().links_unfetched == 2


def test_link_text_counts_only_once_its_target_answered_without_text():
    audit = _audit()
    link = Finding("improvement_plan", "found", HOME + "doc1.pdf", 0.5, "План", detail="link_text")
    audit.offer([link], _page(HOME))
    assert audit.best("improvement_plan") is None  # never fetched: no finding rests on it
    audit.answer(HOME + "doc1.pdf")
    assert audit.best("improvement_plan")[0] == link  # a scan: the link's words are the evidence
    audit.read(HOME + "doc1.pdf")
    assert audit.best("improvement_plan") is None  # read, and the detectors did not see a plan


def test_a_link_to_a_refused_address_is_never_found():
    audit = _audit()
    loopback = "http://127.0.0.1:8080/plan.pdf"
    link = Finding("improvement_plan", "found", loopback, 0.5, "План", detail="link_text")
    audit.offer([link], _page(HOME))
    audit.stop("page_failed", loopback)  # the guard refused it
    (plan,) = [o for o in audit.result() if o.item == "improvement_plan"]
    assert (plan.status, plan.error, plan.evidence) == ("incomplete", "page_failed", None)


@pytest.mark.parametrize(
    ("stops", "status", "error"),
    [
        ({}, "not_found", None),
        ({"page_failed": HOME + "docs/"}, "incomplete", "page_failed"),
        ({"javascript": HOME}, "incomplete", "javascript"),
        ({"budget_depth": HOME + "deep/"}, "incomplete", "budget_depth"),
        ({"blocked_by_robots": HOME + "sveden/", "javascript": HOME}, "blocked_by_robots",
         "Disallow: /sveden/"),
    ],
)  # fmt: skip
def test_not_found_only_when_the_search_was_complete(stops, status, error):
    audit = _audit()
    audit.robots_rule = "Disallow: /sveden/"
    for reason, url in stops.items():
        audit.stop(reason, url)
    survey = next(o for o in audit.result() if o.item == "survey_form")
    assert (survey.status, survey.error) == (status, error)
    assert survey.coverage.search_end == (next(iter(stops)) if stops else "complete")


def test_failed_site_is_unreachable_for_every_item_with_its_cause():
    audit = _audit()
    audit.failure = "timeout"
    result = audit.result()
    assert {(o.item, o.status, o.error) for o in result} == {
        ("improvement_plan", "site_unreachable", "timeout"),
        ("survey_form", "site_unreachable", "timeout"),
        ("bus_gov_link", "site_unreachable", "timeout"),
    }


def test_certificate_state_is_an_observation_of_its_own():
    audit = _audit()
    assert TLS_ITEM not in {o.item for o in audit.result()}
    audit.tls = "expired"
    assert {(o.item, o.status) for o in audit.result()} >= {
        (TLS_ITEM, "expired"),
        ("survey_form", "not_found"),
    }


def test_private_addresses_and_local_names():
    for address in (
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.1",
        "172.16.5.4",
        "169.254.169.254",
        "::1",
        "[::1]",
        "fe80::1",
        "0.0.0.0",
        "::ffff:127.0.0.1",
        "100.64.0.1",
    ):
        assert is_private(address), address
    for address in ("8.8.8.8", "95.167.1.1", "2a00:1450::1", "school.test"):
        assert not is_private(address), address
    assert (
        is_local_name("localhost") and is_local_name("LOCALHOST.") and is_local_name("a.localhost")
    )
    assert not is_local_name("localhost.school.ru")


def test_shared_hosting_platforms_get_one_slot_each():
    assert platform_slot("sh5-r70.gosweb.gosuslugi.ru") == "platform:gosweb"
    assert platform_slot("ds12.tvoysadik.ru") == "platform:tvoysadik"
    assert platform_slot("school.uralschool.ru") == "platform:uralschool"
    assert platform_slot("gosuslugi.ru.evil.test") is None
    assert platform_slot("school.test") is None


def test_a_bare_bus_gov_link_does_not_hide_another_institutions_card() -> None:
    audit = SiteAudit(SiteContext("x", "http://x.ru/", bus_gov_id="1"), **BUDGET)
    page = Page("http://x.ru/", 200, "text/html", "", b"<html></html>")
    bare = Finding("bus_gov_link", "generic", "https://bus.gov.ru/", 0.2, detail="no_card_id")
    other = Finding("bus_gov_link", "mismatch", "https://bus.gov.ru/pub/info-card/2", 0.9)
    audit.offer([bare, other], page)
    chosen = audit.best("bus_gov_link")
    assert chosen is not None and chosen[0] == other
