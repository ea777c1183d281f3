"""Many machines: a run's shards as Celery tasks over a Redis broker, one coordinator storing.

``coordinate`` (the coordinator: ``nokwatch crawl --broker redis://HOST:PORT/DB``) splits the run
into shards of a few hundred sites (``crawler.shards.split_broker``: a platform's shards run one
after another, so its download slot holds across machines), sends them, and stores each shard's
site records as its result arrives — the data directory keeps one writer. ``run_worker``
(``nokwatch worker --broker …``) crawls shards until stopped, each in a crawl process of its own
(Twisted's reactor cannot restart), writing evidence to the shared store the task names.

Crash-safety is Celery's: a task is acknowledged only once done (``acks_late``); a worker killed
mid-shard leaves its message unacknowledged, and Redis hands it to another worker when the
visibility timeout (longer than a shard) has passed. Storing is idempotent per run and
institution (``crawler.results.RunWriter``), so a shard crawled twice stores each site once.
"""

from __future__ import annotations

import os
import socket
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from celery import Celery

from crawler.child import child_command, job_folder, start_child
from crawler.results import RunWriter, parse_record
from crawler.settings import override as setting
from crawler.shards import read_listing, split_broker, write_listing
from publisher.layout import Layout

TASK = "nokwatch.crawl_shard"


def celery_app(broker: str, environ: dict[str, str] | None = None) -> Celery:
    """The Celery application of nokwatch on one broker (Redis also keeps the results)."""
    visibility = setting("NOKWATCH_BROKER_VISIBILITY_TIMEOUT", environ)
    app = Celery("nokwatch", broker=broker, backend=broker, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,  # acknowledged once the shard is done, not when it is taken
        task_reject_on_worker_lost=True,  # a pool process killed mid-shard: the shard goes back
        worker_prefetch_multiplier=1,  # a worker holds no shard it is not crawling
        task_track_started=True,
        result_expires=7 * 24 * 3600,
        result_extended=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        broker_transport_options={
            "visibility_timeout": visibility,
            # look for abandoned shards a few times per timeout, not once per 100 s
            "unacked_restore_interval": max(1, min(30, int(visibility // 4))),
            "unacked_restore_throttle": 1,
        },
        result_backend_transport_options={"visibility_timeout": visibility},
    )
    app.task(name=TASK, bind=True)(crawl_shard)
    return app


def crawl_shard(
    task: Any, run_id: str, rows: list[dict], env: dict[str, str], evidence: str
) -> dict[str, Any]:
    """A worker's task: crawl one shard in a crawl process, return its site records."""
    data_dir = Path(task.app.conf.nokwatch_data_dir)
    part = f"-{task.request.id}"
    listing = job_folder(data_dir, run_id) / f"shard{part}.jsonl"
    write_listing(listing, rows)
    command = child_command(data_dir, run_id, listing, part, emit=True)
    # this machine's own setting wins: the shared folder may be mounted elsewhere here
    evidence = os.environ.get("NOKWATCH_EVIDENCE_URL") or evidence
    child = start_child(command, {**env, "NOKWATCH_EVIDENCE_URL": evidence})
    assert child.stdout is not None
    with child.stdout:
        records = [record for line in child.stdout if (record := parse_record(line)) is not None]
    code = child.wait()
    listing.unlink()
    return {"records": records, "code": code, "worker": task.request.hostname}


def run_worker(broker: str, data_dir: Path, concurrency: int) -> None:
    """Crawl shards from the broker until stopped (``concurrency`` crawl processes at a time)."""
    app = celery_app(broker)
    app.conf.nokwatch_data_dir = str(Path(data_dir).absolute())
    app.worker_main(
        [
            "worker",
            "--loglevel=INFO",
            "--pool=threads",  # a task only waits for its crawl process
            f"--concurrency={concurrency}",
            f"--hostname=nokwatch-{os.getpid()}@{socket.gethostname()}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


def coordinate(
    broker: str,
    data_dir: Path,
    run_id: str,
    pending: Path,
    writer: RunWriter,
    on_site: Callable[[dict], None],
    env: dict[str, str] | None = None,
    progress: Callable[[str], None] = print,
) -> bool:
    """Send the run's shards to the workers and store each result as it arrives; True if all ran."""
    environ = {**os.environ, **(env or {})}
    app = celery_app(broker, environ)
    evidence = setting("NOKWATCH_EVIDENCE_URL", environ) or Layout(data_dir).evidence.as_uri()
    size = setting("NOKWATCH_BROKER_SHARD_SIZE", environ)
    queued: dict[str, deque[Path]] = {}  # a platform's shards waiting for the one before
    in_flight: dict[str, Any] = {}  # task id → AsyncResult
    platform_of: dict[str, str] = {}

    def send(shard_rows: list[dict], platform: str) -> None:
        result = app.send_task(TASK, args=[run_id, shard_rows, env or {}, evidence])
        in_flight[result.id] = result
        platform_of[result.id] = platform

    shards = 0
    for number, shard in enumerate(split_broker(read_listing(pending), size)):
        shards += 1
        if shard.platform in queued:  # held on disk until the platform's running shard is done
            path = job_folder(data_dir, run_id) / f"queued-{number}.jsonl"
            write_listing(path, shard.rows)
            queued[shard.platform].append(path)
            continue
        if shard.platform:
            queued[shard.platform] = deque()
        send(shard.rows, shard.platform)
    progress(f"  {shards} shards sent to the workers on the broker")
    ok, done = True, 0
    while in_flight:
        finished = [task_id for task_id, result in in_flight.items() if result.ready()]
        if not finished:
            time.sleep(0.3)
            continue
        for task_id in finished:
            result = in_flight.pop(task_id)
            ok = _store(result, writer, on_site, progress) and ok
            result.forget()
            done += 1
            platform = platform_of.pop(task_id)
            if platform and queued[platform]:
                path = queued[platform].popleft()
                send(list(read_listing(path)), platform)
                path.unlink()
        progress(f"  shards: {done}/{shards} done")
    return ok


def _store(
    result: Any,
    writer: RunWriter,
    on_site: Callable[[dict], None],
    progress: Callable[[str], None],
) -> bool:
    if not result.successful():
        progress(f"  shard {result.id} failed on its worker: {result.result!r}")
        return False
    answer = result.get(propagate=False)
    for record in writer.add(answer["records"]):
        on_site(record)
    return answer["code"] == 0
