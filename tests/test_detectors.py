"""detect_all and best_findings: every detector on a page, the best finding per item."""

from __future__ import annotations

import pytest

from crawler.detectors import DETECTOR_VERSION, best_findings, detect_all
from crawler.documents import build_page
from crawler.items import Finding, SiteContext


def f(item: str, status: str, score: float, url: str = "u") -> Finding:
    return Finding(item, status, url, score)


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ([f("improvement_plan", "outdated", 0.95), f("improvement_plan", "found", 0.5)], "found"),
        ([f("survey_form", "broken", 0.9), f("survey_form", "live", 0.7)], "live"),
        ([f("bus_gov_link", "mismatch", 0.9), f("bus_gov_link", "found", 0.8)], "found"),
        # a bare bus.gov.ru link (weak) does not hide another institution's card
        ([f("bus_gov_link", "found", 0.2), f("bus_gov_link", "mismatch", 0.9)], "mismatch"),
        ([f("survey_form", "not_found", 0.2), f("survey_form", "broken", 0.7)], "broken"),
    ],
)
def test_best_finding_per_item(findings, expected):
    for ordering in (findings, findings[::-1]):
        assert best_findings(ordering)[findings[0].item].status == expected


def test_ties_go_to_the_higher_score():
    best = best_findings(
        [f("improvement_plan", "found", 0.5, "a"), f("improvement_plan", "found", 0.9, "b")]
    )
    assert best["improvement_plan"].url == "b"


def test_detect_all_runs_every_detector():
    body = (
        '<h1>Анкета</h1><iframe src="https://forms.yandex.ru/u/1/"></iframe>'
        '<a href="https://bus.gov.ru/pub/info-card/7">bus.gov.ru</a>'
        '<a href="/upload/plan.pdf">План по устранению недостатков</a>'
    ).encode()
    page = build_page("https://school5.ru/", 200, {}, body)
    best = best_findings(detect_all(page, SiteContext("i1", "https://school5.ru/", "7")))
    assert {item: finding.status for item, finding in best.items()} == {
        "improvement_plan": "found",
        "survey_form": "live",
        "bus_gov_link": "found",
    }
    assert DETECTOR_VERSION
