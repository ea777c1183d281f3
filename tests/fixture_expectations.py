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


def expected_shape(spec: SiteSpec, browser: bool = True) -> dict[str, tuple[str, str | None]]:
    """item → (status, error) for a shaped site (nokwatch.demo.shapes): found where a visitor finds
    it, otherwise a status saying why the search could not finish — never a bare «not_found»."""
    statuses = {
        "improvement_plan": ({**PLAN, **DOCUMENT_PLANS}[spec.plan], None),
        "survey_form": (SURVEY[spec.survey], None),
        "bus_gov_link": ("generic" if spec.bus_gov == "portal" else BUS_GOV[spec.bus_gov], None),
    }
    closed = {
        "link_maze": ("incomplete", "budget_pages"),  # a hundred sections, forty pages
        "robots_section": ("blocked_by_robots", "Disallow: /sveden/"),
        "failing_section": ("incomplete", "page_failed"),
        "app_shell": None if browser else ("incomplete", "javascript"),
    }.get(spec.shape)
    if closed is not None:
        for item in ("improvement_plan", "survey_form"):
            if spec.shape != "link_maze" or statuses[item][0] == "not_found":
                statuses[item] = closed
        if spec.shape == "app_shell":  # the banner, too, is drawn by the script
            statuses["bus_gov_link"] = closed
    if spec.https:
        statuses["tls_certificate"] = (spec.tls, None)
    return statuses
