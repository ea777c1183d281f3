"""Child processes die with their parent: real processes, killed with SIGKILL at awkward moments."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from crawler.run import crawl
from publisher.errors import CrawlRunning
from tests.crawling import registry


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (read from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":  # dead, waiting for its (new) parent to reap it
            return True
        time.sleep(0.1)
    return False


@contextmanager
def started(script: str, *args: str) -> Iterator[subprocess.Popen]:
    """A Python process running ``script``; it prints "ready" when the moment to kill it comes."""
    process = subprocess.Popen(
        [sys.executable, "-c", script, *args], stdout=subprocess.PIPE, text=True
    )
    try:
        yield process
    finally:
        for pid in children(process.pid):
            os.kill(pid, signal.SIGKILL)
        process.kill()
        process.wait()
        process.stdout.close()


def wait_for_children(parent: int, count: int, within: float = 60.0) -> list[int]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        kids = children(parent)
        if len(kids) >= count:
            return kids
        time.sleep(0.1)
    raise AssertionError(f"process {parent} started {children(parent)}, not {count} children")


@pytest.fixture
def silent_proxy() -> Iterator[str]:
    """A loopback "proxy" that accepts connections and never answers: a crawl through it hangs."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


CRAWL = """
import sys
from crawler.run import crawl
crawl(sys.argv[1], env={"http_proxy": sys.argv[2], "https_proxy": sys.argv[2]})
"""


def test_a_killed_crawl_takes_its_child_along_and_resume_waits_for_it(tmp_path, silent_proxy):
    data_dir = tmp_path / "data"
    registry(data_dir, [], {"slow": "http://slow.example.org/"})
    with started(CRAWL, str(data_dir), silent_proxy) as parent:
        child = next(iter(wait_for_children(parent.pid, 1)))
        run_id = next((data_dir / "crawl-jobs").iterdir()).name
        with pytest.raises(CrawlRunning, match=str(child)):
            crawl(data_dir, resume=run_id, env={"http_proxy": silent_proxy})
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        assert gone(child)
    summary = crawl(
        data_dir,
        resume=run_id,
        env={"http_proxy": silent_proxy, "NOKWATCH_DOWNLOAD_TIMEOUT": "1"},
        progress=lambda _: None,
    )
    assert summary.run_id == run_id and summary.sites == 1


PUBLISH = """
import sys
from pathlib import Path
import publisher.release.build as build
import publisher.release.validation as validation
from tests.publishing_data import sample_store

validation.PARALLEL_ROWS = 0  # start the worker processes even for a small release
real = build.write_feeds

def write_feeds(*args, **kwargs):  # called while the workers are alive
    print("ready", flush=True)
    import time
    time.sleep(120)

build.write_feeds = write_feeds
build.publish(sample_store(Path(sys.argv[1])))
"""


def test_a_killed_publish_takes_its_workers_along(tmp_path):
    with started(PUBLISH, str(tmp_path / "data")) as parent:
        assert parent.stdout.readline().strip() == "ready"
        workers = children(parent.pid)
        assert len(workers) >= 2
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        assert all(gone(pid) for pid in workers)


SYNC = """
import sys, time
from pathlib import Path
import publisher.registry.busgov.sync as sync
import publisher.registry.busgov.worker as worker
from publisher.store import Store

worker.WORKER_BYTES = 0
worker.CHUNK = 1
real = sync._Sync.apply

def apply(self, position):  # called while the worker is alive
    print("ready", flush=True)
    time.sleep(120)

sync._Sync.apply = apply
with Store(Path(sys.argv[1]) / "nokwatch.db") as store:
    sync.sync_registry(store, sys.argv[2])
"""


def test_a_killed_sync_takes_its_worker_along(tmp_path):
    from tests.busgov_samples import sample_institution, write_zip

    archive = write_zip(tmp_path / "a.zip", [sample_institution(n) for n in range(1, 9)])
    (tmp_path / "data").mkdir()
    with started(SYNC, str(tmp_path / "data"), str(archive)) as parent:
        assert parent.stdout.readline().strip() == "ready"
        workers = children(parent.pid)
        assert workers
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        assert all(gone(pid) for pid in workers)


def test_a_zombie_is_not_alive_and_a_marker_must_match() -> None:
    import subprocess
    import sys

    from publisher.lifeline import alive

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while alive(child.pid) and time.monotonic() < deadline:  # exited, not yet reaped: a zombie
        time.sleep(0.02)
    assert not alive(child.pid)
    child.wait()
    assert alive(os.getpid()) and alive(os.getpid(), "python")
    assert not alive(os.getpid(), "no-such-marker")
