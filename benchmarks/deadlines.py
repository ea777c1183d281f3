"""Benchmark: 1,000,000 obligations, due date computed and verdict given, on the shipped calendar.

Run: .venv/bin/python benchmarks/deadlines.py [N]   (target: >= 200,000 obligations per second)
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date

from publisher.deadlines.periods import Days
from publisher.deadlines.verdicts import Claim, due_dates, judge
from publisher.deadlines.workcalendar import default_calendar

PERIODS = (Days(15), Days(30), Days(5, working=True), Days(10, working=True))
AS_OF = date(2026, 11, 22)


def obligations(n: int, seed: int = 1) -> list[tuple[int, Days, Claim | None]]:
    """Random triggers 2013-2025, periods from the profiles, reported done dates (or none)."""
    rng = random.Random(seed)
    start, end = date(2013, 1, 1).toordinal(), date(2025, 10, 1).toordinal()
    days = [date.fromordinal(o) for o in range(start, end + 60)]
    found = []
    for _ in range(n):
        trigger = rng.randrange(start, end)
        done = rng.choice((None, days[trigger - start + rng.randrange(0, 50)]))
        claim = Claim("report:bench", done) if done else None
        found.append((trigger, rng.choice(PERIODS), claim))
    return found


def run(items: list[tuple[int, Days, Claim | None]]) -> dict[str, int]:
    """Compute every due date (in batches per period) and every verdict; counts by status."""
    calendar = default_calendar()
    counts: dict[str, int] = {}
    for period in PERIODS:
        batch = [(trigger, claim) for trigger, p, claim in items if p is period]
        dues = due_dates(period, [trigger for trigger, _ in batch], calendar)
        for due, (_, claim) in zip(dues, batch, strict=True):
            status = judge(due, AS_OF, calendar, (claim,) if claim else ()).status
            counts[status] = counts.get(status, 0) + 1
    return counts


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    items = obligations(n)
    default_calendar()  # built once; not part of the per-row cost
    # CPU time is the figure: other jobs on a shared 2-core machine inflate wall time.
    began, began_cpu = time.perf_counter(), time.process_time()
    counts = run(items)
    wall, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    print(f"{n:,} obligations: {n / cpu:,.0f} per CPU second ({cpu:.2f} s CPU, {wall:.2f} s wall)")
    print(", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
