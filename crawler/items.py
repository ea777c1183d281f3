"""What the crawler passes around: fetched pages, detector findings, per-site results.

Detectors (``crawler.detectors``) are pure functions ``(Page, SiteContext) -> list[Finding]``;
spiders build the ``Page`` from a response, pipelines store the ``SiteResult``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

ITEMS = ("improvement_plan", "survey_form", "bus_gov_link")

# Sent by the spider when a site's audit has ended, with ``netlocs``: the site's host names. What
# was kept for the site (robots.txt parsers, idle connections) is let go: a national run meets
# 100,000 hosts, and a crawl process must not hold them all.
SITE_FINISHED = object()


@dataclass(frozen=True)
class Link:
    """A hyperlink or embed on a page: absolute URL and the human-visible text around it."""

    url: str
    text: str = ""
    kind: str = "a"  # a | iframe | form | script | img-link
    context: str = ""  # text of the list item / paragraph / table row around an <a>


@dataclass(frozen=True)
class Page:
    """A fetched document, decoded: HTML pages and PDF/DOC/DOCX/RTF/ODT files alike."""

    url: str
    status: int
    content_type: str  # normalised MIME type, e.g. "text/html", "application/pdf"
    text: str  # plain text a person would read (extracted from HTML or a document)
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-cased names
    html: str | None = None  # decoded markup when the document is HTML
    links: tuple[Link, ...] = ()
    encoding: str | None = None
    note: str = ""  # e.g. "scanned_pdf_no_text", "truncated"

    @property
    def is_html(self) -> bool:
        return self.html is not None


@dataclass(frozen=True)
class SiteContext:
    """What a detector may know about the institution whose site it reads."""

    institution_id: str
    home_url: str
    bus_gov_id: str | None = None
    assessment_date: date | None = None
    aliases: tuple[str, ...] = ()  # where the registry address now leads (a site that moved)


@dataclass(frozen=True)
class Finding:
    """One detector's verdict on one item, with the evidence it rests on."""

    item: str  # one of ITEMS
    status: str  # found | outdated | live | broken | mismatch | generic | not_found
    url: str
    score: float = 1.0  # confidence; the best-scored finding per item wins
    matched_text: str = ""
    declared_date: date | None = None
    detail: str = ""  # a machine-readable qualifier, e.g. "placeholder", "yandex_forms"
    follow: tuple[str, ...] = ()  # URLs that must be fetched to confirm (form action, embed src)
