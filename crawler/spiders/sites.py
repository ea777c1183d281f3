"""The site audit spider: visits every registry website, routes pages to the detectors.

It only fetches and routes. What a page means is the detectors' business (``crawler.detectors``),
what a site's audit concludes is ``crawler.audit``'s, and storing it is the pipeline's.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from crawler.audit import SiteAudit
from crawler.detectors import detect_all
from crawler.detectors.links import platform_paths, rank_links, same_site
from crawler.detectors.survey import judge_form_target
from crawler.documents import build_page
from crawler.failures import cause_of_failure
from crawler.items import Finding, Page, SiteContext
from crawler.tlsprobe import ProbeError, certificate_status

START_PRIORITY = 10  # above every page found by following links (their priority is -depth)


class SitesSpider(scrapy.Spider):
    """Audits each institution's site for the improvement plan, survey form and bus.gov.ru link."""

    name = "sites"

    def __init__(self, institutions: str = "", run_id: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.institutions = json.loads(Path(institutions).read_text(encoding="utf-8"))
        self.run_id = run_id
        self.audits: dict[str, SiteAudit] = {}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for row in self.institutions:
            assessed = row.get("assessment_date")
            context = SiteContext(
                row["id"],
                row["website"],
                row.get("bus_gov_id") or None,
                date.fromisoformat(assessed) if assessed else None,
            )
            audit = self.audits[row["id"]] = self._audit(context)
            audit.claim(row["website"])
            yield self._request(audit, row["website"], depth=0, home=True)
            for url in row.get("start_urls", ()):  # a re-check's address: read it first
                if audit.claim(url):
                    yield self._request(audit, url, depth=1, priority=START_PRIORITY)

    def _audit(self, context: SiteContext) -> SiteAudit:
        get = self.settings
        return SiteAudit(
            context,
            max_pages=get.getint("NOKWATCH_MAX_PAGES_PER_SITE"),
            max_bytes=get.getint("NOKWATCH_MAX_BYTES_PER_SITE"),
            max_seconds=get.getfloat("NOKWATCH_MAX_SECONDS_PER_SITE"),
        )

    def _request(
        self,
        audit: SiteAudit,
        url: str,
        depth: int,
        home: bool = False,
        priority: int | None = None,
    ) -> scrapy.Request:
        audit.pending += 1
        meta = {"institution_id": audit.context.institution_id, "depth": depth, "home": home}
        return scrapy.Request(
            url,
            callback=self.parse_home if home else self.parse_page,
            errback=self.failed,
            meta=meta,
            dont_filter=True,
            priority=-depth if priority is None else priority,
        )

    async def parse_home(self, response: Response) -> AsyncIterator[Any]:
        """The home page: judge the TLS certificate the site presents, then read it like any page."""
        audit = self.audits[response.meta["institution_id"]]
        audit.tls = await self._certificate(audit.context.home_url, response.url)
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
        audit.bytes += len(response.body)
        page = _page(response)
        if page.text.strip():
            # a scan or an unreadable file leaves its link's words as the only evidence
            audit.read(response.request.url, response.url)
        findings = detect_all(page, audit.context)
        audit.offer(findings, page)
        for finding in findings:
            for target in finding.follow:
                yield self._confirm(audit, finding, target)
        depth = response.meta["depth"]
        if page.is_html and depth < self.settings.getint("NOKWATCH_MAX_DEPTH"):
            yield from self._follow(audit, page, depth, response.meta["home"])
        yield from self._done(audit)

    def _follow(
        self, audit: SiteAudit, page: Page, depth: int, home: bool
    ) -> Iterator[scrapy.Request]:
        home_url = audit.context.home_url
        urls = [
            link.url for link, _ in rank_links(page, audit.context) if same_site(link.url, home_url)
        ]
        if home:
            urls = platform_paths(home_url, page.html) + urls
        for url in urls:
            if audit.claim(url):
                yield self._request(audit, url, depth + 1)

    def _confirm(self, audit: SiteAudit, finding: Finding, target: str) -> scrapy.Request:
        audit.pending += 1
        meta = {"institution_id": audit.context.institution_id, "finding": finding}
        return scrapy.Request(
            target,
            callback=self.confirmed,
            errback=self.confirm_failed,
            meta=meta,
            dont_filter=True,
            priority=1,
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
        audit = self.audits[request.meta["institution_id"]]
        audit.errors += 1
        if request.meta.get("home"):
            audit.failure = cause_of_failure(failure)
        yield from self._done(audit)

    def _done(self, audit: SiteAudit) -> Iterator[dict]:
        audit.pending -= 1
        if audit.pending == 0:
            del self.audits[audit.context.institution_id]
            yield {"run_id": self.run_id, "audit": audit}


def _page(response: Response) -> Page:
    """The response decoded for the detectors (header names lower-cased, as they expect)."""
    headers = {
        k.decode().lower(): b", ".join(v).decode("latin-1") for k, v in response.headers.items()
    }
    return build_page(response.url, response.status, headers, response.body)
