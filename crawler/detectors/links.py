"""Which links on a page lead towards the plan, the survey form or the bus.gov.ru link.

``rank_links`` keeps same-site links only (form services and bus.gov.ru are recognised by the
other detectors and followed through ``Finding.follow``), drops crawler traps (calendars, print
versions, images, logins) and orders the rest by what their text and URL promise.
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urlsplit

from crawler.detectors.platforms import PLATFORMS, Platform, platform_paths
from crawler.items import Link, Page, SiteContext

__all__ = [
    "PLATFORMS",
    "Platform",
    "on_site",
    "platform_paths",
    "rank_links",
    "same_site",
    "site_hosts",
]

BASE_SCORE = 0.1  # an ordinary same-site link: worth a visit when nothing better is left
# (pattern over "link text + context", weight), the best matching weight counts.
_TEXT_WEIGHTS = tuple(
    (re.compile(pattern, re.I), weight)
    for pattern, weight in (
        (r"план[а-яё]*\s+(?:мероприятий|по\s+устранению)|устранени[а-яё]+\s+недостатк", 1.0),
        (r"независим[а-яё]+\s+оценк[а-яё]*\s+качеств", 0.95),
        (r"(?<![а-яёa-z])нок(?![а-яёa-z])", 0.9),
        (r"анкет|оцените|оценк[а-яё]*\s+качеств|опрос", 0.8),
        (r"сведения\s+об?\s+(?:образовательной\s+)?(?:организации|учреждении)", 0.7),
        (r"качеств[а-яё]*\s+(?:условий|услуг|работы|оказания)", 0.6),
        (r"документ", 0.6),
        (r"обратн[а-яё]+\s+связ|родителям|получателям\s+услуг", 0.3),
        (r"скачать|открыть|просмотреть", 0.3),
        (r"о\s+(?:нас|школе|детском\s+саде|учреждении|центре|организации)", 0.3),
    )
)
_URL_WEIGHTS = tuple(
    (re.compile(pattern, re.I), weight)
    for pattern, weight in (
        (r"nok|nezavisim|otsenk|ocenk|kachestv", 0.9),
        (r"anket|opros|survey|poll", 0.8),
        (r"/sveden/(?:document|common)", 0.8),
        (r"/sveden", 0.7),
        (r"\.(?:pdf|docx?|rtf|odt)(?:$|[?#])", 0.5),
        (r"/file/card|/upload/|/files?/|/docs?/|/documents?/|dokument", 0.4),
    )
)
_LOOKALIKE = re.compile(r"план[а-яё]*\s+(?:работы|финансово)|пфхд|самообследовани|закупк", re.I)
_TRAP_URL = re.compile(
    r"[?&](?:date|month|year|day|week|sort|order|print|logout|login|register|ical)="
    r"|/(?:calendar|kalendar|logout|login|auth|register|print|rss|feed|tag|tags)(?:/|$)"
    r"|\.(?:jpe?g|png|gif|bmp|svg|webp|ico|mp[34]|avi|mov|zip|rar|7z|exe|css|js)(?:$|[?#])",
    re.I,
)
_NEWS_ITEM = re.compile(r"/(?:news|novosti|events|sobytiya|gallery|foto|photo)/[^/]+", re.I)
# Put last: news archives, photo galleries, calendars and the version for the visually impaired
# (a duplicate of the whole site). A careful visitor does not look for the plan there.
LAST_SCORE = 0.02
_LAST_URL = re.compile(
    r"/(?:news|novosti|events|sobytiya|gallery|galereya|foto|photo|fotoalbom|albums?|video"
    r"|arhiv|archive|afisha)(?:/|$|\?)|[?&](?:special|special_version|bvi|version)="
    r"|/(?:special|bvi|version-for-visually-impaired|dlya-slabovidyashchikh)(?:/|$)",
    re.I,
)
_LAST_TEXT = re.compile(
    r"слабовидящ|фото(?:альбом|галере|отч[её]т)|галере|видео|архив\s+новост|календар|"
    r"^\s*(?:новост|событи|анонс|объявлени)",
    re.I,
)
_FOLLOWED_KINDS = ("a", "img-link", "iframe")
_NOK_PAGE = re.compile(r"независим[а-яё]+\s+оценк|устранени[а-яё]+\s+недостатк", re.I)
_DOC_URL = re.compile(r"\.(?:pdf|docx?|rtf|odt)(?:$|[?#])|/file/card", re.I)


def same_site(url: str, home_url: str) -> bool:
    """Whether url is on the institution's own site: its host, www. and its subdomains."""
    return _on_host(_host(url), _host(home_url))


def _on_host(host: str, home: str) -> bool:
    return bool(host and home) and (host == home or host.endswith("." + home))


def site_hosts(ctx: SiteContext) -> tuple[str, ...]:
    """The hosts of an institution's site: its registry address and where that now leads."""
    return tuple(h for h in (_host(u) for u in (ctx.home_url, *ctx.aliases)) if h)


def on_site(url: str, hosts: tuple[str, ...]) -> bool:
    """Whether url is on one of the site's hosts (or their www. and subdomains)."""
    host = _host(url)
    return any(_on_host(host, home) for home in hosts)


def rank_links(page: Page, ctx: SiteContext) -> list[tuple[Link, float]]:
    """Same-site links worth following, best first, each with a score in (0, 1]."""
    scored: dict[str, tuple[Link, float]] = {}
    own = urldefrag(page.url)[0]
    hosts = site_hosts(ctx)
    page_bonus = 0.1 if _NOK_PAGE.search(page.text[:50_000]) else 0.0
    for link in page.links:
        if link.kind not in _FOLLOWED_KINDS or not on_site(link.url, hosts):
            continue
        url = urldefrag(link.url)[0]
        if url == own or _TRAP_URL.search(url):
            continue
        score = link_score(link, page_bonus)
        if url not in scored or score > scored[url][1]:
            scored[url] = (link, score)
    return sorted(scored.values(), key=lambda pair: -pair[1])


def link_score(link: Link, page_bonus: float = 0.0) -> float:
    """How promising one link is, from its text (or its list item's) and its URL."""
    label = f"{link.text} {link.context}"
    text_weight = max((w for p, w in _TEXT_WEIGHTS if p.search(label)), default=0.0)
    where = _path(link.url)  # the host's name says nothing about the page («nokwatch», «ocenka»)
    url_weight = max((w for p, w in _URL_WEIGHTS if p.search(where)), default=0.0)
    score = max(text_weight, url_weight, BASE_SCORE)
    if url_weight >= 0.4 and text_weight:
        score += 0.05  # a document link whose text also says what it is
    if _DOC_URL.search(where):
        score += page_bonus  # "Скачать" under a НОК heading
    if _LOOKALIKE.search(link.text):
        score = min(score, 0.15)
    if _NEWS_ITEM.search(where) and text_weight < 0.6:
        score = min(score, 0.05)
    if text_weight < 0.6 and (_LAST_URL.search(where) or _LAST_TEXT.search(link.text)):
        score = min(score, LAST_SCORE)
    return round(min(score, 1.0), 3)


def _path(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _host(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https"):
        return ""
    host = (parts.hostname or "").rstrip(".")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")  # школа.рф and xn--80a… are one host
        except UnicodeError:
            pass
    return host.removeprefix("www.")
