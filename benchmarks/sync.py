"""Benchmark: sync 200,000 generated bus.gov.ru institutions, then the same file again.

Run: ``.venv/bin/python benchmarks/sync.py [--count N] [--keep DIR]``. Prints seconds and peak RSS
(target: under 2 minutes and 500 MiB for 200,000 institutions), and the parsing worker's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from publisher.registry.busgov.sync import sync_registry  # noqa: E402
from publisher.store import Store  # noqa: E402
from tests.busgov_samples import sample_institution, write_zip  # noqa: E402


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _WorkerPeak(threading.Thread):
    """The largest VmHWM of this process's children, sampled (ru_maxrss of children would count
    the parent's pages the child shared between fork and exec)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kib = 0

    def run(self) -> None:
        while True:
            for pid in _children():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak_kib = max(self.peak_kib, int(line.split()[1]))
            time.sleep(0.2)


def _children() -> list[str]:
    tasks = Path("/proc/self/task")
    return [pid for task in tasks.iterdir() for pid in (task / "children").read_text().split()]


def _timed(label: str, action):  # noqa: ANN001, ANN202 - a small script
    started = time.perf_counter()
    result = action()
    worker = WORKER.peak_kib / 1024
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.1f} s, peak RSS {_peak_rss_mib():.0f} MiB (worker {worker:.0f} MiB)")
    return result


WORKER = _WorkerPeak()


def main() -> None:
    """Generate, sync twice, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--keep", type=Path, help="folder to keep the ZIP and store in")
    args = parser.parse_args()
    WORKER.start()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="nokwatch-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    samples = (sample_institution(n) for n in range(1, args.count + 1))
    archive = _timed("generate ZIP", lambda: write_zip(folder / "busgov.zip", samples))
    print(f"ZIP: {archive.stat().st_size / 2**20:.0f} MiB, {args.count} documents")
    with Store(folder / "nokwatch.db") as store:
        report = _timed("first sync", lambda: sync_registry(store, archive))
        print(report.summary().splitlines()[0])
        report = _timed("same file again", lambda: sync_registry(store, archive))
        print(report.summary().splitlines()[0])


if __name__ == "__main__":
    main()
