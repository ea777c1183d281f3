"""Run a crawl over (part of) the registry in crawl processes, and record the run in the store.

The run is split into N crawl processes (default: one per core; ``crawler.shards`` keeps each
shared platform in one of them), or sent to Celery workers through a broker (``crawler.broker``).
Either way the crawl processes store nothing: they print each finished site as a record, and this
process — the run's one writer (``crawler.results.RunWriter``) — stores it at once.

An interrupted run is resumed by its id: sites whose observations the run already stored are
skipped, the others are audited again from scratch (a site's audit lives in the crawler's memory,
so half an audit cannot be resumed; whole sites are committed one at a time, so none is lost).

Every crawl process dies with its parent (``publisher.lifeline``), and their pids are kept in the
run's folder (``child.pid``) while they run: a resume refuses to start while one of the run's
previous crawl processes lives, so no site is crawled twice by two processes.
"""

from __future__ import annotations

import os
import queue
import subprocess
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from crawler.child import child_command, job_folder, start_child
from crawler.results import RunWriter, parse_record
from crawler.settings import override
from crawler.shards import read_listing, split_local, write_listing
from publisher.errors import CrawlRunning, InputError
from publisher.layout import Layout
from publisher.lifeline import alive
from publisher.store import Store

Progress = Callable[[str], None]


@dataclass(frozen=True)
class CrawlSummary:
    """What one crawl run did."""

    run_id: str
    status: str
    sites: int
    sites_unreachable: int
    pages: int
    errors: int


def crawl(
    data_dir: Path,
    regions: Iterable[str] = (),
    ids: Iterable[str] = (),
    progress: Progress = print,
    env: dict[str, str] | None = None,
    resume: str | None = None,
    processes: int | None = None,
    broker: str | None = None,
) -> CrawlSummary:
    """Crawl the registry's sites (optionally some regions or institutions) and store observations.

    ``processes`` crawl processes on this machine (default: one per core), or with ``broker``
    (``redis://HOST:PORT/DB``) the Celery workers listening on it.
    """
    data_dir = Path(data_dir)
    if resume:
        refuse_while_running(data_dir, resume)
    run_id, total = _resume(data_dir, resume) if resume else _start(data_dir, regions, ids)
    job = job_folder(data_dir, run_id)
    pending = job / "pending.jsonl"
    where = f" through {_safe(broker)}" if broker else ""
    progress(f"crawl {run_id}: {total} sites{' left' if resume else ''}{where}")
    with Store(Layout(data_dir).store) as store:
        writer = RunWriter(store, run_id)
        if broker:
            from crawler.broker import coordinate

            report = _reporter(total, progress)
            ok = coordinate(broker, data_dir, run_id, pending, writer, report, env, progress)
        else:
            ok = _run_local(data_dir, run_id, pending, total, processes, writer, progress, env)
        status = "finished" if ok else "failed"
        store.finish_crawl(run_id, status, "" if ok else f"see {job}")
        row = next(store.rows("crawls", "run_id = ?", [run_id]))
    return CrawlSummary(
        run_id, status, row["sites"], row["sites_unreachable"], row["pages"], row["errors"]
    )


CHILD_PID = "child.pid"


def refuse_while_running(data_dir: Path, run_id: str) -> None:
    """CrawlRunning if one of the run's previous crawl processes still runs; a stale pid file is
    removed."""
    pid_file = Layout(Path(data_dir)).crawl_job(run_id) / CHILD_PID
    try:
        pids = [int(line) for line in pid_file.read_text(encoding="ascii").split()]
    except (OSError, ValueError):
        return
    for pid in pids:
        if alive(pid, "crawler.process"):
            raise CrawlRunning(
                f"обход {run_id} ещё идёт в процессе {pid} (crawl still running): дождитесь его"
                f" окончания или остановите его (kill {pid}), затем повторите --resume"
            )
    pid_file.unlink(missing_ok=True)


