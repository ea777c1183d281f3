"""The service as a real process: killed mid-crawl (SIGKILL, SIGTERM), started again, refused twice,
retrying a failed job, serving Datasette beside the scheduler."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nokwatch import Workspace
from nokwatch.demo import demo_registry_rows
from publisher.registry.table import import_rows
from publisher.store import Store
from schedules import children, recovery
from schedules.config import DEFAULT_DIR
from schedules.history import History, scheduler_engine

REPO = Path(__file__).resolve().parents[1]
NEVER = "0 0 29 2 *"  # 29 February at midnight: keeps scheduled runs out of the way of a test
CLI = [sys.executable, "-c", "from nokwatch.cli import main; main()"]


_WEB = (
    "import sys; from nokwatch.demo import FixtureWeb, demo_sites\n"
    "with FixtureWeb(demo_sites()) as web:\n"
    "    print(web.proxy_url, flush=True); sys.stdin.read()"
)


@pytest.fixture(scope="module")
def demo_proxy() -> Iterator[dict[str, str]]:
    """The demo region's fixture web in a process of its own: crawls killed mid-request leave
    its sockets half-closed, which must not turn into warnings inside the test process."""
    with subprocess.Popen(
        [sys.executable, "-c", _WEB],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as web:
        assert web.stdin is not None and web.stdout is not None
        url = web.stdout.readline().strip()
        yield {"http_proxy": url, "https_proxy": url, "NO_PROXY": ""}
        web.stdin.close()
        web.wait(10)


@pytest.fixture
def schedule_dir(tmp_path: Path) -> Path:
    """National jobs that never fire during a test, and RU-DEMO crawled through the proxy env."""
    target = tmp_path / "schedules"
    (target / "regions").mkdir(parents=True)
    text = (DEFAULT_DIR / "national.yaml").read_text(encoding="utf-8")
    for cron in ('"0 1 * * *"', '"0 6 * * *"', '"30 6 * * *"'):
        text = text.replace(cron, f'"{NEVER}"')
    (target / "national.yaml").write_text(text, encoding="utf-8")
    (target / "regions" / "RU-DEMO.yaml").write_text(
        f'region: RU-DEMO\ntimezone: Europe/Moscow\ncrawl: "{NEVER}"\n', encoding="utf-8"
    )
    return target


@pytest.fixture
def small_data_dir(tmp_path: Path) -> Path:
    """A data directory with the first 12 demo sites only: a crawl of them takes seconds."""
    data_dir = tmp_path / "data"
    with Workspace(data_dir, bundled=False).store() as store:
        import_rows(store, enumerate(list(demo_registry_rows())[:12], start=2), "demo subset")
    return data_dir


class Service:
    """A ``nokwatch service`` process on a data directory, its output in a file."""

    def __init__(self, data_dir: Path, schedules: Path, env: dict[str, str], *args: str) -> None:
        self.data_dir = data_dir
        self.output = (data_dir.parent / f"service-{time.monotonic_ns()}.out").open("w+")
        command = [
            *CLI,
            "--data-dir",
            str(data_dir),
            "service",
            "--schedules",
            str(schedules),
            *args,
        ]
        self.process = subprocess.Popen(
            command,
            cwd=REPO,
            env={**os.environ, **env},
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )

    def stop(self, sig: int, timeout: float = 40) -> int:
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        finally:
            self.output.close()

    def log(self) -> list[dict[str, Any]]:
        text = (self.data_dir / "logs" / "service.log").read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def services() -> Iterator[list[Service]]:
    """Every service a test starts is killed at its end, whatever happened."""
    started: list[Service] = []
    yield started
    for service in started:
        if service.process.poll() is None:
            service.stop(signal.SIGKILL)


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def crawls(data_dir: Path) -> list[dict]:
    if not (data_dir / "nokwatch.db").exists():
        return []
    with Store(data_dir / "nokwatch.db") as store:
        return list(
            store.db.execute(
                "SELECT c.*, (SELECT COUNT(*) FROM observations o WHERE o.run_id = c.run_id) AS observed"
                " FROM crawls c ORDER BY started_at, rowid"
            ).fetchall()
        )


def running_with(data_dir: Path, observed: int) -> dict | None:
    rows = [dict(r) for r in crawls(data_dir) if r["status"] == "running"]
    return rows[0] if rows and rows[0]["observed"] >= observed else None


def job_runs(data_dir: Path, job_id: str) -> list[dict]:
    history = History(scheduler_engine(data_dir))
    with history.engine.connect() as db:
        from schedules.history import job_runs as table

        query = table.select().where(table.c.job_id == job_id).order_by(table.c.id)
        rows = [dict(r) for r in db.execute(query).mappings()]
    history.engine.dispose()
    return rows


def test_sigkill_mid_crawl_keeps_observations_and_reruns_the_crawl(
    tmp_path: Path, schedule_dir: Path, demo_proxy: dict[str, str], services: list[Service]
) -> None:
    data_dir = tmp_path / "data"
    Workspace(data_dir).load_demo()  # the whole demo region: a crawl long enough to kill
    first = Service(data_dir, schedule_dir, demo_proxy, "--no-serve", "--run-now", "crawl:RU-DEMO")
    services.append(first)
    killed = wait_for(lambda: running_with(data_dir, 3), 40, "a crawl with 3 sites stored")
    first.stop(signal.SIGKILL)
    kept = next(r for r in crawls(data_dir) if r["run_id"] == killed["run_id"])["observed"]

    second = Service(data_dir, schedule_dir, demo_proxy, "--no-serve")
    services.append(second)
    lock = data_dir / "service.lock"
    wait_for(lambda: lock.read_text().strip() == str(second.process.pid), 30, "the second service")
    refused = subprocess.run(
        [
            *CLI,
            "--data-dir",
            str(data_dir),
            "service",
            "--schedules",
            str(schedule_dir),
            "--no-serve",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert refused.returncode == 1
    assert f"уже работает служба nokwatch (pid {second.process.pid})" in refused.stderr

    def resumed_and_finished() -> dict | None:
        rows = [r for r in crawls(data_dir) if r["run_id"] == killed["run_id"]]
        return rows[0] if rows and rows[0]["status"] == "finished" else None

    # The interrupted run is finished under its own id: nothing stored is audited twice.
    resumed = wait_for(resumed_and_finished, 45, "the interrupted crawl to be resumed")
    assert second.stop(signal.SIGTERM) == 0
    assert [r["run_id"] for r in crawls(data_dir)] == [killed["run_id"]]
    assert resumed["observed"] >= kept >= 3
    assert resumed["scope"] == "RU-DEMO" and resumed["sites"] == 37
    with Store(data_dir / "nokwatch.db") as store:
        sites = store.db.execute(
            "SELECT COUNT(DISTINCT institution_id), COUNT(*) FROM observations WHERE run_id = ?",
            (killed["run_id"],),
        ).fetchone()
    assert tuple(sites) == (37, 37 * 3)
    assert not [p for p in children.crawl_processes() if p.run_id == killed["run_id"]]
    runs = job_runs(data_dir, "crawl:RU-DEMO")
    assert [(r["trigger"], r["outcome"]) for r in runs] == [("now", "interrupted"), ("rerun", "ok")]


def test_sigterm_stops_the_crawl_gracefully_and_marks_it_for_a_rerun(
    small_data_dir: Path, schedule_dir: Path, demo_proxy: dict[str, str], services: list[Service]
) -> None:
    data_dir = small_data_dir
    service = Service(
        data_dir, schedule_dir, demo_proxy, "--no-serve", "--run-now", "crawl:RU-DEMO"
    )
    services.append(service)
    stopped = wait_for(lambda: running_with(data_dir, 1), 40, "a crawl with a site stored")
    assert service.stop(signal.SIGTERM, timeout=40) == 0
    row = next(r for r in crawls(data_dir) if r["run_id"] == stopped["run_id"])
    assert row["status"] == "interrupted" and "re-run at the next start" in row["note"]
    assert not [p for p in children.crawl_processes() if p.run_id == stopped["run_id"]]
    assert [r["outcome"] for r in job_runs(data_dir, "crawl:RU-DEMO")] == ["interrupted"]
    assert recovery.regions_to_rerun(data_dir, ["RU-DEMO"]) == ["RU-DEMO"]
    messages = [entry["msg"] for entry in service.log()]
    assert (
        "stopping: no new jobs, stopping crawls" in messages and messages[-1] == "service stopped"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except OSError:
        return 0


def test_failed_job_is_retried_and_shown_while_datasette_is_served_and_revived(
    tmp_path: Path, small_data_dir: Path, schedule_dir: Path, services: list[Service]
) -> None:
    data_dir, port = small_data_dir, free_port()
    national = schedule_dir / "national.yaml"
    missing = tmp_path / "no-such-register.zip"
    national.write_text(
        national.read_text(encoding="utf-8").replace("sync_source:", f"sync_source: {missing}"),
        encoding="utf-8",
    )
    service = Service(
        data_dir, schedule_dir, {}, "--port", str(port), "--run-now", "publish", "--run-now", "sync"
    )
    services.append(service)
    url = f"http://127.0.0.1:{port}/nokwatch/institutions.json?_shape=array&_size=1"
    wait_for(lambda: http_status(url) == 200, 30, "Datasette serving the publication")
    (datasette,) = children.children_of(service.process.pid)
    os.kill(datasette, signal.SIGKILL)
    wait_for(lambda: http_status(url) == 0, 10, "Datasette to go")
    wait_for(lambda: http_status(url) == 200, 30, "Datasette to be restarted")
    listing = subprocess.run(
        [*CLI, "--data-dir", str(data_dir), "jobs", "--schedules", str(schedule_dir)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert service.stop(signal.SIGTERM) == 0
    lines = {line.split()[0]: line for line in listing.stdout.splitlines()}
    assert " failed " in lines["sync"] and str(missing) in lines["sync"]
    assert " ok " in lines["publish"]
    assert "sync~retry" in lines and " once " in lines["sync~retry"]
    assert [r["outcome"] for r in job_runs(data_dir, "sync")] == ["failed"]
    assert any(entry["msg"] == "datasette exited; restarting it" for entry in service.log())


def test_jobs_run_runs_one_job_in_the_foreground(tmp_path: Path, schedule_dir: Path) -> None:
    data_dir = tmp_path / "data"
    result = subprocess.run(
        [
            *CLI,
            "--data-dir",
            str(data_dir),
            "jobs",
            "--schedules",
            str(schedule_dir),
            "run",
            "deadlines",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("deadlines ok: ")
    assert '"job": "deadlines"' in result.stdout  # the step's progress, as a JSON log line
    assert [r["trigger"] for r in job_runs(data_dir, "deadlines")] == ["manual"]
    assert (
        (data_dir / "logs" / "service.log").read_text(encoding="utf-8").count('"job": "deadlines"')
    )
