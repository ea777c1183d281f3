"""A run's sites split into shards for several crawl processes or workers, platform-aware.

Sites on one shared hosting platform (gosweb, tvoysadik, uralschool: ``crawler.slots``) stay in one
lane of crawl processes on this machine (crawled one after another), or in shards of their own for
workers (one after another too), so the platform's download slot still caps all requests to it.
Institutions lists are JSON lines, written and read one row at a time: a run of 200,000 sites is
never held whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from crawler.slots import PLATFORMS, platform_slot


def write_listing(path: Path, rows: Iterable[dict]) -> int:
    """Write institutions as JSON lines; return how many."""
    count = 0
    with Path(path).open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def read_listing(path: Path) -> Iterator[dict]:
    """The institutions of a listing, one at a time (JSON lines, or one JSON list as of old)."""
    with Path(path).open(encoding="utf-8") as lines:
        first = lines.read(1)
        lines.seek(0)
        if first == "[":
            yield from json.load(lines)
            return
        for line in lines:
            if line.strip():
                yield json.loads(line)


def platform_of(row: dict, platforms: dict[str, str] = PLATFORMS) -> str:
    """The shared platform a site lives on, or "" for a site of its own."""
    return platform_slot(urlsplit(row.get("website") or "").hostname or "", platforms) or ""


@dataclass
class Part:
    """A listing of sites crawled by one crawl process on this machine (``crawler.local``)."""

    number: int
    lane: int  # a lane's parts are crawled one after another, the lanes side by side
    path: Path
    sites: int = 0


def split_lanes(
    rows: Iterable[dict], folder: Path, lanes: int, size: int, platforms: dict[str, str] = PLATFORMS
) -> list[list[Part]]:
    """Stream rows into ``lanes`` lanes of listings (``pending-K.jsonl`` in ``folder``) of at most
    ``size`` sites each. A site goes to the lane with the fewest sites so far; a platform's sites
    all follow its first one, so no two of its parts are ever crawled at once."""
    parts: list[list[Part]] = [[] for _ in range(lanes)]
    counts = [0] * lanes
    placed: dict[str, int] = {}
    with ExitStack() as stack:
        outs: dict[int, IO[str]] = {}
        for row in rows:
            platform = platform_of(row, platforms)
            lane = placed.get(platform) if platform else None
            if lane is None:
                lane = counts.index(min(counts))
                if platform:
                    placed[platform] = lane
            if lane not in outs:
                number = sum(map(len, parts)) + 1
                part = Part(number, lane, Path(folder) / f"pending-{number}.jsonl")
                parts[lane].append(part)
                outs[lane] = stack.enter_context(part.path.open("w", encoding="utf-8"))
            outs[lane].write(json.dumps(row, ensure_ascii=False) + "\n")
            parts[lane][-1].sites += 1
            counts[lane] += 1
            if parts[lane][-1].sites >= size:
                outs.pop(lane).close()
    lanes_used = [lane for lane in parts if lane]  # a lane may have got no site
    for index, lane_parts in enumerate(lanes_used):
        for part in lane_parts:
            part.lane = index
    return lanes_used


@dataclass
class Shard:
    """Sites sent to one worker as one task; shards of one platform run one after another."""

    platform: str  # "" for sites of their own: such shards run in parallel
    rows: list[dict] = field(default_factory=list)


def split_broker(
    rows: Iterable[dict], size: int, platforms: dict[str, str] = PLATFORMS
) -> Iterator[Shard]:
    """Shards of at most ``size`` sites, a platform's sites never mixed with others (streamed)."""
    open_shards: dict[str, Shard] = {}
    for row in rows:
        platform = platform_of(row, platforms)
        shard = open_shards.setdefault(platform, Shard(platform))
        shard.rows.append(row)
        if len(shard.rows) >= size:
            yield open_shards.pop(platform)
    yield from (shard for shard in open_shards.values() if shard.rows)
