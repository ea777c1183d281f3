"""The site audit spider: visits every registry website, routes pages to the detectors.

It only fetches and routes. What a page means is the detectors' business (``crawler.detectors``),
what a site's audit concludes is ``crawler.audit``'s, and storing it is the pipeline's.

Each site is searched best first from its own frontier (``crawler.frontier``), a few requests at a
time; a bounded number of sites are in flight, and a new site starts only when one finishes, so
sites are stored as the crawl goes and a killed crawl loses little.
"""

from __future__ import annotations

import asyncio
import contextlib
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap
from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from crawler.audit import SiteAudit
from crawler.detectors import detect_all
from crawler.detectors.links import link_score, on_site, platform_paths, rank_links, site_hosts
from crawler.detectors.survey import judge_form_target
from crawler.documents import build_page
from crawler.failures import cause_of_failure
from crawler.frontier import RELEVANT, Lead, is_relevant
from crawler.items import ITEMS, SITE_FINISHED, Finding, Link, Page, SiteContext
from crawler.render import is_app_shell
from crawler.shards import platform_of, read_listing
from crawler.tlsprobe import ProbeError, certificate_status

GUESS_SCORE = 0.4  # a platform's usual path: worth a try early, but no link vouched for it
ANSWERED = (404, 410)  # a missing page answered: the path is searched, nothing is there
MAX_SITEMAPS = 3
START_PRIORITY = 10  # a re-check's address (start_urls) goes before every other request


