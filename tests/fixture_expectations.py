"""What the crawler must conclude about each generated fixture site (extends the demo's ground truth)."""

from __future__ import annotations

from nokwatch.demo import SiteSpec
from tests.demo_expectations import BUS_GOV, FAILURE, PLAN, SURVEY

DOCUMENT_PLANS = dict.fromkeys(("pdf", "scan", "docx", "doc", "odt"), "found")
FIXTURE_FAILURES = {
    **FAILURE,
    "dns": ("site_unreachable", "dns"),
    "refused": ("site_unreachable", "refused"),
    "slow": ("site_unreachable", "timeout"),
    "gzip_bomb": ("site_unreachable", "too_large"),
}
ITEMS = ("improvement_plan", "survey_form", "bus_gov_link")


def expected(spec: SiteSpec) -> dict[str, tuple[str, str | None]]:
    """item → (status, error) for a generated site, the TLS certificate included when served over https."""
    if spec.failure in FIXTURE_FAILURES:
        return dict.fromkeys(ITEMS, FIXTURE_FAILURES[spec.failure])
    plan = {**PLAN, **DOCUMENT_PLANS}[spec.plan]
    statuses = {
        "improvement_plan": (plan, None),
        "survey_form": (SURVEY[spec.survey], None),
        "bus_gov_link": (BUS_GOV[spec.bus_gov], None),
    }
    if spec.failure == "huge_file":
        # the document in the НОК section cannot be read: what was not found elsewhere may be in it
        statuses = {
            item: ("incomplete", "page_failed") if status == "not_found" else (status, error)
            for item, (status, error) in statuses.items()
        }
        statuses["improvement_plan"] = ("incomplete", "page_failed")
    if spec.https:
        statuses["tls_certificate"] = (spec.tls, None)
    return statuses
