"""Many machines: a real redis-server, real `nokwatch worker` processes, one killed -9 mid-shard."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.run import crawl
from nokwatch.demo import FixtureWeb
from tests.crawling import observations, proxy_env, registry
from tests.generated_sites import generated_sites


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A redis-server of the test's own on a free loopback port, nothing persisted."""
    port = _free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
        + ["no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as client:
                client.sendall(b"PING\r\n")
                if client.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def _worker(folder: Path, broker: str, env: dict[str, str]) -> subprocess.Popen:
    folder.mkdir(parents=True)
    command = [sys.executable, "-m", "nokwatch", "--data-dir", str(folder / "data"), "worker"]
    with (folder / "worker.log").open("w") as log:
        return subprocess.Popen(
            [*command, "--broker", broker, "--concurrency", "1"],
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _shards(folder: Path, pattern: str) -> set[str]:
    """Task ids of the shards a worker took (its listing) or crawled to the end (its stats)."""
    found = folder.glob(f"data/crawl-jobs/*/{pattern}")
    return {path.stem.split("-", 1)[1] for path in found}


def test_broker_crawl_survives_a_killed_worker_and_matches_a_local_crawl(tmp_path, redis_url):
    sites = generated_sites(16)
    rows = registry(tmp_path / "data", sites)
    registry(tmp_path / "local", sites)
    with FixtureWeb(sites) as web:
        env = proxy_env(web, NOKWATCH_BROKER_VISIBILITY_TIMEOUT="6")
        workers = [_worker(tmp_path / f"w{i}", redis_url, env) for i in range(2)]
        lines: list[str] = []
        outcome = {}

        def coordinator() -> None:
            run_env = {**env, "NOKWATCH_BROKER_SHARD_SIZE": "4"}
            try:
                outcome["summary"] = crawl(
                    tmp_path / "data", env=run_env, progress=lines.append, broker=redis_url
                )
            except BaseException as exc:  # reported by the assertions below, not lost in a thread
                outcome["error"] = exc

        # A daemon: should the test fail before the run ends, the thread dies with the session
        # instead of raising into later tests once redis-server is gone.
        thread = threading.Thread(target=coordinator, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 30
            taken = tmp_path / "w0"
            while time.monotonic() < deadline and not (
                _children(workers[0].pid) and _shards(taken, "shard-*.jsonl")
            ):
                time.sleep(0.01)
            crawling = _children(workers[0].pid)
            assert crawling, "the first worker never took a shard"
            # Killed the moment its crawl process is seen: the shard is mid-way, never acknowledged.
            os.kill(workers[0].pid, signal.SIGKILL)
            workers[0].wait()
            thread.join(timeout=120)
            assert not thread.is_alive()
            # its crawl process died with it (it would otherwise crawl on for nobody)
            time.sleep(0.2)
            assert not any(Path(f"/proc/{pid}").exists() for pid in crawling)
        finally:
            for worker in workers:
                worker.kill()
                worker.wait()
        local = crawl(tmp_path / "local", env=proxy_env(web), progress=lines.append, processes=1)
    assert "error" not in outcome, outcome.get("error")
    summary = outcome["summary"]
    assert summary.status == "finished", lines
    assert summary.sites == len(sites)  # counted once each, although one shard ran twice
    lost = _shards(tmp_path / "w0", "shard-*.jsonl")  # left behind by the killed worker
    assert lost and lost <= _shards(tmp_path / "w1", "stats-*.json")  # delivered again
    db = sqlite3.connect(tmp_path / "data" / "nokwatch.db")
    per_site = dict(
        db.execute(
            "SELECT institution_id, COUNT(*) FROM observations WHERE run_id = ? "
            "AND item = 'improvement_plan' GROUP BY institution_id",
            [summary.run_id],
        )
    )
    db.close()
    assert per_site == {row["id"]: 1 for row in rows}
    assert observations(tmp_path / "data", summary.run_id) == observations(
        tmp_path / "local", local.run_id
    )
