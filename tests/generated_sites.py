"""A generated fixture web: every platform, encoding, plan document, survey form, failure and TLS state.

``fixture_sites()`` is what the crawler's tests run against; ``generated_sites(n)`` scales the same
mix up for the benchmark (pages and documents per site stay about the same).
"""

from __future__ import annotations

from datetime import date

from nokwatch.demo.platforms import LAYOUTS
from nokwatch.demo.sites import BUS_GOV_KINDS, SURVEY_KINDS, SiteSpec

FIXTURE_REGION = "RU-NVS"  # a real code: the registry accepts only ISO 3166-2 regions
ASSESSMENT = date(2024, 1, 15)
PLANS = ("html", "pdf", "scan", "docx", "doc", "rtf", "odt", "outdated", "lookalike", "none")
ENCODINGS = (
    ("utf-8", "header"),
    ("windows-1251", "header"),
    ("windows-1251", "meta"),
    ("windows-1251", "none"),
    ("koi8-r", "header"),
    ("koi8-r", "meta"),
    ("koi8-r", "none"),
    ("windows-1251", "mislabelled"),
)
FAILURES = {
    5: "dns",
    11: "refused",
    17: "slow",
    23: "http_500",
    29: "redirect_loop",
    35: "calendar_trap",
    38: "robots",
    41: "gzip_bomb",
    44: "huge_file",
    47: "broken_html",
}
TLS = {2: "valid", 9: "expired", 16: "wrong_host", 30: "untrusted", 40: "valid"}
_SLUGS = ("shkola", "biblioteka", "sport", "bolnica", "kcson", "sadik")


def _host(i: int, platform: str, shared: bool = True) -> str:
    """Host names shaped like the platform's real ones (shared hosting shows in the name)."""
    slug = _SLUGS[i % len(_SLUGS)]
    if not shared:
        return f"{slug}-{i:04d}.{platform}.nokwatch.test"
    if platform == "gosweb":
        return f"{slug}{i}-r70.gosweb.gosuslugi.ru"
    if platform == "tvoysadik":
        return f"{slug}{i}.tvoysadik.ru"
    return f"{slug}-{i:04d}.fix.nokwatch.test"


def site_spec(i: int, failures: bool = True, shared_hosting: bool = True) -> SiteSpec:
    """The i-th generated site (the mix repeats every few hundred sites)."""
    platform = list(LAYOUTS)[i % len(LAYOUTS)]
    encoding, charset_in = ENCODINGS[i % len(ENCODINGS)]
    failure = FAILURES.get(i % 48, "") if failures else ""
    plan = "pdf" if failure == "huge_file" else PLANS[i % len(PLANS)]
    tls = TLS.get(i % 48)
    return SiteSpec(
        host=_host(i, platform, shared_hosting),
        name=f"Учреждение № {i} (тест)",
        sphere="education",
        platform=platform,
        encoding=encoding,
        charset_in=charset_in,
        plan=plan,
        plan_approved=date(2024, 3, 12),
        plan_depth=1 + i % 3,
        survey=SURVEY_KINDS[(i * 3) % len(SURVEY_KINDS)],
        bus_gov=BUS_GOV_KINDS[i % len(BUS_GOV_KINDS)],
        bus_gov_id=str(700000 + i),
        failure=failure,
        https=tls is not None,
        tls=tls or "valid",
    )


def fixture_sites() -> list[SiteSpec]:
    """48 sites: each platform, encoding, plan document, survey form, failure and TLS state."""
    return [site_spec(i) for i in range(48)]


def generated_sites(
    count: int, failures: bool = False, shared_hosting: bool = True
) -> list[SiteSpec]:
    """``count`` sites of the same mix (healthy by default; optionally each on a host of its own)."""
    return [site_spec(i, failures, shared_hosting) for i in range(count)]


# shape → variants (platform, plan, plan_depth, https): each shape on several platforms and plans
SHAPE_VARIANTS = {
    "news_heavy": (("static", "html", 2, False), ("bitrix", "pdf", 3, True), ("joomla", "rtf", 2, False)),
    "link_maze": (("static", "html", 2, False), ("sveden", "none", 2, False), ("bitrix", "docx", 3, False)),
    "many_documents": (("static", "pdf", 2, False), ("joomla", "rtf", 2, True), ("bitrix", "docx", 2, False)),
    "moved": (("static", "html", 1, False), ("bitrix", "pdf", 2, False), ("sveden", "scan", 3, True)),
    "robots_section": (("sveden", "html", 1, False), ("sveden", "pdf", 2, True), ("sveden", "rtf", 3, False)),
    "app_shell": (("static", "html", 1, False), ("bitrix", "pdf", 2, False), ("joomla", "rtf", 2, False)),
    "failing_section": (("static", "html", 2, False), ("joomla", "pdf", 3, False), ("wordpress", "rtf", 2, False)),
    "orphan": (("static", "html", 1, False), ("bitrix", "rtf", 2, False), ("joomla", "pdf", 3, False)),
    "portal_link": (("static", "html", 1, False), ("sveden", "pdf", 2, False), ("bitrix", "rtf", 3, True)),
}  # fmt: skip


def shape_sites(shapes: tuple[str, ...] = tuple(SHAPE_VARIANTS)) -> list[SiteSpec]:
    """Sites shaped like the hard real ones (nokwatch.demo.shapes), several variants of each."""
    sites = []
    for shape in shapes:
        for n, (platform, plan, depth, https) in enumerate(SHAPE_VARIANTS[shape]):
            sites.append(
                SiteSpec(
                    host=f"{shape.replace('_', '-')}-{n}.shape.nokwatch.test",
                    name=f"Учреждение «{shape} {n}» (тест)",
                    sphere="education",
                    platform=platform,
                    plan=plan,
                    plan_depth=depth,
                    survey="none" if plan == "none" else "html_form",
                    bus_gov="portal" if shape == "portal_link" else "own",
                    bus_gov_id=str(800000 + n),
                    https=https,
                    shape=shape,
                )
            )
    return sites


def registry_rows(sites: list[SiteSpec], region: str = FIXTURE_REGION) -> list[dict[str, str]]:
    """Registry CSV rows for generated sites (ids ``fix-0000``…)."""
    return [
        {
            "id": f"fix-{i:04d}",
            "name": spec.name,
            "region": region,
            "sphere": spec.sphere,
            "founder": "Департамент образования тестовой области",
            "website": spec.url,
            "kind": "institution",
            "bus_gov_id": spec.bus_gov_id,
            "assessment_date": ASSESSMENT.isoformat(),
        }
        for i, spec in enumerate(sites)
    ]
