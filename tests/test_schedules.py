"""Schedule files, the lock, the job history and retries, recovery and unreachable-site streaks."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from click.testing import CliRunner

from nokwatch.cli import main
from publisher.errors import ScheduleError, ScheduleFileError, ServiceLocked
from publisher.release.streaks import unreachable_sites
from publisher.store import Store
from schedules import recovery
from schedules.config import DEFAULT_DIR, load_schedule
from schedules.history import History, scheduler_engine
from schedules.lock import ServiceLock
from schedules.runs import RunRecorder
from schedules.service import Scheduler, sync_jobs

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def schedule_dir(tmp_path: Path) -> Path:
    """A copy of the bundled schedule files, to spoil."""
    target = tmp_path / "schedules"
    shutil.copytree(DEFAULT_DIR / "regions", target / "regions")
    shutil.copy(DEFAULT_DIR / "national.yaml", target / "national.yaml")
    return target


def test_bundled_schedule_has_every_job_with_its_time_zone(tmp_path: Path) -> None:
    schedule = load_schedule(DEFAULT_DIR, tmp_path)
    assert [spec.id for spec in schedule.jobs] == [
        "sync",
        "deadlines",
        "publish",
        "crawl:RU-DEMO",
        "crawl:RU-TOM",
    ]
    tomsk = schedule.job("crawl:RU-TOM")
    assert tomsk.func == "schedules.jobs:crawl_region"
    assert tomsk.kwargs == {"data_dir": str(tmp_path), "region": "RU-TOM", "demo": False}
    after = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    # 02:00 in Tomsk (UTC+7) is 19:00 UTC the evening before.
    assert tomsk.trigger().get_next_fire_time(None, after) == datetime(
        2026, 11, 22, 19, 0, tzinfo=UTC
    )
    assert schedule.retry_minutes == (1, 5, 15)
    assert all(spec.misfire_grace_time > 0 for spec in schedule.jobs)


BAD_FILES = [
    ("regions/RU-TOM.yaml", 'crawl: "0 2 * * *"\n', "crawl", "0 25 * * *", "bad cron expression"),
    (
        "regions/RU-TOM.yaml",
        "timezone: Asia/Tomsk",
        "timezone",
        "timezone: Asia/Tomskk",
        "unknown time zone",
    ),
    ("regions/RU-TOM.yaml", "region: RU-TOM", "region", "region: RU-XXX", "unknown region"),
    ("regions/RU-TOM.yaml", "region: RU-TOM", "region", "region: RU-OMS", "does not match"),
    ("regions/RU-TOM.yaml", "region: RU-TOM", "cron", "region: RU-TOM\ncron: x", "unknown field"),
    ("regions/RU-DEMO.yaml", "demo: true", "demo", "demo: yes please", "true or false"),
    ("national.yaml", 'publish: "30 6 * * *"', "publish", "publish:", "required"),
    (
        "national.yaml",
        "retry_minutes: [1, 5, 15]",
        "retry_minutes",
        "retry_minutes: [1, -5]",
        "positive minutes",
    ),
    ("national.yaml", "timezone: Europe/Moscow", "yaml", "timezone: [Europe/Moscow", "yaml"),
    ("national.yaml", "keep_releases: 30", "keep_releases", "keep_releases: 1", "2 or more"),
]


@pytest.mark.parametrize(("name", "old", "field", "new", "problem"), BAD_FILES)
def test_bad_schedule_file_is_refused_naming_file_and_field(
    schedule_dir: Path, tmp_path: Path, name: str, old: str, field: str, new: str, problem: str
) -> None:
    path = schedule_dir / name
    text = path.read_text(encoding="utf-8")
    if field == "crawl":
        text = text.replace("0 2 * * *", new)
    else:
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScheduleFileError) as caught:
        load_schedule(schedule_dir, tmp_path)
    assert caught.value.path == path
    assert caught.value.field == field
    assert problem in str(caught.value)


def test_service_refuses_a_bad_schedule_at_start(schedule_dir: Path, tmp_path: Path) -> None:
    (schedule_dir / "regions" / "RU-TOM.yaml").write_text(
        "region: RU-TOM\ntimezone: Asia/Tomsk\ncrawl: every night\n", encoding="utf-8"
    )
    result = CliRunner().invoke(
        main,
        [
            "--data-dir",
            str(tmp_path / "data"),
            "--empty",
            "service",
            "--schedules",
            str(schedule_dir),
            "--no-serve",
        ],
    )
    assert result.exit_code == 1
    assert (
        "RU-TOM.yaml: crawl: неверное cron-выражение 'every night' (bad cron expression"
        in result.output
    )
    assert not (tmp_path / "data" / "scheduler.db").exists()


def test_missing_national_file_and_unknown_job(schedule_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ScheduleError, match="нет задачи 'crawl:RU-MOW'"):
        load_schedule(schedule_dir, tmp_path).job("crawl:RU-MOW")
    (schedule_dir / "national.yaml").unlink()
    with pytest.raises(ScheduleFileError, match="national.yaml: file: нет файла \\(missing"):
        load_schedule(schedule_dir, tmp_path)


def test_lock_refuses_a_second_holder_and_dies_with_its_process(tmp_path: Path) -> None:
    code = (
        "import sys, time; from schedules.lock import ServiceLock; ServiceLock(sys.argv[1])"
        ".acquire(); print('locked', flush=True); time.sleep(60)"
    )
    with subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE, text=True
    ) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
            with pytest.raises(ServiceLocked, match=f"pid {holder.pid}"):
                ServiceLock(tmp_path).acquire()
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.wait()
    with ServiceLock(tmp_path) as lock:
        assert lock.fd is not None


def _fail(history: History, job_id: str, trigger: str) -> None:
    history.finish(history.start(job_id, trigger), "failed", "boom")


def test_failed_job_is_retried_with_back_off_then_waits(tmp_path: Path) -> None:
    schedule = load_schedule(DEFAULT_DIR, tmp_path)
    history = History(scheduler_engine(tmp_path))
    scheduler = BackgroundScheduler(timezone=UTC)
    recorder = RunRecorder(history, scheduler, schedule)
    delays = []
    for trigger in ("schedule", "retry", "retry"):
        _fail(history, "deadlines", trigger)
        before = datetime.now(UTC)
        recorder.retry("deadlines")
        job = scheduler.get_job("deadlines~retry")
        delays.append(round((job.trigger.run_date - before).total_seconds() / 60))
        assert job.func_ref == "schedules.jobs:compute_deadlines"
        assert (job.coalesce, job.max_instances) == (True, 1)
        job.remove()
    assert delays == [1, 5, 15]
    _fail(history, "deadlines", "retry")
    recorder.retry("deadlines")
    assert scheduler.get_job("deadlines~retry") is None
    history.finish(history.start("deadlines", "schedule"), "ok", "")
    assert history.failures_in_a_row("deadlines") == 0


def test_unchanged_stored_job_keeps_its_missed_run(tmp_path: Path) -> None:
    """Replacing a stored job would drop the run it missed while the service was down."""
    schedule = load_schedule(DEFAULT_DIR, tmp_path)
    missed = datetime.now(UTC) - timedelta(minutes=10)

    def scheduler() -> Scheduler:
        store = SQLAlchemyJobStore(engine=scheduler_engine(tmp_path))
        return Scheduler(jobstores={"default": store}, timezone=UTC)

    first = scheduler()
    first.start(paused=True)
    sync_jobs(first, schedule)
    first.get_job("publish").modify(next_run_time=missed)
    first.shutdown()
    second = scheduler()
    second.start(paused=True)
    sync_jobs(second, schedule)
    assert second.get_job("publish").next_run_time == missed
    (tmp_path / "sch").mkdir()
    shutil.copytree(DEFAULT_DIR / "regions", tmp_path / "sch" / "regions")
    text = (DEFAULT_DIR / "national.yaml").read_text(encoding="utf-8")
    (tmp_path / "sch" / "national.yaml").write_text(text.replace("30 6 * * *", "45 6 * * *"))
    sync_jobs(second, load_schedule(tmp_path / "sch", tmp_path))
    assert second.get_job("publish").next_run_time > datetime.now(UTC)
    second.shutdown()


def test_dead_running_crawl_is_interrupted_and_its_region_re_run(fresh_db: Store) -> None:
    data_dir = fresh_db.path.parent
    old = fresh_db.start_crawl("RU-DEMO")
    fresh_db.finish_crawl(old, "finished")
    left = fresh_db.start_crawl("RU-DEMO")
    other = fresh_db.start_crawl("RU-TOM")
    fresh_db.finish_crawl(other, "finished")
    assert recovery.close_dead_crawls(data_dir) == [left]
    row = next(fresh_db.rows("crawls", "run_id = ?", [left]))
    assert row["status"] == "interrupted" and "resumed" in row["note"]
    assert recovery.regions_to_rerun(data_dir, ["RU-DEMO", "RU-TOM", "RU-OMS"]) == ["RU-DEMO"]


def _observe(store: Store, run: str, day: int, site: str, status: str) -> None:
    store.upsert(
        "crawls",
        [{"run_id": run, "started_at": f"2026-11-{day:02d}T02:00:00Z", "status": "finished"}],
    )
    error = "dns" if status == "site_unreachable" else None
    store.add_observations(
        [
            {
                "run_id": run,
                "institution_id": site,
                "item": item,
                "status": status,
                "checked_at": f"2026-11-{day:02d}T02:00:00Z",
                "error": error,
            }
            for item in ("improvement_plan", "survey_form")
        ]
    )


def test_site_failing_three_runs_in_a_row_is_listed_once_and_its_return_noticed(
    fresh_db: Store,
) -> None:
    fresh_db.upsert(
        "institutions",
        [
            {
                "id": s,
                "name": s,
                "region": "RU-DEMO",
                "sphere": "culture",
                "website": f"http://{s}.example/",
            }
            for s in "abc"
        ],
    )
    down, up = "site_unreachable", "not_found"
    timeline = {
        "a": [down, down, down, down, up, down],
        "b": [down, down, up, down, down, up],
        "c": [up, down, down, down, down, down],
    }
    for day in range(6):
        for site, states in timeline.items():
            _observe(fresh_db, f"run{day}", day + 1, site, states[day])
    rows = list(unreachable_sites(fresh_db))
    assert [(r["institution_id"], r["since"], r["runs"], r["recovered_at"]) for r in rows] == [
        ("a", "2026-11-01T02:00:00Z", 4, "2026-11-05T02:00:00Z"),
        ("c", "2026-11-02T02:00:00Z", 5, None),
    ]
    assert rows[1]["error"] == "dns" and rows[1]["website"] == "http://c.example/"


def test_every_job_command_and_schedule_field_is_documented(tmp_path: Path) -> None:
    from schedules.config import _NATIONAL_FIELDS, _REGION_FIELDS

    doc = (REPO / "docs" / "service.md").read_text(encoding="utf-8")
    schedule = load_schedule(DEFAULT_DIR, tmp_path)
    names = [spec.func for spec in schedule.jobs] + ["crawl:<REGION>", "~retry"]
    names += [f"| `{field}` |" for field in (*_NATIONAL_FIELDS, *_REGION_FIELDS)]
    names += ["nokwatch service", "nokwatch jobs", "run JOB", "--run-now", "`job_runs`"]
    for name in names:
        assert name in doc, f"{name} is not in docs/service.md"
    for command in ("service", "jobs"):
        assert "Example: nokwatch " + command in main.commands[command].help
