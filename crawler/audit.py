"""One site's audit in progress: the pages fetched, what detectors found, and the final result.

Pure bookkeeping, no I/O: the spider feeds it, the pipeline stores what ``result()`` returns.

An item is ``not_found`` only when the search was complete: every link that could lead to it was
fetched within budget and every page on the way answered. Otherwise it is ``incomplete`` with the
reason the search ended (``SEARCH_ENDS``), or ``blocked_by_robots`` with the rule that closed it.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from crawler.detectors import finding_rank
from crawler.frontier import Frontier, Lead
from crawler.items import ITEMS, Finding, Page, SiteContext

TLS_ITEM = "tls_certificate"
# Why a site's search ended, as published in observations.search_end: complete, or what stopped it
# (in the order they are reported when several did).
SEARCH_ENDS = (
    "complete",
    "blocked_by_robots",
    "page_failed",
    "javascript",
    "budget_pages",
    "budget_bytes",
    "budget_time",
    "budget_depth",
    "site_unreachable",
)


@dataclass(frozen=True)
class Coverage:
    """How thorough one site's search was: published with each of its observations."""

    pages_fetched: int
    pages_rendered: int
    links_unfetched: int
    search_end: str
    moved_to: str | None = None


@dataclass(frozen=True)
class Evidence:
    """The fetched document a finding rests on."""

    url: str
    http_status: int
    sha256: str
    body: bytes
    content_type: str
    last_modified: str | None = None


@dataclass(frozen=True)
class Observation:
    """The audit's verdict on one item, ready to be stored."""

    institution_id: str
    item: str
    status: str
    url: str = ""
    error: str | None = None
    finding: Finding | None = None
    evidence: Evidence | None = None
    coverage: Coverage | None = None


def evidence_of(page: Page) -> Evidence:
    """The evidence record of a fetched page."""
    return Evidence(
        page.url,
        page.status,
        hashlib.sha256(page.body).hexdigest(),
        page.body,
        page.content_type,
        page.headers.get("last-modified"),
    )


