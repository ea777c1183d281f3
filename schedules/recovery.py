"""At start after an unclean stop: crawls left ``running`` are closed, regions are re-run."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from publisher.layout import Layout
from publisher.store import Store
from schedules import children

log = logging.getLogger("schedules.recovery")

INTERRUPTED_NOTE = (
    "interrupted: the service stopped during this crawl; observations stored before "
    "are kept and the run is resumed for the sites it has not stored"
)


def close_dead_crawls(data_dir: Path) -> list[str]:
    """Mark ``interrupted`` each crawl left ``running`` whose process is gone (stop orphans)."""
    running = children.crawl_processes()
    closed = []
    with Store(Layout(Path(data_dir)).store) as store:
        for row in store.rows("crawls", "status = 'running'"):
            mine = [p for p in running if p.run_id == row["run_id"]]
            if any(not children.orphaned(p) for p in mine):
                continue  # a `nokwatch crawl` command is still at work
            if mine:
                log.warning(
                    "stopping orphaned crawl",
                    extra={"run_id": row["run_id"], "pids": [p.pid for p in mine]},
                )
                children.terminate([p.pid for p in mine])
            store.finish_crawl(row["run_id"], "interrupted", INTERRUPTED_NOTE)
            closed.append(row["run_id"])
    return closed


def regions_to_rerun(data_dir: Path, regions: Iterable[str]) -> list[str]:
    """Regions whose latest crawl was interrupted (and not yet crawled again)."""
    with Store(Layout(Path(data_dir)).store) as store:
        return [
            region
            for region in regions
            if (store.latest_crawl(region) or {}).get("status") == "interrupted"
        ]
