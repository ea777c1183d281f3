"""``nokwatch service``: APScheduler with a persistent job store, a lock, recovery and Datasette.

Start: take the data directory's lock; close job runs and crawls a killed service left open (and
stop its orphaned crawl); put the configured jobs in the job store; queue a re-run of every region
whose latest crawl was interrupted. Run until SIGTERM/SIGINT: stop scheduling, stop the crawl
children gracefully, wait for the jobs, stop Datasette, release the lock.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import Engine

from schedules import children, jobs, recovery
from schedules.config import JobSpec, Schedule
from schedules.history import History, scheduler_engine
from schedules.lock import ServiceLock
from schedules.logs import setup_logging
from schedules.runs import RunRecorder
from schedules.serving import Datasette

log = logging.getLogger("schedules.service")
TICK = 1.0  # seconds between Datasette checks
WORKERS = 4  # crawls of several regions may overlap; publish and deadlines are short

if TYPE_CHECKING:
    from nokwatch.workspace import Workspace


class Scheduler(BackgroundScheduler):
    """A BackgroundScheduler that submits nothing once it is shut down."""

    def _process_jobs(self) -> float | None:
        # APScheduler 3.x wakes its thread once more after shutdown() and hands due jobs to the
        # closed executor, which drops one-off jobs and advances cron ones (apscheduler#285): a
        # retry falling due while the service stops would be lost.
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()


def add_job(
    scheduler: BackgroundScheduler, spec: JobSpec, job_id: str, trigger: BaseTrigger
) -> None:
    """Add (or replace) one job with the options every nokwatch job has."""
    scheduler.add_job(
        spec.func,
        trigger=trigger,
        id=job_id,
        name=job_id,
        kwargs=spec.kwargs,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=spec.misfire_grace_time,
    )


def sync_jobs(scheduler: BackgroundScheduler, schedule: Schedule) -> None:
    """Make the job store hold exactly the configured jobs (plus their pending retries/re-runs).

    A stored job whose schedule is unchanged is kept as it is: replacing it would recompute its
    next run from now and silently drop a run missed while the service was down.
    """
    configured = {spec.id: spec for spec in schedule.jobs}
    for job in scheduler.get_jobs():
        if job.id.split("~")[0] not in configured:
            log.info("removing job no longer in the schedule files", extra={"job": job.id})
            job.remove()
    for spec in schedule.jobs:
        stored = scheduler.get_job(spec.id)
        trigger = spec.trigger()
        if stored is not None and _same(stored, spec, trigger):
            continue
        add_job(scheduler, spec, spec.id, trigger)


def _same(job: object, spec: JobSpec, trigger: BaseTrigger) -> bool:
    return (
        job.func_ref == spec.func
        and job.kwargs == spec.kwargs  # type: ignore[attr-defined]
        and str(job.trigger) == str(trigger)  # type: ignore[attr-defined]
        and job.misfire_grace_time == spec.misfire_grace_time
    )  # type: ignore[attr-defined]


class Service:
    """The scheduler, its job store and history, and Datasette, for one data directory."""

    def __init__(
        self,
        workspace: Workspace,
        schedule: Schedule,
        host: str = "127.0.0.1",
        port: int = 8001,
        serve: bool = True,
        run_now: tuple[str, ...] = (),
    ) -> None:
        self.workspace = workspace
        self.data_dir = workspace.path
        self.schedule = schedule
        jobs.attach(workspace)
        self.run_now = run_now
        self.lock = ServiceLock(self.data_dir)
        self.stop_requested = threading.Event()
        self.stopped_by = ""
        self.datasette = Datasette(self.data_dir, host, port) if serve else None
        self.scheduler: BackgroundScheduler | None = None
        self.recorder: RunRecorder | None = None

    def run(self) -> None:
        """Run until SIGTERM or SIGINT; ServiceLocked when another service has the directory."""
        self.lock.acquire()
        try:
            setup_logging(self.data_dir)
            self._install_signals()
            self._start()
            while not self.stop_requested.wait(TICK):
                if self.datasette is not None:
                    self.datasette.check()
            self._stop()
        finally:
            self.lock.release()

    def _install_signals(self) -> None:
        # The handler only sets an event: logging from a signal handler can deadlock on the
        # logging lock the interrupted code may hold.
        def request_stop(signum: int, _frame: object) -> None:
            self.stopped_by = signal.Signals(signum).name
            self.stop_requested.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)

    def _start(self) -> None:
        engine = scheduler_engine(self.data_dir)
        history = History(engine)
        closed = history.interrupt_running("the service stopped while this job ran")
        dead = recovery.close_dead_crawls(self.data_dir)
        log.info(
            "service starting",
            extra={
                "pid": os.getpid(),
                "data_dir": str(self.data_dir),
                "schedules": str(self.schedule.directory),
                "runs_closed": closed,
                "crawls_interrupted": dead,
            },
        )
        self.scheduler = self._scheduler(engine, history)
        self.scheduler.start(paused=True)
        sync_jobs(self.scheduler, self.schedule)
        self._queue_once()
        self.scheduler.resume()
        for job in self.scheduler.get_jobs():
            log.info("job scheduled", extra={"job": job.id, "next_run": str(job.next_run_time)})

    def _scheduler(self, engine: Engine, history: History) -> Scheduler:
        """The scheduler over the persistent job store, its runs recorded and retried."""
        scheduler = Scheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=engine)},
            executors={"default": ThreadPoolExecutor(WORKERS)},
            timezone=UTC,
        )
        self.recorder = RunRecorder(history, scheduler, self.schedule)
        scheduler.add_listener(
            self.recorder.on_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED
        )
        scheduler.add_listener(self.recorder.on_submitted, EVENT_JOB_SUBMITTED)
        return scheduler

    def _queue_once(self) -> None:
        """Queue re-runs of interrupted crawls and the jobs asked for with ``--run-now``."""
        assert self.scheduler is not None
        soon = DateTrigger(datetime.now(UTC) + timedelta(seconds=1))
        for region in recovery.regions_to_rerun(self.data_dir, self.schedule.regions):
            spec = self.schedule.job(f"crawl:{region}")
            log.info("re-running interrupted crawl", extra={"job": spec.id})
            add_job(self.scheduler, spec, f"{spec.id}~rerun", soon)
        for job_id in self.run_now:
            add_job(self.scheduler, self.schedule.job(job_id), f"{job_id}~now", soon)

    def _stop(self) -> None:
        assert self.scheduler is not None
        log.info("stopping: no new jobs, stopping crawls", extra={"signal": self.stopped_by})
        jobs.STOPPING.set()
        self.scheduler.pause()
        mine = [p.pid for p in children.crawl_processes() if p.ppid == os.getpid()]
        children.terminate(mine)
        self.scheduler.shutdown(wait=True)
        if self.datasette is not None:
            self.datasette.stop()
        log.info("service stopped")
