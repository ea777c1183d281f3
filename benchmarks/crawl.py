"""Benchmark: crawl a fixture web of generated sites end to end, and a plain CrawlSpider over the same web.

Run: ``.venv/bin/python benchmarks/crawl.py [--sites 2000] [--shards 2] [--latency] [--only …]``.
The fixture web runs in a process of its own; nokwatch runs as ``nokwatch crawl --processes N``
(the coordinator and its N crawl processes). Prints, per crawl: pages/s, sites/min, CPU seconds
(and per site), peak RSS of every process, the load average, and the projected time of a run of
100,000 and 200,000 sites at that rate (this machine; each added worker of the same kind adds
that rate again, as long as the coordinator keeps up: its own CPU per site is printed).

``--latency``: every host answers each request after 0.1-2 s (fixed per host: most fast, some
slow), on top of the generated failures (sites down, refusing, timing out, 5xx).
Targets: nokwatch's pages/s ≥ 65 % of the plain spider's with one process each; peak RSS that
does not grow with the number of sites (printed: the largest crawl process's RSS once a quarter of
the sites were done and at the end).
Then nokwatch's accuracy on the hard site shapes (nokwatch.demo.shapes) and the share of pages it
rendered in the browser (``--no-shapes`` skips them).
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
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nokwatch.demo.external import EXTERNAL_HOSTS  # noqa: E402
from tests.generated_sites import generated_sites, registry_rows  # noqa: E402

SETTINGS = {"NOKWATCH_DOWNLOAD_TIMEOUT": "10"}


def realistic_latency(host: str) -> float:
    """Seconds a host takes per answer: 60 % within 0.1-0.5 s, 30 % 0.5-1.5 s, 10 % 1.5-2 s;
    the form services and bus.gov.ru, large sites, 0.15 s."""
    if host in EXTERNAL_HOSTS:
        return 0.15
    share = zlib.crc32(host.encode()) % 1000 / 10
    if share < 60:
        return 0.1 + share / 60 * 0.4
    if share < 90:
        return 0.5 + (share - 60) / 30
    return 1.5 + (share - 90) / 20


def _serve(
    count: int, latency: bool, ports: multiprocessing.Queue, stop: multiprocessing.Event
) -> None:
    from nokwatch.demo import FixtureWeb

    sites = generated_sites(count, shared_hosting=False)
    with FixtureWeb(sites, latency=realistic_latency if latency else None) as web:
        del sites
        ports.put(web.proxy_url)
        stop.wait()


class RssSampler(threading.Thread):
    """Samples the RSS of each of this process's descendants (but the web server) twice a second."""

    def __init__(self, exclude: int) -> None:
        super().__init__(daemon=True)
        self.exclude, self.peak, self.running = exclude, 0, True
        self.peaks: dict[int, tuple[str, int]] = {}  # pid → (role, peak RSS)
        self.cpu: dict[int, float] = {}  # pid → its own CPU seconds (children excluded)
        self.sites_done = 0  # set by whoever reads the crawl's progress
        self.by_sites: list[tuple[int, int]] = []  # (sites done, largest crawl process RSS)

    def run(self) -> None:
        while self.running:
            pids = _descendants(os.getpid(), self.exclude)
            total = 0
            for pid in pids:
                rss = _rss(pid)
                total += rss
                role, peak = self.peaks.get(pid, (_role(pid), 0))
                self.peaks[pid] = (role, max(peak, rss))
                self.cpu[pid] = _own_cpu(pid) or self.cpu.get(pid, 0.0)
            self.peak = max(self.peak, total)
            crawling = [_rss(pid) for pid in pids if self.peaks[pid][0] == "crawl process"]
            if crawling and self.sites_done:
                self.by_sites.append((self.sites_done, max(crawling)))
            time.sleep(0.5)


