"""One service per data directory: an OS file lock the kernel releases when the process dies."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from publisher.errors import ServiceLocked
from publisher.layout import Layout


class ServiceLock:
    """An exclusive ``flock`` on ``DATA_DIR/service.lock``; the file holds the owner's pid."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Layout(Path(data_dir)).service_lock
        self.fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise ServiceLocked naming the process that holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # O_CLOEXEC (Python's default) keeps crawl children from inheriting the lock: an
        # orphaned crawl must not hold the data directory after the service is killed.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise ServiceLocked(
                f"на {self.path.parent} уже работает служба nokwatch (pid {holder}) "
                "(another nokwatch service already runs on it): stop it first or use another --data-dir"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> ServiceLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()
