"""What the crawler must conclude about each simulated site: the fixture web's ground truth."""

from __future__ import annotations

from nokwatch.demo import SiteSpec

PLAN = {
    "html": "found",
    "rtf": "found",
    "outdated": "outdated",
    "lookalike": "not_found",
    "none": "not_found",
}
SURVEY = {
    "html_form": "live",
    "yandex": "live",
    "google": "live",
    "placeholder": "broken",
    "dead_embed": "broken",
    "closed_google": "broken",
    "downloadable": "not_found",
    "none": "not_found",
}
BUS_GOV = {
    "own": "found",
    "own_tab": "found",
    "qr": "found",
    "other": "mismatch",
    "none": "not_found",
}
FAILURE = {
    "http_500": ("site_unreachable", "http_5xx"),
    "redirect_loop": ("site_unreachable", "redirect_loop"),
    "robots": ("blocked_by_robots", "Disallow: /"),  # the rule that closed the site
}


def expected_statuses(spec: SiteSpec) -> dict[str, tuple[str, str | None]]:
    """item → (status, error) the crawler must record for this site."""
    if spec.failure in FAILURE:
        return dict.fromkeys(
            ("improvement_plan", "survey_form", "bus_gov_link"), FAILURE[spec.failure]
        )
    return {
        "improvement_plan": (PLAN[spec.plan], None),
        "survey_form": (SURVEY[spec.survey], None),
        "bus_gov_link": (BUS_GOV[spec.bus_gov], None),
    }
