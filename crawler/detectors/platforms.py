"""Site platforms and the URLs worth trying directly on each, as small named extractors.

Each platform says whether a home page is built on it (``matches``) and which URLs on it are likely
to hold the НОК section, the documents or a site search for the plan (``candidate_urls``).
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import quote, urljoin, urlsplit

from crawler.items import Page

PLAN_QUERY = "план по устранению недостатков"
NOK_QUERY = "независимая оценка качества"


class Platform:
    """A site platform: markers in the home page's host or markup, and paths to try."""

    host_suffixes: ClassVar[tuple[str, ...]] = ()
    markers: ClassVar[tuple[str, ...]] = ()  # lowercase substrings of the home page markup
    paths: ClassVar[tuple[str, ...]] = ()

    def matches(self, page: Page) -> bool:
        host = (urlsplit(page.url).hostname or "").lower()
        if any(host == s or host.endswith("." + s) for s in self.host_suffixes):
            return True
        html = (page.html or "")[:200_000].lower()
        return any(marker in html for marker in self.markers)

    def candidate_urls(self, home_url: str) -> list[str]:
        return [urljoin(home_url, path) for path in self.paths]


class SvedenStructure(Platform):
    """Rosobrnadzor's «Сведения об образовательной организации» structure of school sites."""

    markers = ("/sveden/", "сведения об образовательной организации")
    paths = ("/sveden/common/", "/sveden/document/", "/sveden/")


class GoswebPlatform(Platform):
    """Госвеб (gosweb.gosuslugi.ru), the state constructor most schools moved to since 2023."""

    host_suffixes = ("gosweb.gosuslugi.ru",)
    markers = ("gosweb.gosuslugi.ru", "госвеб", "gosweb-")
    paths = (
        "/nezavisimaya-otsenka-kachestva/",
        "/svedeniya-ob-obrazovatelnoy-organizatsii/dokumenty/",
        "/ofitsialno/dokumenty/",
    )

    def candidate_urls(self, home_url: str) -> list[str]:
        return super().candidate_urls(home_url) + [_search(home_url, "/search/?q=", PLAN_QUERY)]


class TvoysadikPlatform(Platform):
    """tvoysadik.ru / uralschool.ru constructors: ``?section_id=N`` pages, ``/file/card`` files."""

    host_suffixes = ("tvoysadik.ru", "uralschool.ru")
    markers = ("tvoysadik.ru", "uralschool.ru", "/file/card?id=")
    paths = ("/sveden/common", "/sveden/document", "/nok")

    def candidate_urls(self, home_url: str) -> list[str]:
        return super().candidate_urls(home_url) + [_search(home_url, "/search?q=", NOK_QUERY)]


class BitrixPlatform(Platform):
    """1C-Bitrix: sections as folders, the built-in search at /search/."""

    markers = ("/bitrix/templates/", "/bitrix/js/", "/bitrix/cache/", "bx.setcsslist")
    paths = ("/about/nok/", "/nok/", "/nezavisimaya-otsenka-kachestva/", "/documents/")

    def candidate_urls(self, home_url: str) -> list[str]:
        return super().candidate_urls(home_url) + [_search(home_url, "/search/?q=", PLAN_QUERY)]


class WordPressPlatform(Platform):
    """WordPress: pages as ``?page_id=N``, found through its search ``?s=``."""

    markers = ("/wp-content/", "/wp-includes/", 'content="wordpress')

    def candidate_urls(self, home_url: str) -> list[str]:
        return [_search(home_url, "/?s=", PLAN_QUERY), _search(home_url, "/?s=", NOK_QUERY)]


class JoomlaPlatform(Platform):
    """Joomla: ``index.php?option=com_content…`` pages, found through com_search."""

    markers = ("/media/jui/", "/media/system/js/", 'content="joomla', "option=com_content")

    def candidate_urls(self, home_url: str) -> list[str]:
        prefix = "/index.php?option=com_search&searchword="
        return [_search(home_url, prefix, PLAN_QUERY), _search(home_url, prefix, NOK_QUERY)]


class UcozPlatform(Platform):
    """uCoz sites: the built-in search at /search/."""

    host_suffixes = ("ucoz.ru", "ucoz.net", "ucoz.com", "ucoz.site", "narod.ru")
    markers = ("ucoz.ru/", "//s.ucoz.net/", "u_global_data")

    def candidate_urls(self, home_url: str) -> list[str]:
        return [_search(home_url, "/search/?q=", PLAN_QUERY)]


PLATFORMS: tuple[Platform, ...] = (
    GoswebPlatform(),
    TvoysadikPlatform(),
    BitrixPlatform(),
    WordPressPlatform(),
    JoomlaPlatform(),
    UcozPlatform(),
    SvedenStructure(),
)


def platform_paths(home_url: str, html: str | None) -> list[str]:
    """URLs to try directly on a site, from the platforms its home page shows, best first."""
    page = Page(url=home_url, status=200, content_type="text/html", text="", html=html)
    urls: list[str] = []
    for platform in PLATFORMS:
        if platform.matches(page):
            urls.extend(u for u in platform.candidate_urls(home_url) if u not in urls)
    return urls


def _search(home_url: str, prefix: str, query: str) -> str:
    return urljoin(home_url, prefix + quote(query))
