"""detect_bus_gov_links: the institution's own card on bus.gov.ru, another's, or none."""

from __future__ import annotations

import pytest

from crawler.detectors.busgov import card_id, detect_bus_gov_links
from crawler.documents import build_page
from crawler.items import SiteContext

OWN = SiteContext("i1", "https://school5.ru/", bus_gov_id="205428")
UNKNOWN = SiteContext("i1", "https://school5.ru/")


def page_with(body: str) -> object:
    return build_page("https://school5.ru/", 200, {"content-type": "text/html"}, body.encode())


@pytest.mark.parametrize(
    ("url", "expected_id"),
    [
        ("https://bus.gov.ru/pub/info-card/205428", "205428"),
        ("https://bus.gov.ru/pub/info-card/205428?activeTab=3", "205428"),
        ("http://www.bus.gov.ru/pub/info-card/205428#", "205428"),
        ("bus.gov.ru/pub/info-card/205428", "205428"),
        ("https://bus.gov.ru/qrcode/rate/205428", "205428"),
        ("https://bus.gov.ru/pub/agency/205428", "205428"),
        ("https://bus.gov.ru/#!/pub/info-card/205428", "205428"),
        ("http://bus.gov.ru/public/agency/agency.html?agency=205428", "205428"),
        ("https://bus.gov.ru/pub/info-card/0205428", "205428"),
        ("https://bus.gov.ru/", None),
        ("https://bus.gov.ru/pub/independentRating/list", None),
    ],
)
def test_card_id(url, expected_id):
    assert card_id(url) == expected_id


@pytest.mark.parametrize(
    ("body", "ctx", "expected"),
    [
        ('<a href="https://bus.gov.ru/pub/info-card/205428?activeTab=3"><img alt="bus.gov.ru"></a>',
         OWN, [("found", "own_card", "205428")]),
        ('<a href="https://bus.gov.ru/qrcode/rate/205428">Оцените нас</a>',
         OWN, [("found", "own_card", "205428")]),
        ('<a href="https://bus.gov.ru/pub/info-card/111111">Наша карточка</a>',
         OWN, [("mismatch", "other_card", "111111")]),
        ('<a href="https://bus.gov.ru/pub/info-card/111111">bus.gov.ru</a>',
         UNKNOWN, [("found", "unverified", "111111")]),
        ('<a href="https://bus.gov.ru/">bus.gov.ru</a>', OWN, [("generic", "no_card_id", None)]),
        ('<a href="http://www.bus.gov.ru/">Оцените нас</a>', OWN, [("generic", "no_card_id", None)]),
        ('<a href="https://bus.gov.ru/pub/independentRating/list">Рейтинг</a>',
         OWN, [("generic", "no_card_id", None)]),
        ('<a href="https://bus.gov.ru/search?searchString=школа">Поиск</a>',
         UNKNOWN, [("generic", "no_card_id", None)]),
        ('<a href="http://www.bus.gov.ru/pub/agency/205428">Карточка</a>',
         OWN, [("found", "own_card", "205428")]),
        ('<a href="http://bus.gov.ru/qrcode/rate/205428">QR</a>',
         OWN, [("found", "own_card", "205428")]),
        ('<a href="https://www.bus.gov.ru/qrcode/rate/111111">QR</a>',
         OWN, [("mismatch", "other_card", "111111")]),
        ("<p>Оставьте отзыв: https://bus.gov.ru/pub/info-card/205428</p>",
         OWN, [("found", "own_card", "205428")]),
        ('<a href="https://bus.gov.ru/pub/info-card/205428">1</a>'
         '<a href="http://www.bus.gov.ru/pub/info-card/205428#">2</a>',
         OWN, [("found", "own_card", "205428")]),  # one card, one finding
        ('<a href="https://evil.example/?u=bus.gov.ru/pub/info-card/1">x</a>', OWN, []),
        ('<a href="https://bus.gov.ru.example.com/pub/info-card/1">x</a>', OWN, []),
        ("<p>Главная</p>", OWN, []),
    ],
)  # fmt: skip
def test_bus_gov_links(body, ctx, expected):
    findings = detect_bus_gov_links(page_with(body), ctx)
    assert [(f.status, f.detail, card_id(f.url)) for f in findings] == expected
    for finding in findings:
        if card_id(finding.url):
            assert card_id(finding.url) in finding.matched_text  # names the id


def test_scores_order_own_other_and_bare_links():
    body = (
        '<a href="https://bus.gov.ru/">bus.gov.ru</a>'
        '<a href="https://bus.gov.ru/pub/info-card/111111">x</a>'
        '<a href="https://bus.gov.ru/pub/info-card/205428">y</a>'
    )
    scores = {f.detail: f.score for f in detect_bus_gov_links(page_with(body), OWN)}
    assert scores["own_card"] > scores["other_card"] > scores["no_card_id"]
