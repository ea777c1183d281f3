"""The job functions the scheduler runs, by textual reference (``"schedules.jobs:crawl_region"``).

Each is a module-level callable of plain, picklable arguments, so APScheduler's SQLAlchemy job
store can keep it across restarts. The arguments name the data directory; the job runs on the
Workspace the service (or ``nokwatch jobs run``) attached for it, and returns a one-line summary
for the job history. The scheduler never imports the CLI nor the Workspace's module: it receives
the Workspace.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from apscheduler.util import ref_to_obj

from publisher.errors import JobFailed, JobInterrupted, ScheduleError
from publisher.layout import Layout
from publisher.store import Store

if TYPE_CHECKING:
    from nokwatch.workspace import Workspace

log = logging.getLogger("schedules.jobs")

# Set by the service when it is asked to stop: a crawl that ends now was interrupted, not failed.
STOPPING = threading.Event()
SKIPPED = "skipped: "
_ATTACHED: dict[Path, Workspace] = {}


def attach(workspace: Workspace) -> None:
    """Run the jobs of ``workspace``'s data directory on it."""
    _ATTACHED[Path(workspace.path)] = workspace


def _workspace(data_dir: str, job_id: str) -> Workspace:
    try:
        workspace = _ATTACHED[Layout.resolve(data_dir).root]
    except KeyError:
        raise ScheduleError(
            f"нет рабочего каталога для {data_dir} (no workspace attached): "
            "jobs run inside `nokwatch service` or `nokwatch jobs run`"
        ) from None
    return workspace.with_echo(_echo(job_id))


def _echo(job_id: str) -> Callable[[str], None]:
    return lambda text: log.info(text.strip(), extra={"job": job_id})


def sync_registry(data_dir: str, source: str | None = None) -> str:
    """Follow the bus.gov.ru register from the configured source; skipped when none is set."""
    if not source:
        return SKIPPED + "no sync_source in the national schedule"
    report = _workspace(data_dir, "sync").registry.sync(source)
    return report.summary()


def crawl_region(
    data_dir: str,
    region: str,
    demo: bool = False,
    broker: str | None = None,
    processes: int | None = None,
) -> str:
    """Crawl one region's sites (crawl processes here, or workers on ``broker``); a failed crawl
    raises JobFailed."""
    workspace = _workspace(data_dir, f"crawl:{region}")
    with Store(workspace.layout.store) as store:
        latest = store.latest_crawl(region)
    # An interrupted run is finished rather than started over: its stored sites are kept.
    resume = latest["run_id"] if latest and latest["status"] == "interrupted" else None
    summary = workspace.crawl(
        (region,), demo=demo, resume=resume, processes=processes, broker=broker
    )
    if summary.status != "finished" and STOPPING.is_set():
        with Store(workspace.layout.store) as store:
            store.finish_crawl(
                summary.run_id,
                "interrupted",
                "the service stopped during this crawl; it is re-run at the next start",
            )
        raise JobInterrupted(
            f"обход {summary.run_id} прерван остановкой службы (crawl interrupted by the service stopping)"
        )
    if summary.status != "finished":
        raise JobFailed(
            f"обход {summary.run_id}: {summary.status} (crawl {summary.status}): {summary.sites} "
            f"sites done (see the crawls table and the logs in "
            f"{workspace.layout.crawl_job(summary.run_id)})"
        )
    return (
        f"crawl {summary.run_id}: {summary.sites} sites ({summary.sites_unreachable} "
        f"unreachable), {summary.pages} pages, {summary.errors} errors"
    )


def compute_deadlines(data_dir: str) -> str:
    """Compute every obligation's due date and verdict as of today."""
    count = _workspace(data_dir, "deadlines").deadlines(date.today())
    return f"{count} verdicts"


def publish_release(data_dir: str, keep: int | None = None) -> str:
    """Publish a new release (atomic: a kill leaves the previous one intact); keep the newest."""
    publication = _workspace(data_dir, "publish").publish(keep=keep)
    rows = sum(publication.rows.values())
    return f"release {publication.version} ({publication.bump}) at {publication.out}: {rows} rows"


def call(func_ref: str, kwargs: dict) -> str:
    """Run a job function given by textual reference, as the scheduler would."""
    return str(ref_to_obj(func_ref)(**kwargs))