def _role(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    if b"crawler.process" in command:
        return "crawl process"
    if b"crawl" in command:
        return "coordinator"
    return "plain spider" if any(b"plainspider" in part for part in command) else "other"


def _own_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    pages = action(sampler)
    wall = time.perf_counter() - started
    sampler.running = False
    cpu_s = _cpu_of_children() - cpu
    per_process: dict[str, int] = {}
    for role, peak in sampler.peaks.values():
        per_process[role] = max(per_process.get(role, 0), round(peak / 2**20))
    coordinator = [
        sampler.cpu[pid] for pid, (role, _) in sampler.peaks.items() if role == "coordinator"
    ]
    rate = sites / wall * 60
    result = {
        "crawl": label,
        "sites": sites,
        "pages": pages,
        "seconds": round(wall, 1),
        "pages_per_s": round(pages / wall, 1),
        "sites_per_min": round(rate, 1),
        "cpu_s": round(cpu_s, 1),
        "cpu_s_per_site": round(cpu_s / sites, 4),
        "coordinator_cpu_s_per_site": round(sum(coordinator) / sites, 4) if coordinator else None,
        "peak_rss_mib": round(sampler.peak / 2**20),
        "peak_rss_mib_per_process": per_process,
        **_growth(sampler.by_sites, sites),
        "hours_for_100k_sites": round(100_000 / rate / 60, 2),
        "hours_for_200k_sites": round(200_000 / rate / 60, 2),
        "load_average": os.getloadavg(),
    }
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


def _growth(by_sites: list[tuple[int, int]], sites: int) -> dict:
    """The largest crawl process's RSS once a quarter of the sites were done, and at the end (each
    process crawls a part of at most NOKWATCH_SITES_PER_PROCESS sites, then a fresh one goes on)."""
    if not by_sites:
        return {}
    quarter = next(((n, rss) for n, rss in by_sites if n >= sites / 4), by_sites[0])
    return {
        "crawl_rss_mib_by_sites": {n: round(rss / 2**20, 1) for n, rss in (quarter, by_sites[-1])}
    }


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


def _nokwatch(proxy: str, shards: int, data_dir: Path, sampler: RssSampler) -> int:
    env = {**os.environ, "http_proxy": proxy, "https_proxy": proxy, **SETTINGS}
    command = [sys.executable, "-m", "nokwatch", "--data-dir", str(data_dir), "crawl"]
    with subprocess.Popen(
        [*command, "--processes", str(shards)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    ) as crawl:
        assert crawl.stdout is not None
        for line in crawl.stdout:  # "  [12/2000] id: …" per site stored
            if line.startswith("  ["):
                sampler.sites_done += 1
    if crawl.returncode:
        raise SystemExit(f"nokwatch crawl failed ({crawl.returncode})")
    stats = [json.loads(path.read_text()) for path in data_dir.glob("crawl-jobs/*/stats*.json")]
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
    parser.add_argument("--shards", type=int, default=2, help="crawl processes of each crawl")
    parser.add_argument("--only", choices=("plain", "nokwatch"), help="run one crawl only")
    parser.add_argument("--latency", action="store_true", help="hosts answer in 0.1-2 s")
    parser.add_argument("--no-shapes", action="store_true", help="skip the hard site shapes")
    args = parser.parse_args()
    rows = registry_rows(generated_sites(args.sites, shared_hosting=False))
    context = multiprocessing.get_context("spawn")
    ports, stop = context.Queue(), context.Event()
    web = context.Process(target=_serve, args=(args.sites, args.latency, ports, stop))
    web.start()
    proxy = ports.get(timeout=120)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        _registry(work / "data", rows)
        if args.only != "nokwatch":
            _measure(
                "plain CrawlSpider",
                args.sites,
                web.pid,
                lambda _: _plain(proxy, rows, args.shards, work),
            )
        if args.only != "plain":
            _measure(
                "nokwatch",
                args.sites,
                web.pid,
                lambda sampler: _nokwatch(proxy, args.shards, work / "data", sampler),
            )
        if not args.no_shapes and args.only != "plain":
            _shapes(work)
    stop.set()
    web.join(timeout=10)


if __name__ == "__main__":
    main()