class SitesSpider(scrapy.Spider):
    """Audits each institution's site for the improvement plan, survey form and bus.gov.ru link."""

    name = "sites"

    def __init__(self, institutions: str = "", run_id: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.institutions = read_listing(Path(institutions))  # streamed, never held whole
        self.run_id = run_id
        self.audits: dict[str, SiteAudit] = {}
        self.robots: dict[str, Any] = {}  # netloc → crawler.robots.RulesRobotParser
        self.room: Deferred | None = None  # fired when a site finishes and another may start
        self.pages = 0  # of the whole run, for the rendering cap
        self.rendered = 0
        self.contexts = 0
        self.drained = False  # every site of the listing has started
        self.handoff_due = False  # this process may hand its lane on (crawler.local)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SitesSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        return spider

    def robots_parsed(self, robotparser: Any, request: scrapy.Request) -> None:
        self.robots[urlsplit(request.url).netloc] = robotparser

    async def start(self) -> AsyncIterator[scrapy.Request]:
        in_flight = self.settings.getint("NOKWATCH_SITES_IN_FLIGHT")
        for order, row in enumerate(self.institutions):
            while len(self.audits) >= in_flight:
                self.room = Deferred()
                await maybe_deferred_to_future(self.room)
            assessed = row.get("assessment_date")
            context = SiteContext(
                row["id"],
                row["website"],
                row.get("bus_gov_id") or None,
                date.fromisoformat(assessed) if assessed else None,
            )
            audit = self.audits[row["id"]] = self._audit(context, order)
            audit.platform = platform_of(row)
            audit.frontier.seen.add(row["website"])
            audit.issued += 1
            yield self._request(audit, Lead(row["website"], 1.0, 0), home=True)
            for url in row.get("start_urls", ()):  # a re-check's address: read it first
                if url not in audit.frontier.seen:
                    audit.frontier.seen.add(url)
                    audit.issued += 1
                    request = self._request(audit, Lead(url, 1.0, 1))
                    yield request.replace(priority=START_PRIORITY)
        self.drained = True
        self._handoff()

    def _audit(self, context: SiteContext, order: int) -> SiteAudit:
        get = self.settings
        audit = SiteAudit(
            context,
            max_pages=get.getint("NOKWATCH_MAX_PAGES_PER_SITE"),
            max_bytes=get.getint("NOKWATCH_MAX_BYTES_PER_SITE"),
            max_seconds=get.getfloat("NOKWATCH_MAX_SECONDS_PER_SITE"),
        )
        audit.order = order
        return audit

    def _request(
        self, audit: SiteAudit, lead: Lead, home: bool = False, render: bool = False
    ) -> scrapy.Request:
        audit.pending += 1
        meta: dict[str, Any] = {
            "institution_id": audit.context.institution_id,
            "clicks": lead.depth,  # Scrapy's DepthMiddleware owns "depth"
            "home": home,
            "score": lead.score,
            "guess": lead.guess,
        }
        callback = self.parse_home if home else self.parse_page
        if render:
            callback = self.parse_rendered
            self.contexts += 1
            meta.update(
                playwright=True,
                playwright_include_page=True,
                playwright_context=f"render-{self.contexts}",  # one per page: memory stays bounded
                playwright_context_kwargs={"ignore_https_errors": True},
                playwright_page_goto_kwargs={"wait_until": "networkidle"},
                rendered=True,
            )
        return scrapy.Request(
            lead.url,
            callback=callback,
            errback=self.failed,
            meta=meta,
            dont_filter=True,
            priority=-audit.order,  # sites started earlier finish first
        )

    async def parse_home(self, response: Response) -> AsyncIterator[Any]:
        """The home page: judge the TLS certificate the site presents, then read it like any page."""
        audit = self.audits[response.meta["institution_id"]]
        if not on_site(response.url, site_hosts(audit.context)):
            # the registry address sends visitors to another site: it is the same institution's
            moved = urljoin(response.url, "/")
            audit.moved_to = moved
            audit.context = replace(audit.context, aliases=(moved,))
        audit.tls = await self._certificate(audit.context.home_url, response.url)
        for output in self.parse_page(response):
            yield output

    async def parse_rendered(self, response: Response) -> AsyncIterator[Any]:
        """A page rendered by the browser: close its context, then read the DOM like any page."""
        page = response.meta.pop("playwright_page", None)
        if page is not None:
            await page.context.close()
        self.audits[response.meta["institution_id"]].rendered += 1
        for output in self.parse_page(response):
            yield output

    async def _certificate(self, home_url: str, final_url: str) -> str | None:
        if urlsplit(final_url).scheme != "https":
            # an https address that sends visitors to plain http offers no TLS after all
            return "no_tls" if urlsplit(home_url).scheme == "https" else None
        split = urlsplit(final_url)
        host, port = split.hostname or "", split.port or 443
        proxies = urllib.request.getproxies()
        proxy = None if urllib.request.proxy_bypass(host) else proxies.get("https")
        bundle = self.settings.get("NOKWATCH_CA_BUNDLE") or None
        try:
            return await maybe_deferred_to_future(
                deferToThread(certificate_status, host, port, proxy, bundle)
            )
        except ProbeError as exc:
            self.logger.info("TLS probe of %s failed: %s", host, exc)
            return None

    def parse_page(self, response: Response) -> Iterator[Any]:
        audit = self.audits[response.meta["institution_id"]]
        audit.pages += 1
        self.pages += 1
        audit.bytes += len(response.body)
        page = _page(response)
        audit.answer(response.request.url, response.url)
        if page.text.strip():
            # a scan or an unreadable file leaves its link's words as the only evidence
            audit.read(response.request.url, response.url)
        depth = response.meta["clicks"]
        if is_app_shell(page, audit.context):
            # Still a shell once rendered (its script failed or was cut off): not looked at.
            if not response.meta.get("rendered") and self._may_render():
                self.rendered += 1
                audit.issued += 1
                yield self._request(audit, Lead(response.url, 1.0, depth), render=True)
            else:
                audit.stop("javascript", response.url)
        findings = detect_all(page, audit.context)
        audit.offer(findings, page)
        for finding in findings:
            for target in finding.follow:
                yield self._confirm(audit, finding, target)
            if finding.detail == "link_text" and finding.url not in audit.answered:
                # a link named as the plan is read before it counts, wherever it leads
                audit.frontier.raise_score(finding.url, 1.0, depth + 1)
        if page.is_html:
            self._follow(audit, page, depth, response.meta["home"])
        yield from self._done(audit)

    def _may_render(self) -> bool:
        if "DOWNLOAD_HANDLERS" not in self.settings or not self.settings.getdict(
            "DOWNLOAD_HANDLERS"
        ).get("http", "").endswith("PlaywrightHandler"):
            return False
        share = self.settings.getfloat("NOKWATCH_RENDER_SHARE")
        cap = max(self.settings.getint("NOKWATCH_RENDER_MIN"), int(share * self.pages))
        return share > 0 and self.rendered < cap

    def _follow(self, audit: SiteAudit, page: Page, depth: int, home: bool) -> None:
        if home:
            for url in platform_paths(audit.context.home_url, page.html):
                score = max(link_score(Link(url)), GUESS_SCORE)
                audit.discover(url, score, depth + 1, guess=True)
        deep = depth >= self.settings.getint("NOKWATCH_MAX_DEPTH")
        for link, score in rank_links(page, audit.context):
            if not deep:
                audit.discover(link.url, score, depth + 1)
            elif link.url not in audit.frontier.seen:
                audit.frontier.seen.add(link.url)
                audit.beyond_depth += 1
                if score >= RELEVANT:
                    audit.stop("budget_depth", link.url)

    def _pump(self, audit: SiteAudit) -> Iterator[scrapy.Request]:
        """Keep a few of the site's most promising links in flight, within its budget."""
        parallel = self.settings.getint("NOKWATCH_SITE_PARALLEL")
        while audit.pending < parallel + 1:  # +1: the response being handled is still pending
            lead = audit.next_lead()
            if lead is None:
                return
            yield self._request(audit, lead)

    def _confirm(self, audit: SiteAudit, finding: Finding, target: str) -> scrapy.Request:
        audit.pending += 1
        meta = {"institution_id": audit.context.institution_id, "finding": finding}
        return scrapy.Request(
            target,
            callback=self.confirmed,
            errback=self.confirm_failed,
            meta=meta,
            dont_filter=True,
            priority=1 - audit.order,
        )

    def confirmed(self, response: Response) -> Iterator[Any]:
        audit = self.audits[response.meta["institution_id"]]
        page = _page(response)
        self._judge(audit, response.meta["finding"], response.status, page)
        yield from self._done(audit)

    def confirm_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        audit = self.audits[request.meta["institution_id"]]
        response = getattr(failure.value, "response", None)
        self._judge(audit, request.meta["finding"], response.status if response else 0, None)
        yield from self._done(audit)

    def _judge(self, audit: SiteAudit, finding: Finding, status: int, page: Page | None) -> None:
        verdict, detail = judge_form_target(status, page)
        audit.replace(finding, replace(finding, status=verdict, detail=detail))

    def failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        meta = request.meta
        audit = self.audits[meta["institution_id"]]
        audit.errors += 1
        cause = cause_of_failure(failure)
        if cause == "blocked_by_robots" and audit.robots_rule is None:
            audit.robots_rule = self._robots_rule(request)
        if meta.get("home"):
            audit.failure = cause
        elif meta.get("rendered"):
            audit.stop("javascript", request.url)
            _discard(meta.pop("playwright_page", None))
        elif meta.get("sitemap"):
            # No sitemap (404/410): the site is searched through its links alone. A sitemap that
            # failed to answer was a way in that could not be read.
            if not _answered(failure):
                audit.stop("page_failed", request.url)
        elif not is_relevant(meta.get("score", 0), bool(meta.get("guess"))):
            pass  # news, galleries, calendars: not on the way to the documents
        elif cause == "blocked_by_robots":
            audit.stop("blocked_by_robots", request.url)
        elif not _answered(failure):
            audit.stop("page_failed", request.url)
        yield from self._done(audit)

    def _robots_rule(self, request: scrapy.Request) -> str | None:
        parser = self.robots.get(urlsplit(request.url).netloc)
        if parser is None or not hasattr(parser, "rule_for"):
            return None
        return parser.rule_for(request.url, self.settings.get("USER_AGENT"))

    def _sitemaps(self, audit: SiteAudit) -> Iterator[scrapy.Request]:
        """Before concluding that something is absent, read the site's sitemap for more ways in."""
        audit.sitemaps_read = True
        home = audit.context.aliases[0] if audit.context.aliases else audit.context.home_url
        parser = self.robots.get(urlsplit(home).netloc)
        listed = [
            u for u in getattr(parser, "sitemaps", []) if on_site(u, site_hosts(audit.context))
        ]
        for url in (listed or [urljoin(home, "/sitemap.xml")])[:MAX_SITEMAPS]:
            if audit.issued < audit.max_pages:
                audit.issued += 1
                yield self._sitemap_request(audit, url)

    def _sitemap_request(self, audit: SiteAudit, url: str) -> scrapy.Request:
        audit.pending += 1
        meta = {"institution_id": audit.context.institution_id, "sitemap": True, "clicks": 1}
        return scrapy.Request(
            url,
            callback=self.parse_sitemap,
            errback=self.failed,
            meta=meta,
            dont_filter=True,
            priority=-audit.order,
        )

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        audit = self.audits[response.meta["institution_id"]]
        audit.bytes += len(response.body)
        body = response.body
        try:
            if gzip_magic_number(response):  # inflated up to the download cap, never beyond
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            sitemap = Sitemap(body)
        except Exception:  # noqa: BLE001 - any unreadable sitemap is just no way in
            sitemap = None
        hosts = site_hosts(audit.context)
        for entry in sitemap or ():
            url = entry.get("loc", "")
            if not on_site(url, hosts):
                continue
            if sitemap.type == "sitemapindex":
                if audit.issued < audit.max_pages and audit.frontier.add(Lead(url, 0, 1, True)):
                    audit.issued += 1
                    yield self._sitemap_request(audit, url)
            else:
                audit.discover(url, link_score(Link(url)), 1, guess=True)
        yield from self._done(audit)

    def _done(self, audit: SiteAudit) -> Iterator[Any]:
        """Every callback ends here: refill the site's requests (a form confirmation finishing
        frees a place too), read the sitemap before concluding, and finish the site."""
        yield from self._pump(audit)
        if audit.pending == 1 and not audit.sitemaps_read and self._missing(audit):
            yield from self._sitemaps(audit)
        audit.pending -= 1
        if audit.pending == 0:
            del self.audits[audit.context.institution_id]
            self._forget(audit)
            self._handoff()
            yield {"run_id": self.run_id, "audit": audit, "handoff": self.handoff_due}
            if self.room is not None and not self.room.called:
                self.room.callback(None)

    def _handoff(self) -> None:
        """Once every site has started and none in flight is on a shared platform, the lane's next
        part may start beside this process's last sites, whose slowest would otherwise hold the
        lane (crawler.local); the pipeline says so after the record of the next site finished."""
        if self.drained and not any(audit.platform for audit in self.audits.values()):
            self.handoff_due = True

    def _forget(self, audit: SiteAudit) -> None:
        """Drop a finished site's robots.txt parsers, here and in the middleware."""
        netlocs = set()
        for url in (audit.context.home_url, *audit.context.aliases):
            netloc = urlsplit(url).netloc
            netlocs |= {netloc, netloc.removeprefix("www."), f"www.{netloc.removeprefix('www.')}"}
        for netloc in netlocs:
            self.robots.pop(netloc, None)
        self.crawler.signals.send_catch_log(SITE_FINISHED, netlocs=netlocs)

    def _missing(self, audit: SiteAudit) -> bool:
        """Whether the site is about to end with an item not yet found (and budget left)."""
        if audit.failure is not None or audit.issued >= audit.max_pages or audit.exhausted():
            return False
        return any(audit.best(item) is None for item in ITEMS)


def _discard(page: Any) -> None:
    """Close a failed rendering's browser context (it holds one of PLAYWRIGHT_MAX_CONTEXTS)."""
    if page is None:
        return

    async def close() -> None:
        with contextlib.suppress(Exception):
            await page.context.close()

    asyncio.ensure_future(close())


def _answered(failure: Failure) -> bool:
    """A 404/410: the page answered that nothing is there (a broken link, a guessed path)."""
    return isinstance(failure.value, HttpError) and failure.value.response.status in ANSWERED


def _page(response: Response) -> Page:
    """The response decoded for the detectors (header names lower-cased, as they expect)."""
    headers = {
        k.decode().lower(): b", ".join(v).decode("latin-1") for k, v in response.headers.items()
    }
    return build_page(response.url, response.status, headers, response.body)
