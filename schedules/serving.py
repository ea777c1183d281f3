"""Datasette beside the scheduler: a child process serving the latest release, restarted when it dies or a new
release is published (it serves an immutable database, so a new one needs a fresh process)."""

from __future__ import annotations

import logging
import subprocess
import time
from pathlib import Path

from publisher.layout import Layout
from publisher.release.versions import latest
from publisher.site.serve import datasette_command

log = logging.getLogger("schedules.serving")
MAX_PAUSE = 60.0  # seconds, at most, between restarts of a Datasette that keeps dying


class Datasette:
    """Keeps one ``nokwatch serve`` child running for the data directory's latest publication."""

    def __init__(self, data_dir: Path, host: str, port: int) -> None:
        self.data_dir = Path(data_dir)
        self.host, self.port = host, port
        self.child: subprocess.Popen | None = None
        self.served: tuple = ()
        self.crashes = 0
        self.next_start = 0.0

    def fingerprint(self) -> tuple:
        """What is published now: the folder ``releases/latest`` points to, which each release moves."""
        folder = latest(self.data_dir)
        return (str(folder),) if folder is not None else ()

    def check(self) -> None:
        """Start; restart after a new release, or after a crash with a growing pause."""
        published = self.fingerprint()
        if not published:
            return
        if self.child is not None and self.child.poll() is None:
            if published != self.served:
                log.info("new release published: restarting datasette")
                self.stop()
                self.crashes = 0
                self._start(published)
            return
        if self.child is not None:
            self.crashes += 1
            self.next_start = time.monotonic() + min(MAX_PAUSE, 2 ** (self.crashes - 1))
            log.warning(
                "datasette exited; restarting it",
                extra={"returncode": self.child.returncode, "crashes": self.crashes},
            )
            self.child = None
        if time.monotonic() >= self.next_start:
            self._start(published)

    def _start(self, published: tuple) -> None:
        command = datasette_command(Path(published[0]), self.host, self.port)
        logs = Layout(self.data_dir).datasette_log
        logs.parent.mkdir(parents=True, exist_ok=True)
        with logs.open("ab") as output:
            self.child = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        self.served = published
        log.info(
            "datasette started",
            extra={"url": f"http://{self.host}:{self.port}/", "pid": self.child.pid},
        )

    def stop(self) -> None:
        """Stop the child, politely first."""
        if self.child is None:
            return
        if self.child.poll() is None:
            self.child.terminate()
            try:
                self.child.wait(10)
            except subprocess.TimeoutExpired:
                self.child.kill()
                self.child.wait()
        self.child = None
