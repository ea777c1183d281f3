"""Detectors: pure functions of a fetched page, ``(Page, SiteContext) -> list[Finding]``.

``DETECTOR_VERSION`` is stored with every observation; raise it whenever a detector's verdicts
can change, so that findings from different detector versions can be told apart.
"""

from __future__ import annotations

from collections.abc import Iterable

from crawler.detectors.busgov import detect_bus_gov_links
from crawler.detectors.plan import detect_plan
from crawler.detectors.survey import detect_survey_form
from crawler.items import Finding, Page, SiteContext

DETECTOR_VERSION = "1.1.0"
WEAK_SCORE = 0.3  # below this a finding is a hint (no card id, a downloadable questionnaire)

# Per item, which status wins regardless of score.
_STATUS_RANK = {
    "improvement_plan": {"found": 2, "outdated": 1},
    "survey_form": {"live": 2, "broken": 1},
    "bus_gov_link": {"found": 3, "mismatch": 2, "generic": 1},
}
DETECTORS = (detect_plan, detect_survey_form, detect_bus_gov_links)


def detect_all(page: Page, ctx: SiteContext) -> list[Finding]:
    """Every detector's findings on one page."""
    return [finding for detector in DETECTORS for finding in detector(page, ctx)]


def best_findings(findings: Iterable[Finding]) -> dict[str, Finding]:
    """The best finding per item: strong before weak, then by status, then by score."""
    best: dict[str, Finding] = {}
    for finding in findings:
        kept = best.get(finding.item)
        if kept is None or finding_rank(finding) > finding_rank(kept):
            best[finding.item] = finding
    return best


def finding_rank(finding: Finding) -> tuple[bool, int, float]:
    """Sort key of findings for one item: strong before weak, then by status, then by score."""
    status_rank = _STATUS_RANK.get(finding.item, {}).get(finding.status, 0)
    return finding.score >= WEAK_SCORE, status_rank, finding.score
