"""Benchmark: publish 1,000,000 observations of 100,000 institutions; rows/s per step, peak RSS,
``frictionless validate`` alone, and a faceted Datasette page over the observations.

    .venv/bin/python benchmarks/publish.py [--institutions 100000] [--observations 1000000]
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import frictionless  # noqa: E402

import datapackages  # noqa: E402
from publisher.release.build import publish  # noqa: E402
from publisher.store import Store  # noqa: E402
from publisher.vocab import DATA  # noqa: E402
from tests.publishing_data import running_datasette  # noqa: E402

ITEMS = ("improvement_plan", "survey_form", "bus_gov_link")
STATUSES = ("found", "not_found", "live", "broken", "site_unreachable", "mismatch")
SPHERES = ("education", "culture", "sport", "health", "social")


def regions() -> list[str]:
    with (DATA / "regions.csv").open(encoding="utf-8") as handle:
        return [row["code"] for row in csv.DictReader(handle)]


def _insert(store: Store, table: str, rows: object) -> None:
    fields = datapackages.field_names(table)
    sql = f'INSERT INTO "{table}" ({", ".join(fields)}) VALUES ({", ".join("?" * len(fields))})'
    with store.transaction() as db:
        db.executemany(sql, ([row.get(f) for f in fields] for row in rows))


def fill(store: Store, institutions: int, observations: int) -> None:
    codes = regions()
    _insert(
        store,
        "institutions",
        (
            {
                "id": f"i{n:06d}",
                "name": f"Учреждение № {n}",
                "region": codes[n % len(codes)],
                "sphere": SPHERES[n % 5],
                "founder": f"Учредитель {n % 40}",
                "kind": "institution",
                "website": f"http://site{n}.example/",
            }
            for n in range(institutions)
        ),
    )
    runs = -(-observations // (institutions * len(ITEMS)))
    _insert(
        store,
        "crawls",
        (
            {"run_id": f"run{r}", "started_at": f"2026-0{r + 1}-01T00:00:00Z", "status": "finished"}
            for r in range(runs)
        ),
    )
    _insert(
        store,
        "observations",
        (
            {
                "run_id": f"run{k // (institutions * 3)}",
                "institution_id": f"i{(k // 3) % institutions:06d}",
                "item": ITEMS[k % 3],
                "status": STATUSES[(k * 7 + k // 3) % len(STATUSES)],
                "url": f"http://site{(k // 3) % institutions}.example/doc/{k}",
                "checked_at": f"2026-0{k // (institutions * 3) + 1}-01T00:00:00Z",
                "http_status": 200,
                "detector_version": "bench",
            }
            for k in range(observations)
        ),
    )
    _insert(
        store,
        "compliance",
        (
            {
                "institution_id": f"i{n:06d}",
                "profile": "federal-2018",
                "obligation": "plan_posted",
                "period": "once",
                "due_date": "2026-03-10",
                "status": ("on_time", "late", "overdue")[n % 3],
                "reason": "bench",
                "methodology": "bench",
            }
            for n in range(institutions)
        ),
    )


PAGES = (
    "/nokwatch/observations",
    "/nokwatch/observations?status=broken",
    "/nokwatch/observations?region=RU-TOM",
    "/nokwatch/observations?region=RU-TOM&status=broken",
    "/nokwatch/observations?item=survey_form&status=broken",
    "/nokwatch/findings?status=not_found",
    "/nokwatch/institutions?sphere=culture",
)


def faceted_pages(release: Path) -> list[tuple[str, float, float]]:
    """(path, first load, warm) in seconds for each faceted observations page."""
    timings = []
    with running_datasette(release) as url:
        for path in PAGES:
            took = []
            for _ in range(3):
                start = time.perf_counter()
                with urllib.request.urlopen(url + path, timeout=60) as response:
                    response.read()
                took.append(time.perf_counter() - start)
            timings.append((path, took[0], min(took[1:])))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--institutions", type=int, default=100_000)
    parser.add_argument("--observations", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nokwatch-bench-") as tmp:
        store = Store(Path(tmp) / "nokwatch.db")
        print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        start = time.perf_counter()
        fill(store, args.institutions, args.observations)
        print(f"store filled in {time.perf_counter() - start:.1f} s")
        marks = [("start", time.perf_counter())]
        publication = publish(
            store, echo=lambda line: marks.append((line.strip(), time.perf_counter()))
        )
        total = time.perf_counter() - marks[0][1]
        for (_, before), (line, after) in zip(marks, marks[1:], strict=False):
            print(f"  {after - before:7.1f} s  {line}")
        rows = sum(publication.rows.values())
        print(f"publish total: {total:.1f} s for {rows} rows ({rows / total:,.0f} rows/s)")
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak RSS: publisher {own:.0f} MiB, largest validation worker {children:.0f} MiB")
        start = time.perf_counter()
        report = frictionless.validate(str(publication.descriptor))
        took = time.perf_counter() - start
        print(
            f"frictionless validate (national package alone): {took:.1f} s, valid={report.valid},"
            f" {rows / took:,.0f} rows/s"
        )
        print("faceted pages (first load / warm, ms):")
        for path, first, warm in faceted_pages(publication.out):
            print(f"  {first * 1000:6.0f} / {warm * 1000:4.0f}  {path}")
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
