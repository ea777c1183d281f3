"""Recording job runs from scheduler events, and retrying failed jobs with back-off.

A failed run is tried again as a one-off job ``<id>~retry`` after ``retry_minutes[n]`` (1, 5, 15 by
default) for its n-th failure in a row; after the last one the job waits for its next scheduled run.
Retries live in the persistent job store, so a pending retry survives a restart.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent, JobSubmissionEvent
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.date import DateTrigger

from publisher.errors import JobInterrupted
from schedules.config import Schedule
from schedules.history import History
from schedules.jobs import SKIPPED

log = logging.getLogger("schedules.runs")


def base_id(job_id: str) -> str:
    """The configured job a one-off retry or re-run belongs to."""
    return job_id.split("~")[0]


def trigger_kind(job_id: str) -> str:
    """schedule, retry or rerun, from the job id's suffix."""
    return job_id.split("~")[1] if "~" in job_id else "schedule"


def outcome_of(retval: object) -> str:
    return "skipped" if str(retval).startswith(SKIPPED) else "ok"


class RunRecorder:
    """Scheduler listener: a ``job_runs`` row per run, a retry per failure."""

    def __init__(self, history: History, scheduler: BaseScheduler, schedule: Schedule) -> None:
        self.history, self.scheduler, self.schedule = history, scheduler, schedule
        self.rows: dict[str, int] = {}
        self.early: set[str] = set()
        # The submission event is dispatched after the job is handed to a worker, so a quick job
        # can finish first; the lock and ``early`` keep one row per run either way.
        self.guard = threading.Lock()

    def on_submitted(self, event: JobSubmissionEvent) -> None:
        with self.guard:
            if event.job_id in self.early:
                self.early.discard(event.job_id)
                return
            self.rows[event.job_id] = self.history.start(
                base_id(event.job_id), trigger_kind(event.job_id)
            )
        log.info("job started", extra={"job": event.job_id})

    def on_event(self, event: JobExecutionEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            log.warning(
                "job run missed (beyond its misfire grace)",
                extra={"job": event.job_id, "scheduled": str(event.scheduled_run_time)},
            )
            return
        with self.guard:
            row = self.rows.pop(event.job_id, None)
            if row is None:
                row = self.history.start(base_id(event.job_id), trigger_kind(event.job_id))
                self.early.add(event.job_id)
        self._finish(row, event)

    def _finish(self, row: int, event: JobExecutionEvent) -> None:
        error = event.exception
        if error is None:
            self.history.finish(row, outcome_of(event.retval), str(event.retval))
            log.info(
                "job finished",
                extra={
                    "job": event.job_id,
                    "outcome": outcome_of(event.retval),
                    "detail": str(event.retval),
                },
            )
        elif isinstance(error, JobInterrupted):
            self.history.finish(row, "interrupted", str(error))
            log.warning("job interrupted", extra={"job": event.job_id, "detail": str(error)})
        else:
            self.history.finish(row, "failed", f"{type(error).__name__}: {error}")
            log.error(
                "job failed",
                extra={"job": event.job_id, "detail": f"{type(error).__name__}: {error}"},
            )
            self.retry(base_id(event.job_id))

    def retry(self, job_id: str) -> None:
        """Queue the next retry of a failed job, or give up until its next scheduled run."""
        failures = self.history.failures_in_a_row(job_id)
        delays = self.schedule.retry_minutes
        if failures > len(delays):
            log.error(
                "job gave up until its next scheduled run",
                extra={"job": job_id, "failures_in_a_row": failures},
            )
            return
        when = datetime.now(UTC) + timedelta(minutes=delays[failures - 1])
        spec = self.schedule.job(job_id)
        self.scheduler.add_job(
            spec.func,
            trigger=DateTrigger(when),
            id=f"{job_id}~retry",
            name=f"{job_id}~retry",
            kwargs=spec.kwargs,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=spec.misfire_grace_time,
        )
        log.info(
            "job retry queued", extra={"job": job_id, "attempt": failures, "at": when.isoformat()}
        )
