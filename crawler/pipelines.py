"""Pipelines: store what a finished site audit concluded, with its evidence, one site at a time."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler

from crawler.evidence import EvidenceStore
from crawler.results import RunWriter, emit, emit_handoff, site_record
from publisher.layout import Layout
from publisher.store import Store


class StorePipeline:
    """Hands each site's record on as soon as its audit ends, so an interrupted crawl keeps it.

    The record is stored here (a crawl process of its own) or, with ``NOKWATCH_EMIT``, printed for
    the one writer of the run (``crawler.results``): N local crawl processes, or Celery workers.
    """

    def __init__(self, data_dir: Path, run_id: str = "", emit: bool = False, evidence: str = ""):
        self.data_dir = data_dir
        self.run_id = run_id
        self.emit = emit
        self.evidence = EvidenceStore(data_dir, evidence)
        self.store: Store | None = None
        self.writer: RunWriter | None = None
        self.handed = False  # HANDOFF printed (crawler.local)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        settings = crawler.settings
        return cls(
            Path(settings.get("NOKWATCH_DATA_DIR")),
            settings.get("NOKWATCH_RUN_ID", ""),
            settings.getbool("NOKWATCH_EMIT"),
            settings.get("NOKWATCH_EVIDENCE_URL"),
        )

    def open_spider(self, spider: Any = None) -> None:
        if not self.emit:
            self.store = Store(Layout(self.data_dir).store)
            self.writer = RunWriter(self.store, self.run_id)

    def close_spider(self, spider: Any = None) -> None:
        if self.store is not None:
            self.store.close()

    def process_item(self, item: dict, spider: Any = None) -> dict:
        record = site_record(item["run_id"], item["audit"], self.evidence)
        if self.writer is not None:
            self.writer.add([record])
        else:
            emit(record, sys.stdout)
            if item.get("handoff") and not self.handed:
                self.handed = True  # every site started, none of a platform in flight
                emit_handoff(sys.stdout)
        return {
            "institution_id": record["institution_id"],
            "statuses": [r["status"] for r in record["rows"]],
            "checks": [(r["item"], r["status"], r.get("error")) for r in record["rows"]],
        }
