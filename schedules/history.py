"""The job history (``job_runs`` in ``DATA_DIR/scheduler.db``): every run, its outcome and duration.

It sits beside APScheduler's own ``apscheduler_jobs`` table because it is the service's state, not
published data: the store (``nokwatch.db``) holds what was observed, this file holds what ran.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Column, Engine, Float, Integer, MetaData, String, Table, Text, create_engine

from publisher.layout import Layout
from publisher.store import utc_now

OUTCOMES = ("running", "ok", "skipped", "failed", "interrupted")

metadata = MetaData()
job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(200), nullable=False, index=True),
    Column("trigger", String(20), nullable=False),  # schedule, retry, rerun, manual
    Column("started_at", String(20), nullable=False),
    Column("finished_at", String(20)),
    Column("duration_s", Float),
    Column("outcome", String(20), nullable=False),
    Column("detail", Text),
)


def scheduler_engine(data_dir: Path) -> Engine:
    """The engine of ``DATA_DIR/scheduler.db`` (job store and history), tables created."""
    path = Layout(Path(data_dir)).scheduler_db
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})
    metadata.create_all(engine)
    return engine


class History:
    """Writes and reads ``job_runs``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._clock: dict[int, float] = {}

    def start(self, job_id: str, trigger: str) -> int:
        """Record that a run began; returns its row id."""
        with self.engine.begin() as db:
            result = db.execute(
                job_runs.insert().values(
                    job_id=job_id, trigger=trigger, started_at=utc_now(), outcome="running"
                )
            )
        row_id = result.inserted_primary_key[0]
        self._clock[row_id] = time.monotonic()
        return row_id

    def finish(self, row_id: int, outcome: str, detail: str = "") -> None:
        """Record how a run ended."""
        began = self._clock.pop(row_id, None)
        duration = round(time.monotonic() - began, 3) if began is not None else None
        with self.engine.begin() as db:
            db.execute(
                job_runs.update()
                .where(job_runs.c.id == row_id)
                .values(
                    finished_at=utc_now(),
                    duration_s=duration,
                    outcome=outcome,
                    detail=detail[:2000],
                )
            )

    def last(self, job_id: str) -> dict | None:
        """The latest run of a job (its retries and re-runs included)."""
        query = job_runs.select().where(job_runs.c.job_id == job_id).order_by(job_runs.c.id.desc())
        with self.engine.connect() as db:
            row = db.execute(query.limit(1)).mappings().first()
        return dict(row) if row else None

    def failures_in_a_row(self, job_id: str) -> int:
        """Failed runs since the job last succeeded or last ran on its own schedule."""
        query = job_runs.select().where(job_runs.c.job_id == job_id).order_by(job_runs.c.id.desc())
        count = 0
        with self.engine.connect() as db:
            for row in db.execute(query.limit(100)).mappings():
                if row["outcome"] != "failed":
                    break
                count += 1
                if row["trigger"] != "retry":
                    break
        return count

    def interrupt_running(self, detail: str) -> int:
        """Close runs a killed service left ``running``."""
        with self.engine.begin() as db:
            result = db.execute(
                job_runs.update()
                .where(job_runs.c.outcome == "running")
                .values(finished_at=utc_now(), outcome="interrupted", detail=detail)
            )
        return result.rowcount
