"""The simulated demo region (RU-DEMO): 36 institution sites and one authority site, all fictional."""

from __future__ import annotations

from datetime import date

from nokwatch.demo.platforms import LAYOUTS
from nokwatch.demo.sites import BUS_GOV_KINDS, SURVEY_KINDS, SiteSpec

DEMO_REGION = "RU-DEMO"
DEMO_ASSESSMENT = date(2024, 1, 15)
_KINDS = (
    ("education", "Школа", "shkola", "Управление образования демо-региона"),
    ("culture", "Библиотека", "biblioteka", "Управление культуры демо-региона"),
    ("sport", "Спортивная школа", "sport", "Комитет по спорту демо-региона"),
    ("health", "Больница", "bolnica", "Управление здравоохранения демо-региона"),
    (
        "social",
        "Центр социального обслуживания",
        "kcson",
        "Управление социальной защиты демо-региона",
    ),
    ("education", "Детский сад", "sadik", "Управление образования демо-региона"),
)
_PLANS = ("html", "rtf", "html", "outdated", "lookalike", "none")
_FAILURES = {7: "http_500", 13: "robots", 19: "redirect_loop", 25: "calendar_trap"}
_APPROVED = (date(2024, 3, 12), date(2024, 2, 20), date(2024, 4, 30), date(2024, 3, 1))


def demo_sites(count: int = 36) -> list[SiteSpec]:
    """The demo region's sites: every platform, encoding, plan, form and link kind, some failures."""
    platforms = list(LAYOUTS)
    sites = []
    for i in range(count):
        sphere, label, slug, _ = _KINDS[i % len(_KINDS)]
        cp1251 = i % 4 == 3
        sites.append(
            SiteSpec(
                host=f"{slug}-{i + 1:02d}.demo.nokwatch.test",
                name=f"{label} № {i + 1} (демо)",
                sphere=sphere,
                platform=platforms[i % len(platforms)],
                encoding="windows-1251" if cp1251 else "utf-8",
                charset_in=("header", "meta", "none")[i % 3] if cp1251 else "header",
                plan=_PLANS[i % len(_PLANS)],
                plan_approved=_APPROVED[i % len(_APPROVED)],
                plan_depth=1 + i % 3,
                survey=SURVEY_KINDS[i % len(SURVEY_KINDS)],
                bus_gov=BUS_GOV_KINDS[i % len(BUS_GOV_KINDS)],
                bus_gov_id=str(500001 + i),
                failure=_FAILURES.get(i, ""),
            )
        )
    sites.append(
        SiteSpec(
            host="minsoc.demo.nokwatch.test",
            name="Министерство социальной защиты демо-региона",
            sphere="social",
            plan="none",
            survey="html_form",
            bus_gov="none",
            bus_gov_id="0",
        )
    )
    return sites


def demo_registry_rows(sites: list[SiteSpec] | None = None) -> list[dict[str, str]]:
    """The demo sites as registry CSV rows (the same columns a region's table has)."""
    rows = []
    for i, spec in enumerate(sites or demo_sites()):
        authority = spec.host.startswith("minsoc.")
        rows.append(
            {
                "id": "demo-authority" if authority else f"demo-{i + 1:02d}",
                "name": spec.name,
                "region": DEMO_REGION,
                "sphere": spec.sphere,
                "founder": "Правительство демо-региона"
                if authority
                else _KINDS[i % len(_KINDS)][3],
                "website": f"http://{spec.host}/",
                "kind": "authority" if authority else "institution",
                "bus_gov_id": "" if authority else spec.bus_gov_id,
                "assessment_date": "" if authority else DEMO_ASSESSMENT.isoformat(),
            }
        )
    return rows
