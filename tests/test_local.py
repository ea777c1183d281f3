"""A run on this machine: parts of a few thousand sites, each crawled by a fresh crawl process.

The scheduler runs real processes here: a stand-in crawl process (a short Python script printing
site records as ``crawler.process --emit`` does) so the order and overlap of parts can be
observed without Scrapy; the crawl tests run the real one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest

import crawler.local
from crawler.child import child_command
from crawler.local import crawl_here
from crawler.results import HANDOFF, RunWriter, parse_record
from crawler.shards import platform_of, read_listing, split_lanes, write_listing
from nokwatch.demo import FixtureWeb
from publisher.store import Store
from tests.crawling import proxy_env, registry
from tests.generated_sites import generated_sites, registry_rows, site_spec

STAND_IN = """
import json, sys, time
from crawler.results import emit
from crawler.shards import platform_of, read_listing
args = sys.argv[1:]
run_id, listing, log = args[args.index("--run-id") + 1], args[args.index("--institutions") + 1], args[-1]
rows = list(read_listing(listing))
platforms = sorted({platform_of(r) for r in rows})
with open(log, "a") as out:
    out.write(json.dumps(["start", listing, time.monotonic(), platforms, len(rows)]) + "\\n")
handed = False
for n, row in enumerate(rows):
    if len(rows) - n == 2 and not any(platform_of(r) for r in rows[n:]):
        print("handoff", flush=True)  # the last two sites are its own: the lane moves on
        handed = True
    began = time.monotonic()
    time.sleep(0.7 if handed else 0.02)  # a slow last site
    if platform_of(row):
        with open(log, "a") as out:
            out.write(json.dumps(["site", platform_of(row), began, time.monotonic()]) + "\\n")
    checks = [
        {"run_id": run_id, "institution_id": row["id"], "item": item, "status": "not_found",
         "url": row["website"], "checked_at": "2026-11-30T22:00:00Z", "error": None,
         "detector_version": "detectors-1"}
        for item in ("improvement_plan", "survey_form", "bus_gov_link")
    ]
    emit({"institution_id": row["id"], "rows": checks, "counts": {"sites": 1, "pages": 2}}, sys.stdout)
with open(log, "a") as out:
    out.write(json.dumps(["end", listing, time.monotonic(), platforms, len(rows)]) + "\\n")
