"""App-shell pages and the real browser that reads them.

Госвеб and the site constructors increasingly ship an app shell: scripts, almost no text, no links
in the HTML; a script fetches the menu. ``is_app_shell`` recognises such a page; the spider then
renders it once in headless Chromium through scrapy-playwright (Debian's ``chromium``, never a
downloaded browser) and reads the rendered DOM like any page. When no browser is available, or the
run's rendering cap is reached, the search is ``incomplete`` (``javascript``), never ``not_found``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from crawler.connections import use_site_pool
from crawler.detectors.links import on_site, site_hosts
from crawler.guard import is_local_name, is_private
from crawler.items import Page, SiteContext

SHELL_MAX_WORDS = 60  # a page a person can read has more words than this
SHELL_MAX_LINKS = 2  # …or more links of its own
_SCRIPT = re.compile(r"<script\b", re.I)
_SKIPPED = ("image", "media", "font", "stylesheet")
ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def is_app_shell(page: Page, ctx: SiteContext) -> bool:
    """An HTML page with scripts, almost no text and no usable links of its own."""
    if not page.is_html or page.status != 200 or not _SCRIPT.search(page.html or ""):
        return False
    if len(page.text.split()) > SHELL_MAX_WORDS:
        return False
    hosts = site_hosts(ctx)
    own = {link.url for link in page.links if link.kind == "a" and on_site(link.url, hosts)}
    return len(own - {page.url}) <= SHELL_MAX_LINKS


def browser_settings(browser: str, environ: Mapping[str, str]) -> dict[str, object]:
    """Scrapy settings that route rendered requests to scrapy-playwright (none if no browser)."""
    if not browser or not Path(browser).exists():
        return {}
    launch: dict[str, object] = {"executable_path": browser, "headless": True, "args": list(ARGS)}
    proxy = environ.get("https_proxy") or environ.get("http_proxy")
    if proxy:
        # rendering goes through the same proxy as every other request
        launch["proxy"] = {"server": proxy, "bypass": "<-loopback>"}
    handler = "crawler.render.LazyPlaywrightHandler"
    return {
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": launch,
        "PLAYWRIGHT_MAX_CONTEXTS": 4,
        "PLAYWRIGHT_ABORT_REQUEST": "crawler.render.abort_request",
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 20_000,
    }


def abort_request(request: object) -> bool:
    """Skip what reading a page does not need, and anything on the local network (as the guard)."""
    if getattr(request, "resource_type", "") in _SKIPPED:
        return True
    host = urlsplit(str(getattr(request, "url", ""))).hostname or ""
    return is_private(host) or is_local_name(host)


class LazyPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright, started on the first page that needs it: most crawls render nothing and
    should not pay for Playwright's driver process."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        use_site_pool(self, crawler)  # its plain requests go through Scrapy's pool
        for receiver in ("_maybe_launch_in_thread", "_engine_started"):
            crawler.signals.disconnect(getattr(self, receiver), signals.engine_started)
        self.start_lock = asyncio.Lock()

    async def _download_request(self, request: Any, spider: Any = None) -> Any:
        async with self.start_lock:
            if getattr(self, "browser_provider", None) is None:
                await self._launch()
        return await super()._download_request(request, spider)
