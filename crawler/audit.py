"""One site's audit in progress: the pages fetched, what detectors found, and the final result.

Pure bookkeeping, no I/O: the spider feeds it, the pipeline stores what ``result()`` returns.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from crawler.detectors import finding_rank
from crawler.items import ITEMS, Finding, Page, SiteContext

TLS_ITEM = "tls_certificate"


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
    errors: int = 0
    bytes: int = 0
    started: float = field(default_factory=time.monotonic)
    tls: str | None = None  # the certificate's state, when the site was reached over https (or not)
    seen_urls: set[str] = field(default_factory=set)
    failure: str | None = None  # typed cause when the home page could not be fetched
    fetched: set[str] = field(default_factory=set)  # URLs whose content the detectors have read
    candidates: dict[str, list[tuple[Finding, Evidence]]] = field(default_factory=dict)

    def claim(self, url: str) -> bool:
        """True the first time a URL is seen within the site's budget (then it may be fetched)."""
        if url in self.seen_urls or len(self.seen_urls) >= self.max_pages or self.exhausted():
            return False
        self.seen_urls.add(url)
        return True

    def exhausted(self) -> bool:
        """True once the site has used its bytes or wall-clock budget: fetch nothing more."""
        return self.bytes >= self.max_bytes or time.monotonic() - self.started >= self.max_seconds

    def read(self, *urls: str) -> None:
        """Note that the detectors have read these URLs' content (request and final URL)."""
        self.fetched.update(urls)

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
        """The strongest candidate; a link's text no longer counts once its target has been read."""
        usable = [
            c
            for c in self.candidates.get(item, [])
            if not (c[0].detail == "link_text" and c[0].url in self.fetched)
        ]
        if not usable:
            return None
        return max(usable, key=lambda candidate: finding_rank(candidate[0]))

    def result(self) -> list[Observation]:
        """One observation per item: what was found, not found, or why the site was not checked."""
        iid = self.context.institution_id
        if self.failure is not None:
            status = (
                "blocked_by_robots" if self.failure == "blocked_by_robots" else "site_unreachable"
            )
            return [
                Observation(iid, item, status, self.context.home_url, self.failure)
                for item in ITEMS
            ]
        observations = []
        if self.tls is not None:
            observations.append(Observation(iid, TLS_ITEM, self.tls, self.context.home_url))
        for item in ITEMS:
            chosen = self.best(item)
            if chosen is None:
                observations.append(Observation(iid, item, "not_found", self.context.home_url))
            else:
                finding, evidence = chosen
                observations.append(
                    Observation(iid, item, finding.status, finding.url, None, finding, evidence)
                )
        return observations
