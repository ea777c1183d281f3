"""A run's crawl processes on this machine: N at a time, each crawling a part of the run.

The run's sites are split into parts of at most ``NOKWATCH_SITES_PER_PROCESS`` (and no more than
an even share of the run per process, so every core has work); each part is crawled by a fresh
crawl process, and when one ends the next part starts. So no crawl process lives for a whole
national run: its memory is what a few thousand sites leave behind (the allocator's
fragmentation, which no live object accounts for: docs/scale.md), whatever the run's size.

The parts form N lanes: a lane's parts run one after another, the lanes side by side. A shared
platform's sites all stay in one lane, so no two of its parts run at once and the platform's
download slot still caps every request to it. A part's last sites would hold its lane (a slow
site takes minutes); so once a crawl process has started all its sites and none in flight is on a
shared platform, it says ``handoff`` and the lane's next part starts beside its tail. Parts are JSON lines written
as the listing is read: the run is never held whole. This process reads the records every crawl
process prints and hands them to the run's one writer.
"""

from __future__ import annotations

import os
import queue
import subprocess
import threading
from collections.abc import Callable
from math import ceil
from pathlib import Path

from crawler.child import CHILD_PID, child_command, job_folder, start_child
from crawler.results import HANDOFF, RunWriter, parse_record
from crawler.settings import override
from crawler.shards import Part, read_listing, split_lanes


def default_processes() -> int:
    """Crawl processes when none are asked for: every core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def plan_parts(
    data_dir: Path, run_id: str, pending: Path, total: int, processes: int, most: int
) -> list[list[Part]]:
    """The run's lanes of parts: at most ``most`` sites a part, an even share of the run a lane."""
    size = max(1, min(most, ceil(total / max(1, processes))))
    return split_lanes(read_listing(pending), job_folder(data_dir, run_id), processes, size)


def crawl_here(
    data_dir: Path,
    run_id: str,
    pending: Path,
    total: int,
    processes: int | None,
    writer: RunWriter,
    on_site: Callable[[dict], None],
    progress: Callable[[str], None],
    env: dict[str, str] | None,
) -> bool:
    """Crawl the pending sites in parts, ``processes`` at a time; whether every part finished."""
    environ = {**os.environ, **(env or {})}
    wanted = processes or override("NOKWATCH_PROCESSES", environ) or default_processes()
    count = max(1, min(wanted, total))
    most = override("NOKWATCH_SITES_PER_PROCESS", environ)
    lanes = plan_parts(data_dir, run_id, pending, total, count, most)
    parts = [part for lane in lanes for part in lane]
    if len(parts) > 1:
        sizes = ", ".join(str(sum(part.sites for part in lane)) for lane in lanes)
        progress(
            f"  {len(lanes)} crawl processes at a time ({sizes} sites), a fresh one every"
            f" {max(part.sites for part in parts)} sites at most: {len(parts)} parts"
        )
    return Runner(data_dir, run_id, lanes, env).run(writer, on_site)


class Runner:
    """Runs each lane's parts one after another, the lanes side by side, and passes the crawl
    processes' records to the writer as they come (this thread is the only one writing).

    A lane's next part starts when its newest process ends or says ``handoff``; a lane never has
    more than two processes (its newest, and the tail of the one before)."""

    def __init__(
        self, data_dir: Path, run_id: str, lanes: list[list[Part]], env: dict[str, str] | None
    ) -> None:
        self.data_dir, self.run_id, self.env = data_dir, run_id, env
        self.lanes = [list(lane) for lane in lanes]
        self.named = sum(map(len, lanes)) > 1  # a single part keeps the run's own log name
        self.running: dict[int, tuple[subprocess.Popen, Part]] = {}
        self.in_lane: list[list[int]] = [[] for _ in lanes]  # running pids, oldest first
        self.handed: set[int] = set()  # processes that said HANDOFF
        # (pid, a record | HANDOFF | None: the process's output ended)
        self.events: queue.Queue[tuple[int, dict | str | None]] = queue.Queue()
        self.pid_file = job_folder(data_dir, run_id) / CHILD_PID
        self.codes: list[int] = []

    def run(self, writer: RunWriter, on_site: Callable[[dict], None]) -> bool:
        try:
            for lane in range(len(self.lanes)):
                self._advance(lane)
            while self.running:
                events = [self.events.get()]
                while not self.events.empty() and len(events) < 200:
                    events.append(self.events.get_nowait())
                records = [record for _, record in events if isinstance(record, dict)]
                for record in writer.add(records):
                    on_site(record)
                for pid, record in events:
                    if record == HANDOFF:
                        self.handed.add(pid)
                        self._advance(self.running[pid][1].lane)
                    elif record is None:
                        self._advance(self._finished(pid).lane)
        except BaseException:  # interrupted (Ctrl-C, an error in progress): no orphan crawl
            for child, _ in self.running.values():
                child.kill()
            raise
        finally:
            self.pid_file.unlink(missing_ok=True)
        return all(code == 0 for code in self.codes)

    def _advance(self, lane: int) -> None:
        """Start the lane's next part if its newest process has ended or handed off."""
        running = self.in_lane[lane]
        ready = not running or (running[-1] in self.handed and len(running) < 2)
        if ready and self.lanes[lane]:
            part = self.lanes[lane].pop(0)
            name = f"-{part.number}" if self.named else ""
            command = child_command(self.data_dir, self.run_id, part.path, name, True)
            child = start_child(command, self.env)
            self.running[child.pid] = (child, part)
            running.append(child.pid)
            threading.Thread(target=self._read, args=(child,), daemon=True).start()
        pids = "\n".join(str(pid) for pid in self.running)
        self.pid_file.write_text(pids, encoding="ascii")

    def _read(self, child: subprocess.Popen) -> None:
        assert child.stdout is not None
        for line in child.stdout:
            record = parse_record(line)
            if record is not None or line.rstrip("\n") == HANDOFF:
                self.events.put((child.pid, record or HANDOFF))
        self.events.put((child.pid, None))

    def _finished(self, pid: int) -> Part:
        child, part = self.running.pop(pid)
        self.in_lane[part.lane].remove(pid)
        self.handed.discard(pid)
        self.codes.append(child.wait())
        if child.stdout is not None:
            child.stdout.close()
        return part
