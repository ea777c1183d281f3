"""Per-platform download slots: sites on one shared hosting platform share one politeness budget.

Thousands of schools live on gosweb (``*.gosuslugi.ru``), thousands of kindergartens on
tvoysadik.ru or uralschool.ru. Per-host limits alone would let a region's crawl send hundreds of
parallel requests to the same platform; a slot per platform caps them together (the slot's
concurrency and delay come from DOWNLOAD_SLOTS in ``crawler.settings``).

Form services (Yandex Forms, Google Forms) are the other way round: thousands of sites embed a
form there, and confirming each embed is one request to the same two hosts. With a host's
default slot (2 at a time, 0.25 s apart) those requests queued up in the downloader, held all of
its places and stalled every site's crawl behind them; a service slot sized for such a service
lets them through.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler

# Host suffix → slot name. The longest matching suffix wins.
PLATFORMS = {
    "gosuslugi.ru": "platform:gosweb",
    "tvoysadik.ru": "platform:tvoysadik",
    "uralschool.ru": "platform:uralschool",
}


# Hosts of form services built for heavy traffic → their slot (not platforms: never a website).
SERVICES = {
    "forms.yandex.ru": "service:yandex-forms",
    "forms.yandex.com": "service:yandex-forms",
    "docs.google.com": "service:google-forms",
    "forms.gle": "service:google-forms",
}


def platform_slot(host: str, platforms: dict[str, str] = PLATFORMS) -> str | None:
    """The shared slot of the platform hosting ``host``, or None for a site of its own."""
    host = host.lower().rstrip(".")
    for suffix in sorted(platforms, key=len, reverse=True):
        if host == suffix or host.endswith(f".{suffix}"):
            return platforms[suffix]
    return None


class PlatformSlotMiddleware:
    """Downloader middleware: put requests to shared-hosting platforms into the platform's slot."""

    def __init__(self, platforms: dict[str, str]) -> None:
        self.platforms = platforms

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PlatformSlotMiddleware:
        platforms = crawler.settings.getdict("NOKWATCH_PLATFORM_SLOTS") or PLATFORMS
        return cls({**SERVICES, **platforms})

    def process_request(self, request: Request, spider: Any = None) -> None:
        if "download_slot" in request.meta:
            return
        slot = platform_slot(urlsplit(request.url).hostname or "", self.platforms)
        if slot is not None:
            request.meta["download_slot"] = slot
            # the slot's own delay holds: AutoThrottle would tie a platform to one host's pace
            request.meta["autothrottle_dont_adjust_delay"] = True
