"""Benchmark: crawl a fixture web of generated sites end to end, and a plain CrawlSpider over the same web.

Run: ``.venv/bin/python benchmarks/crawl.py [--sites 2000] [--shards 2] [--no-shapes]``. The fixture
web runs in a process of its own. Prints, for both crawls: pages/s, sites/min, CPU seconds, peak RSS;
then nokwatch's accuracy on the hard site shapes (nokwatch.demo.shapes) and the share of pages it
rendered in the browser.
Targets: ≥ 200 sites/min end to end, nokwatch's pages/s ≥ 65 % of the plain spider's, RSS ≤ 1 GiB.
Sites sit on hosts of their own: shared-hosting platforms are deliberately capped per platform
(crawler.slots), which would measure the cap, not the crawler.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.generated_sites import generated_sites, registry_rows  # noqa: E402

SETTINGS = {"NOKWATCH_DOWNLOAD_TIMEOUT": "10"}


def _serve(count: int, ports: multiprocessing.Queue, stop: multiprocessing.Event) -> None:
    from nokwatch.demo import FixtureWeb

    with FixtureWeb(generated_sites(count, shared_hosting=False)) as web:
        ports.put(web.proxy_url)
        stop.wait()


class RssSampler(threading.Thread):
    """Samples the summed RSS of this process's descendants (but the web server) twice a second."""

    def __init__(self, exclude: int) -> None:
        super().__init__(daemon=True)
        self.exclude, self.peak, self.running = exclude, 0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(
                self.peak, sum(_rss(pid) for pid in _descendants(os.getpid(), self.exclude))
            )
            time.sleep(0.5)


def _descendants(root: int, exclude: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
            except (OSError, IndexError):
                continue
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        children = [
            child for child, parent in parents.items() if parent == pid and child != exclude
        ]
        found.extend(children)
        frontier.extend(children)
    return found


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _measure(label: str, sites: int, web_pid: int, action) -> dict:  # noqa: ANN001 - a script
    sampler = RssSampler(web_pid)
    sampler.start()
    cpu, started = _cpu_of_children(), time.perf_counter()
    pages = action()
    wall = time.perf_counter() - started
    sampler.running = False
    result = {
        "crawl": label,
        "pages": pages,
        "seconds": round(wall, 1),
        "pages_per_s": round(pages / wall, 1),
        "sites_per_min": round(sites / wall * 60, 1),
        "cpu_s": round(_cpu_of_children() - cpu, 1),
        "peak_rss_mib": round(sampler.peak / 2**20),
    }
    print(json.dumps(result), flush=True)
    return result


def _plain(proxy: str, rows: list[dict], shards: int, work: Path) -> int:
    children, outputs = [], []
    for shard in range(shards):
        listing = work / f"plain-{shard}.json"
        listing.write_text(json.dumps([r["website"] for r in rows[shard::shards]]))
        outputs.append(work / f"plain-{shard}.out")
        command = [
            sys.executable,
            str(Path(__file__).with_name("plainspider.py")),
            str(listing),
            str(outputs[-1]),
        ]
        env = {**os.environ, "http_proxy": proxy, "https_proxy": proxy}
        children.append(subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parents[1]))
    for child in children:
        child.wait()
    return sum(int(path.read_text()) for path in outputs)


def _nokwatch(proxy: str, rows: list[dict], shards: int, data_dir: Path) -> int:
    from crawler.run import crawl

    env = {"http_proxy": proxy, "https_proxy": proxy, **SETTINGS}
    results: list = []
    ids = [[r["id"] for r in rows[shard::shards]] for shard in range(shards)]
    threads = [
        threading.Thread(
            target=lambda i=i: results.append(
                crawl(data_dir, ids=i, env=env, progress=lambda _: None)
            )
        )
        for i in ids
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats = [
        json.loads((data_dir / "crawl-jobs" / s.run_id / "stats.json").read_text()) for s in results
    ]
    return sum(stat.get("response_received_count", 0) for stat in stats)


def _shapes(work: Path) -> dict:
    """Crawl the hard site shapes; accuracy against their expectations, share of pages rendered."""
    import sqlite3

    from crawler.run import crawl
    from nokwatch.demo import FixtureWeb
    from tests.fixture_expectations import expected_shape
    from tests.generated_sites import shape_sites

    specs = shape_sites()
    rows = registry_rows(specs)
    _registry(work / "shapes", rows)
    started = time.perf_counter()
    with FixtureWeb(specs) as web:
        env = {"http_proxy": web.proxy_url, "https_proxy": web.proxy_url, **SETTINGS}
        env["NOKWATCH_CA_BUNDLE"] = str(web.ca_file)
        summary = crawl(work / "shapes", env=env, progress=lambda _: None)
    db = sqlite3.connect(work / "shapes" / "nokwatch.db")
    seen = {
        (i, item): (status, error)
        for i, item, status, error in db.execute(
            "SELECT institution_id, item, status, error FROM observations WHERE run_id = ?",
            [summary.run_id],
        )
    }
    pages, rendered = db.execute(
        "SELECT pages, pages_rendered FROM crawls WHERE run_id = ?", [summary.run_id]
    ).fetchone()
    right = total = 0
    for spec, row in zip(specs, rows, strict=True):
        for item, (status, error) in expected_shape(spec).items():
            total += 1
            got = seen.get((row["id"], item))
            right += bool(got and got[0] == status and (error is None or got[1] == error))
    result = {
        "crawl": "hard shapes",
        "sites": len(specs),
        "accuracy": round(right / total, 3),
        "pages": pages,
        "rendered_share": round(rendered / pages, 3) if pages else 0.0,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result), flush=True)
    return result


def _registry(data_dir: Path, rows: list[dict]) -> None:
    from publisher.registry.table import import_rows
    from publisher.store import Store

    with Store(data_dir / "nokwatch.db") as store:
        import_rows(store, enumerate(rows, start=2), "benchmark")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=2000)
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--no-shapes", action="store_true", help="skip the hard site shapes")
    args = parser.parse_args()
    rows = registry_rows(generated_sites(args.sites, shared_hosting=False))
    context = multiprocessing.get_context("spawn")
    ports, stop = context.Queue(), context.Event()
    web = context.Process(target=_serve, args=(args.sites, ports, stop))
    web.start()
    proxy = ports.get(timeout=120)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        _registry(work / "data", rows)
        _measure(
            "plain CrawlSpider", args.sites, web.pid, lambda: _plain(proxy, rows, args.shards, work)
        )
        _measure(
            "nokwatch",
            args.sites,
            web.pid,
            lambda: _nokwatch(proxy, rows, args.shards, work / "data"),
        )
        if not args.no_shapes:
            _shapes(work)
    stop.set()
    web.join(timeout=10)


if __name__ == "__main__":
    main()
