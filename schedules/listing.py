"""What ``nokwatch jobs`` shows and does: next and last run of each job, a run in the foreground."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, inspect, text

from schedules import jobs
from schedules.config import Schedule
from schedules.history import History, scheduler_engine
from schedules.runs import base_id, outcome_of

if TYPE_CHECKING:
    from nokwatch.workspace import Workspace


@dataclass(frozen=True)
class JobRow:
    """One line of ``nokwatch jobs``."""

    id: str
    when: str
    next_run: str
    last_run: str
    outcome: str
    duration: str
    detail: str


def _stored_next_runs(engine: Engine) -> dict[str, float | None]:
    """Next run times (epoch seconds) in the job store, read without starting a scheduler."""
    if not inspect(engine).has_table("apscheduler_jobs"):
        return {}
    with engine.connect() as db:
        return dict(db.execute(text("SELECT id, next_run_time FROM apscheduler_jobs")).all())


def _format(moment: datetime | None, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z") if moment else "-"


def job_table(data_dir: Path, schedule: Schedule) -> list[JobRow]:
    """Configured jobs, then pending one-off retries and re-runs, with their history."""
    engine = scheduler_engine(data_dir)
    history, stored = History(engine), _stored_next_runs(engine)
    now = datetime.now(UTC)
    ids = [spec.id for spec in schedule.jobs]
    ids += sorted(i for i in stored if i not in ids and base_id(i) in ids)
    table = []
    for job_id in ids:
        spec = schedule.job(base_id(job_id))
        if job_id in stored:
            epoch = stored[job_id]
            upcoming = datetime.fromtimestamp(epoch, UTC) if epoch is not None else None
        else:
            upcoming = spec.trigger().get_next_fire_time(None, now)
        when = f"{spec.cron} {spec.timezone}" if job_id == spec.id else "once"
        table.append(_row(job_id, when, _format(upcoming, spec.timezone), history, spec.timezone))
    engine.dispose()
    return table


def _row(job_id: str, when: str, next_run: str, history: History, timezone: str) -> JobRow:
    last = history.last(job_id) if job_id == base_id(job_id) else None
    if last is None:
        return JobRow(job_id, when, next_run, "-", "-", "-", "")
    started = datetime.strptime(last["started_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    duration = f"{last['duration_s']:.1f}s" if last["duration_s"] is not None else "-"
    detail = f"[{last['trigger']}] {last['detail'] or ''}".strip()
    return JobRow(
        job_id, when, next_run, _format(started, timezone), last["outcome"], duration, detail
    )


def run_now(workspace: Workspace, schedule: Schedule, job_id: str) -> tuple[str, str]:
    """Run a configured job in the foreground with the scheduler's function; (outcome, detail)."""
    spec = schedule.job(job_id)
    jobs.attach(workspace)
    engine = scheduler_engine(workspace.path)
    history = History(engine)
    row = history.start(spec.id, "manual")
    try:
        detail = jobs.call(spec.func, spec.kwargs)
    except BaseException as exc:
        outcome = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        history.finish(row, outcome, f"{type(exc).__name__}: {exc}")
        raise
    else:
        history.finish(row, outcome_of(detail), detail)
    finally:
        engine.dispose()
    return outcome_of(detail), detail