sys.exit(3 if listing.endswith("pending-2.jsonl") and "FAIL" in args else 0)
"""


def test_lanes_of_bounded_parts_keep_each_platform_in_one_lane_and_cover_every_site_once(
    tmp_path,
):
    rows = registry_rows(generated_sites(60))
    lanes = split_lanes(iter(rows), tmp_path, 3, 7)
    assert len(lanes) == 3
    parts = [part for lane in lanes for part in lane]
    listed = {part.number: list(read_listing(part.path)) for part in parts}
    assert all(0 < part.sites <= 7 and part.sites == len(listed[part.number]) for part in parts)
    assert sorted(r["id"] for rows_ in listed.values() for r in rows_) == sorted(
        r["id"] for r in rows
    )
    for platform in ("platform:gosweb", "platform:tvoysadik"):
        holding = {
            part.lane
            for part in parts
            if any(platform_of(r) == platform for r in listed[part.number])
        }
        assert len(holding) == 1
    sizes = [sum(part.sites for part in lane) for lane in lanes]
    assert max(sizes) - min(sizes) <= len(rows) // 3  # platforms weigh, the rest evens out


def _run(tmp_path: Path, monkeypatch, sites: int, fail: bool = False) -> tuple[bool, list, Store]:
    rows = registry_rows(generated_sites(sites))
    data_dir, log = tmp_path / "data", tmp_path / "parts.log"
    store = Store(data_dir / "nokwatch.db")
    run_id = store.start_crawl("all")
    pending = tmp_path / "pending.jsonl"
    write_listing(pending, iter(rows))

    def stand_in(data_dir: Path, run_id: str, path: Path, part: str, emit: bool) -> list[str]:
        flag = ["FAIL"] if fail else []
        return [
            sys.executable,
            "-c",
            STAND_IN,
            "--run-id",
            run_id,
            "--institutions",
            str(path),
            *flag,
            str(log),
        ]

    monkeypatch.setattr(crawler.local, "child_command", stand_in)
    monkeypatch.setenv("NOKWATCH_SITES_PER_PROCESS", "5")
    seen: list[str] = []
    ok = crawl_here(
        data_dir, run_id, pending, sites, 2, RunWriter(store, run_id),
        lambda record: seen.append(record["institution_id"]), lambda _: None, None,
    )  # fmt: skip
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(seen) == sorted(r["id"] for r in rows)  # every site stored, once
    stored = store.db.execute(
        "SELECT COUNT(*), COUNT(DISTINCT institution_id) FROM observations WHERE run_id = ?",
        (run_id,),
    ).fetchone()
    assert tuple(stored) == (3 * sites, sites)
    assert not (data_dir / "crawl-jobs" / run_id / "child.pid").exists()
    return ok, events, store


def test_a_run_is_crawled_by_fresh_processes_two_at_a_time_a_platform_in_turn(
    tmp_path, monkeypatch
):
    ok, events, store = _run(tmp_path, monkeypatch, 40)
    store.close()
    assert ok
    starts = [e for e in events if e[0] == "start"]
    assert len(starts) >= 8 and all(e[4] <= 5 for e in starts)  # a process per part of ≤ 5
    spans = {}
    for kind, listing, at, platforms, _ in (e for e in events if e[0] != "site"):
        spans.setdefault(listing, [None, None, platforms])[0 if kind == "start" else 1] = at
    moments = sorted(at for start, end, _ in spans.values() for at in (start, end))
    most = max(sum(start <= m < end for start, end, _ in spans.values()) for m in moments)
    assert most in (3, 4)  # two lanes, a part's last sites beside the next part of its lane
    for platform in ("platform:gosweb", "platform:tvoysadik"):
        parts = [s for s in spans.values() if platform in s[2]]
        sites = sorted((e[2], e[3]) for e in events if e[0] == "site" and e[1] == platform)
        assert len(parts) >= 2 and len(sites) >= 4
        # never two of its sites at once, though its parts' processes overlap
        assert all(after[0] >= before[1] for before, after in pairwise(sites))


def test_a_failed_part_fails_the_run_and_the_other_parts_still_run(tmp_path, monkeypatch):
    ok, events, store = _run(tmp_path, monkeypatch, 20, fail=True)
    store.close()
    assert not ok
    assert len([e for e in events if e[0] == "end"]) == len([e for e in events if e[0] == "start"])


@pytest.mark.parametrize(("total", "processes", "sizes"), [(600, 2, 300), (20_000, 2, 2000)])
def test_parts_are_an_even_share_until_the_cap(tmp_path, total, processes, sizes):
    rows = ({"id": f"i{n}", "website": f"http://s{n}.test/"} for n in range(total))
    pending = tmp_path / "pending.jsonl"
    write_listing(pending, rows)
    lanes = crawler.local.plan_parts(tmp_path, "run", pending, total, processes, 2000)
    assert len(lanes) == processes
    assert {part.sites for lane in lanes for part in lane} == {sizes}


def test_a_crawl_process_hands_off_once_every_site_started_and_no_platform_is_in_flight(
    tmp_path,
):
    """The real crawl process: ``handoff`` comes once, after the last platform site's record."""
    sites = [site_spec(i, failures=False) for i in range(8)]
    rows = registry(tmp_path / "data", sites)
    platform_ids = {row["id"] for row in rows if platform_of(row)}
    assert platform_ids and len(platform_ids) < len(rows)
    listing = tmp_path / "part.jsonl"
    write_listing(listing, iter(rows))
    with Store(tmp_path / "data" / "nokwatch.db") as store:
        run_id = store.start_crawl("all")
    with FixtureWeb(sites) as web:
        command = child_command(tmp_path / "data", run_id, listing, "", True)
        env = {**os.environ, **proxy_env(web)}
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    said = [n for n, line in enumerate(lines) if line == HANDOFF]
    assert len(said) == 1
    order = {
        parse_record(line)["institution_id"]: n
        for n, line in enumerate(lines)
        if parse_record(line)
    }
    assert set(order) == {row["id"] for row in rows}
    assert all(order[i] < said[0] for i in platform_ids)