@dataclass
class SiteAudit:
    """Everything the crawl learns about one site, until it is finished."""

    context: SiteContext
    max_pages: int  # the budgets: crawler.settings NOKWATCH_MAX_*_PER_SITE
    max_bytes: int
    max_seconds: float
    pending: int = 0
    pages: int = 0
    rendered: int = 0
    issued: int = 0  # page requests sent (the page budget counts these)
    errors: int = 0
    bytes: int = 0
    started: float = field(default_factory=time.monotonic)
    tls: str | None = None  # the certificate's state, when the site was reached over https (or not)
    failure: str | None = None  # typed cause when the home page could not be fetched
    robots_rule: str | None = None  # the robots.txt rule that closed the home page or a section
    moved_to: str | None = None  # where the registry address now leads, when another site
    frontier: Frontier = field(default_factory=Frontier)
    fetched: set[str] = field(default_factory=set)  # URLs whose content the detectors have read
    answered: set[str] = field(default_factory=set)  # URLs that answered with a document
    stops: dict[str, str] = field(default_factory=dict)  # search end → the first URL it hit
    beyond_depth: int = 0  # links seen on the deepest pages, never queued
    order: int = 0  # the site's place in the run: earlier sites' pages go first
    platform: str = ""  # the shared hosting platform it lives on (crawler.shards.platform_of)
    sitemaps_read: bool = False
    candidates: dict[str, list[tuple[Finding, Evidence]]] = field(default_factory=dict)

    def discover(self, url: str, score: float, depth: int, guess: bool = False) -> bool:
        """Queue a link for fetching (once per URL); True if it is new."""
        return self.frontier.add(Lead(url, score, depth, guess))

    def next_lead(self) -> Lead | None:
        """The most promising link to fetch next, or None when none is left or the budget is spent."""
        if not len(self.frontier) or self.issued >= self.max_pages or self.exhausted():
            return None
        self.issued += 1
        return self.frontier.pop()

    def exhausted(self) -> bool:
        """True once the site has used its bytes or wall-clock budget: fetch nothing more."""
        return self.bytes >= self.max_bytes or self.overtime()

    def overtime(self) -> bool:
        return time.monotonic() - self.started >= self.max_seconds

    def stop(self, reason: str, url: str) -> None:
        """Note something that keeps the search from being complete (a failed page, a shell)."""
        self.stops.setdefault(reason, url)

    def read(self, *urls: str) -> None:
        """Note that the detectors have read these URLs' content (request and final URL)."""
        self.fetched.update(urls)

    def answer(self, *urls: str) -> None:
        """Note that these URLs answered with a document (read or not: a scan has no text)."""
        self.answered.update(urls)

    def offer(self, findings: list[Finding], page: Page) -> None:
        """Keep candidate findings with the page they were found on (hashed once per page)."""
        if not findings:
            return
        evidence = evidence_of(page)
        for finding in findings:
            self.candidates.setdefault(finding.item, []).append((finding, evidence))

    def replace(self, old: Finding, new: Finding) -> None:
        """Swap a candidate for its confirmed verdict (a form whose target was checked)."""
        candidates = self.candidates.get(old.item, [])
        for index, (finding, evidence) in enumerate(candidates):
            if finding == old:
                candidates[index] = (new, evidence)

    def best(self, item: str) -> tuple[Finding, Evidence] | None:
        """The strongest candidate. A link's text counts only once its target answered without
        readable text (a scan): a finding never rests on a URL that was not fetched."""
        usable = [
            c
            for c in self.candidates.get(item, [])
            if c[0].detail != "link_text"
            or (c[0].url in self.answered and c[0].url not in self.fetched)
        ]
        if not usable:
            return None
        return max(usable, key=lambda candidate: finding_rank(candidate[0]))

    def search_end(self) -> str:
        """Why the search ended: ``complete``, or the first of SEARCH_ENDS that stopped it."""
        if self.failure is not None:
            return (
                "blocked_by_robots" if self.failure == "blocked_by_robots" else "site_unreachable"
            )
        ends = set(self.stops)
        if self.frontier.relevant():
            if self.bytes >= self.max_bytes:
                ends.add("budget_bytes")
            elif self.overtime():
                ends.add("budget_time")
            else:
                ends.add("budget_pages")
        return next((end for end in SEARCH_ENDS[1:] if end in ends), "complete")

    def coverage(self) -> Coverage:
        return Coverage(
            self.pages,
            self.rendered,
            len(self.frontier) + self.beyond_depth,
            self.search_end(),
            self.moved_to,
        )

    def result(self) -> list[Observation]:
        """One observation per item: what was found, not found, or why the search could not say."""
        iid, home = self.context.institution_id, self.context.home_url
        coverage = self.coverage()
        if self.failure is not None:
            status = (
                "blocked_by_robots" if self.failure == "blocked_by_robots" else "site_unreachable"
            )
            error = (self.robots_rule or self.failure) if status == "blocked_by_robots" else None
            return [
                Observation(iid, item, status, home, error or self.failure, coverage=coverage)
                for item in ITEMS
            ]
        observations = []
        if self.tls is not None:
            observations.append(Observation(iid, TLS_ITEM, self.tls, home, coverage=coverage))
        end = coverage.search_end
        for item in ITEMS:
            chosen = self.best(item)
            if chosen is not None and (chosen[0].status != "not_found" or end == "complete"):
                finding, evidence = chosen
                observations.append(
                    Observation(
                        iid, item, finding.status, finding.url, None, finding, evidence, coverage
                    )
                )
            elif end == "complete":
                observations.append(Observation(iid, item, "not_found", home, coverage=coverage))
            elif end == "blocked_by_robots":
                url, rule = self.stops[end], self.robots_rule
                observations.append(
                    Observation(iid, item, end, url, rule or end, coverage=coverage)
                )
            else:
                url = self.stops.get(end, home)
                observations.append(
                    Observation(iid, item, "incomplete", url, end, coverage=coverage)
                )
        return observations
