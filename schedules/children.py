"""Crawl child processes (``python -m crawler.process --run-id RUN``), found through ``/proc``.

The service needs them in two cases: to stop its own crawls gracefully on SIGTERM, and at start to
stop a crawl orphaned by a service that was killed (SIGKILL does not reach children).
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from publisher.lifeline import alive

PROC = Path("/proc")


@dataclass(frozen=True)
class CrawlProcess:
    """A running crawl child: its pid, its parent's pid and its run id."""

    pid: int
    ppid: int
    run_id: str


def _cmdline(pid: int) -> list[str]:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _stat(pid: int) -> tuple[str, int] | None:
    """State letter and parent pid (the fields after the parenthesised command name)."""
    try:
        text = (PROC / str(pid) / "stat").read_text(errors="replace")
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1])


def children_of(parent: int) -> list[int]:
    """Pids of the live child processes of ``parent``."""
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[0] != "Z" and stat[1] == parent:
                found.append(int(entry.name))
    return found


def crawl_processes() -> list[CrawlProcess]:
    """Every live crawl child on this machine."""
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        argv = _cmdline(int(entry.name))
        if "crawler.process" not in argv or "--run-id" not in argv:
            continue
        stat = _stat(int(entry.name))
        if stat and stat[0] != "Z":
            found.append(CrawlProcess(int(entry.name), stat[1], argv[argv.index("--run-id") + 1]))
    return found


def orphaned(process: CrawlProcess) -> bool:
    """A crawl whose parent is no nokwatch process any more: its service or command was killed."""
    argv = _cmdline(process.ppid)
    return not any(Path(arg).name == "nokwatch" or "nokwatch.cli" in arg for arg in argv)


def terminate(pids: list[int], timeout: float = 25.0) -> None:
    """SIGTERM (Scrapy stops gracefully), then SIGKILL whatever is still there after ``timeout``."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        pids = [pid for pid in pids if alive(pid)]
        if not pids:
            return
