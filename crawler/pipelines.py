"""Pipelines: store what a finished site audit concluded, with its evidence, one site at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler

from crawler.audit import Observation, SiteAudit
from crawler.detectors import DETECTOR_VERSION
from crawler.evidence import store_evidence
from publisher.layout import Layout
from publisher.store import Store, utc_now


def observation_row(
    run_id: str, checked_at: str, obs: Observation, evidence_path: str | None
) -> dict:
    """An ``observations`` row (datapackages/schemas/observations.json) for one observation."""
    finding, evidence, coverage = obs.finding, obs.evidence, obs.coverage
    declared = finding.declared_date.isoformat() if finding and finding.declared_date else None
    return {
        "run_id": run_id,
        "institution_id": obs.institution_id,
        "item": obs.item,
        "status": obs.status,
        "url": obs.url,
        "declared_date": declared,
        "checked_at": checked_at,
        "error": obs.error or (finding.detail if finding and obs.status == "broken" else None),
        "http_status": evidence.http_status if evidence else None,
        "sha256": evidence.sha256 if evidence else None,
        "matched_text": finding.matched_text[:500] if finding else None,
        "last_modified": evidence.last_modified if evidence else None,
        "evidence": evidence_path,
        "detector_version": DETECTOR_VERSION,
        "pages_fetched": coverage.pages_fetched if coverage else None,
        "pages_rendered": coverage.pages_rendered if coverage else None,
        "links_unfetched": coverage.links_unfetched if coverage else None,
        "search_end": coverage.search_end if coverage else None,
        "moved_to": coverage.moved_to if coverage else None,
    }


class StorePipeline:
    """Writes each site's observations as soon as its audit ends, so an interrupted crawl keeps them."""

    def __init__(self, data_dir: Path, run_id: str = "") -> None:
        self.data_dir = data_dir
        self.run_id = run_id
        self.store: Store | None = None
        self.counts = dict.fromkeys(
            (
                "sites",
                "sites_unreachable",
                "sites_incomplete",
                "pages",
                "pages_rendered",
                "links_unfetched",
                "errors",
            ),
            0,
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        settings = crawler.settings
        return cls(Path(settings.get("NOKWATCH_DATA_DIR")), settings.get("NOKWATCH_RUN_ID", ""))

    def open_spider(self, spider: Any = None) -> None:
        self.store = Store(Layout(self.data_dir).store)
        # A resumed run carries on counting from what its interrupted part stored.
        for row in self.store.rows("crawls", "run_id = ?", [self.run_id]):
            self.counts = {name: row[name] or 0 for name in self.counts}

    def close_spider(self, spider: Any = None) -> None:
        if self.store is not None:
            self.store.close()

    def process_item(self, item: dict, spider: Any = None) -> dict:
        audit: SiteAudit = item["audit"]
        checked_at = utc_now()
        rows = []
        for obs in audit.result():
            path = None
            if obs.evidence is not None:
                ev = obs.evidence
                path = store_evidence(self.data_dir, ev.sha256, ev.body, ev.content_type)
            rows.append(observation_row(item["run_id"], checked_at, obs, path))
        assert self.store is not None
        self.store.add_observations(rows)
        self._count(item["run_id"], audit)
        return {
            "institution_id": audit.context.institution_id,
            "statuses": [r["status"] for r in rows],
            "checks": [(r["item"], r["status"], r.get("error")) for r in rows],
        }

    def _count(self, run_id: str, audit: SiteAudit) -> None:
        self.counts["sites"] += 1
        self.counts["sites_unreachable"] += audit.failure is not None
        self.counts["sites_incomplete"] += audit.search_end() not in (
            "complete",
            "site_unreachable",
        )
        self.counts["pages"] += audit.pages
        self.counts["pages_rendered"] += audit.rendered
        self.counts["links_unfetched"] += audit.coverage().links_unfetched
        self.counts["errors"] += audit.errors
        assert self.store is not None
        self.store.update_crawl(run_id, **self.counts)
