"""The link to the institution's card on bus.gov.ru (bus_gov_link), where citizens rate it.

``found`` when the card is the institution's own (its agencyId), ``mismatch`` when it is another
institution's (a defect worth reporting), ``found``/"unverified" when the registry has no id to
compare with, and ``generic`` for a link to bus.gov.ru that names no card (the portal's home page, a
rating list, a search): the requirement is a link to the institution's own card.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from crawler.items import Finding, Page, SiteContext

ITEM = "bus_gov_link"
_HOST = r"(?:https?://)?(?:www\.)?bus\.gov\.ru"
# Card forms: today's info card and rating QR link, and the older agency pages.
_CARD = re.compile(
    _HOST + r"/?(?:#!?)?/*(?:pub/(?:top/)?(?:info-card|agency)|qrcode/rate)/(\d+)"
    r"|" + _HOST + r"/[^\s\"'<>]*?[?&]agency(?:Id)?=(\d+)",
    re.I,
)


def detect_bus_gov_links(page: Page, ctx: SiteContext) -> list[Finding]:
    """Findings for links (and plain-text mentions) of bus.gov.ru on a page."""
    if "bus.gov.ru" not in page.text.lower() and not any(
        "bus.gov.ru" in link.url.lower() for link in page.links
    ):
        return []
    findings: dict[str, Finding] = {}
    for link in page.links:
        if "bus.gov.ru" in link.url.lower():
            _add(findings, _finding(link.url, link.text or link.context, ctx, linked=True))
    if page.is_html:  # a URL written out as text on a page also leads people to the card
        for match in _CARD.finditer(page.text):
            _add(findings, _finding(match.group(0), match.group(0), ctx, linked=False))
    return list(findings.values())


def card_id(url: str) -> str | None:
    """The agencyId a bus.gov.ru URL names, or None."""
    match = _CARD.search(url)
    if match is None:
        return None
    return (match.group(1) or match.group(2)).lstrip("0") or "0"


def is_bus_gov(url: str) -> bool:
    """Whether a URL (with or without scheme) is on bus.gov.ru."""
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname or ""
    except ValueError:
        return False
    return host in ("bus.gov.ru", "www.bus.gov.ru")


def _finding(url: str, text: str, ctx: SiteContext, linked: bool) -> Finding | None:
    if not is_bus_gov(url):
        return None
    agency = card_id(url)
    own = (ctx.bus_gov_id or "").strip().lstrip("0") or None
    penalty = 0.0 if linked else 0.2
    label = " ".join(text.split())[:150]
    if agency is None:
        return Finding(ITEM, "generic", url, 0.2, label, None, "no_card_id")
    matched = f"id {agency}: {label}"
    if own is None:
        return Finding(ITEM, "found", url, 0.7 - penalty, matched, None, "unverified")
    if agency == own:
        return Finding(ITEM, "found", url, 1.0 - penalty, matched, None, "own_card")
    return Finding(ITEM, "mismatch", url, 0.9 - penalty, matched, None, "other_card")


def _add(findings: dict[str, Finding], finding: Finding | None) -> None:
    if finding is None:
        return
    key = card_id(finding.url) or finding.url
    kept = findings.get(key)
    if kept is None or finding.score > kept.score:
        findings[key] = finding
