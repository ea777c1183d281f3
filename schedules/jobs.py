"""The job functions the scheduler runs, by textual reference (``"schedules.jobs:crawl_region"``).

Each is a module-level callable of plain, picklable arguments, so APScheduler's SQLAlchemy job
store can keep it across restarts; each runs the same step as the CLI command of the same name
and returns a one-line summary for the job history.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from apscheduler.util import ref_to_obj

from nokwatch import datadir
from nokwatch.steps import Echo, crawl_step, deadline_step, publish_step
from publisher.errors import JobFailed, JobInterrupted
from publisher.layout import Layout
from publisher.store import Store

log = logging.getLogger("schedules.jobs")

# Set by the service when it is asked to stop: a crawl that ends now was interrupted, not failed.
STOPPING = threading.Event()
SKIPPED = "skipped: "


def _echo(job_id: str) -> Echo:
    return lambda text: log.info(text.strip(), extra={"job": job_id})


@contextlib.contextmanager
def _store(data_dir: str) -> Iterator[Store]:
    opened = datadir.open_store(Path(data_dir))
    try:
        yield opened.store
    finally:
        opened.store.close()


def sync_registry(data_dir: str, source: str | None = None) -> str:
    """Follow the bus.gov.ru register from the configured source; skipped when none is set."""
    if not source:
        return SKIPPED + "no sync_source in the national schedule"
    from publisher.registry.busgov.sync import sync_registry as sync

    with _store(data_dir) as store:
        report = sync(store, source)
    return report.summary()


def crawl_region(data_dir: str, region: str, demo: bool = False) -> str:
    """Crawl one region's sites in a child process; a failed crawl raises JobFailed."""
    job_id = f"crawl:{region}"
    with Store(Layout(Path(data_dir)).store) as store:
        latest = store.latest_crawl(region)
    # An interrupted run is finished rather than started over: its stored sites are kept.
    resume = latest["run_id"] if latest and latest["status"] == "interrupted" else None
    summary = crawl_step(Path(data_dir), (region,), (), demo, _echo(job_id), resume=resume)
    if summary.status != "finished" and STOPPING.is_set():
        with Store(Layout(Path(data_dir)).store) as store:
            store.finish_crawl(
                summary.run_id,
                "interrupted",
                "the service stopped during this crawl; it is re-run at the next start",
            )
        raise JobInterrupted(f"crawl {summary.run_id} interrupted by the service stopping")
    if summary.status != "finished":
        raise JobFailed(
            f"crawl {summary.run_id} {summary.status}: {summary.sites} sites done "
            f"(see the crawls table and crawl-jobs/{summary.run_id}/crawl.log)"
        )
    return (
        f"crawl {summary.run_id}: {summary.sites} sites ({summary.sites_unreachable} "
        f"unreachable), {summary.pages} pages, {summary.errors} errors"
    )


def compute_deadlines(data_dir: str) -> str:
    """Compute every obligation's due date and verdict as of today."""
    with _store(data_dir) as store:
        count = deadline_step(store, date.today(), _echo("deadlines"))
    return f"{count} verdicts"


def publish_release(data_dir: str, keep: int | None = None) -> str:
    """Publish a new release (atomic: a kill leaves the previous one intact); keep the newest."""
    with _store(data_dir) as store:
        publication = publish_step(store, Path(data_dir), None, _echo("publish"), keep=keep)
    rows = sum(publication.rows.values())
    return f"release {publication.version} ({publication.bump}) at {publication.out}: {rows} rows"


def call(func_ref: str, kwargs: dict) -> str:
    """Run a job function given by textual reference, as the scheduler would."""
    return str(ref_to_obj(func_ref)(**kwargs))