def default_processes() -> int:
    """Crawl processes when none are asked for: every core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _start(data_dir: Path, regions: Iterable[str], ids: Iterable[str]) -> tuple[str, int]:
    regions, ids = tuple(regions), tuple(ids)
    with Store(Layout(data_dir).store) as store:
        run_id = store.start_crawl(",".join([*regions, *ids]) or "all")
        job = job_folder(data_dir, run_id)
        total = write_listing(job / "institutions.jsonl", store.each_institution(regions, ids))
    (job / "pending.jsonl").write_bytes((job / "institutions.jsonl").read_bytes())
    return run_id, total


def _resume(data_dir: Path, run_id: str) -> tuple[str, int]:
    job = Layout(Path(data_dir)).crawl_job(run_id)
    listings = (job / "institutions.jsonl", job / "institutions.json")  # .json: runs of old
    scope = next((path for path in listings if path.exists()), None)
    if scope is None:
        raise InputError(f"no crawl {run_id} to resume in {data_dir}")
    with Store(Layout(data_dir).store) as store:
        done = {
            row[0]
            for row in store.db.execute(
                "SELECT DISTINCT institution_id FROM observations WHERE run_id = ?", (run_id,)
            )
        }
        store.update_crawl(run_id, status="running", finished_at=None)
    left = (row for row in read_listing(scope) if row["id"] not in done)
    return run_id, write_listing(job / "pending.jsonl", left)


def read_records(
    children: list[subprocess.Popen], writer: RunWriter, on_site: Callable[[dict], None]
) -> list[int]:
    """Store the children's records as they come (this thread is the only one writing)."""
    records: queue.Queue[dict | None] = queue.Queue()
    readers = [
        threading.Thread(target=_read, args=(child.stdout, records), daemon=True)
        for child in children
    ]
    for reader in readers:
        reader.start()
    running = len(readers)
    while running:
        batch = [records.get()]
        while not records.empty() and len(batch) < 200:
            batch.append(records.get_nowait())
        running -= batch.count(None)
        for record in writer.add(r for r in batch if r is not None):
            on_site(record)
    codes = [child.wait() for child in children]
    for child in children:
        if child.stdout is not None:
            child.stdout.close()
    return codes


def _read(stream: IO[str] | None, records: queue.Queue[dict | None]) -> None:
    assert stream is not None
    for line in stream:
        record = parse_record(line)
        if record is not None:
            records.put(record)
    records.put(None)


def _run_local(
    data_dir: Path,
    run_id: str,
    pending: Path,
    total: int,
    processes: int | None,
    writer: RunWriter,
    progress: Progress,
    env: dict[str, str] | None,
) -> bool:
    environ = {**os.environ, **(env or {})}
    wanted = processes or override("NOKWATCH_PROCESSES", environ) or default_processes()
    count = max(1, min(wanted, total))
    job = job_folder(data_dir, run_id)
    if count == 1:
        parts = [("", pending)]
    else:
        parts = [(f"-{i + 1}", job / f"pending-{i + 1}.jsonl") for i in range(count)]
        sizes = split_local(read_listing(pending), [path for _, path in parts])
        progress(f"  {count} crawl processes: {', '.join(map(str, sizes))} sites")
    children: list[subprocess.Popen] = []
    pid_file = job / CHILD_PID
    try:
        for part, path in parts:
            children.append(start_child(child_command(data_dir, run_id, path, part, True), env))
            pid_file.write_text("\n".join(str(c.pid) for c in children), encoding="ascii")
        codes = read_records(children, writer, _reporter(total, progress))
    except BaseException:  # interrupted (Ctrl-C, an error in progress): no orphan crawl
        for child in children:
            child.kill()
        raise
    finally:
        pid_file.unlink(missing_ok=True)
    return all(code == 0 for code in codes)


def _reporter(total: int, progress: Progress) -> Callable[[dict], None]:
    done = {"sites": 0}

    def report(record: dict[str, Any]) -> None:
        done["sites"] += 1
        statuses = " ".join(row["status"] for row in record["rows"])
        progress(f"  [{done['sites']}/{total}] {record['institution_id']} {statuses}")

    return report


def _safe(url: str | None) -> str:
    """A broker URL without its password, for messages."""
    from urllib.parse import urlsplit

    split = urlsplit(url or "")
    if split.password:
        return (url or "").replace(f":{split.password}@", ":***@")
    return url or ""
