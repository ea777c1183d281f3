"""Splitting a run: platform-aware shards for crawl processes and workers, streamed listings."""

from __future__ import annotations

from crawler.shards import platform_of, read_listing, split_broker, write_listing
from tests.generated_sites import generated_sites, registry_rows


def test_listings_are_json_lines_read_one_row_at_a_time(tmp_path):
    rows = registry_rows(generated_sites(5))
    assert write_listing(tmp_path / "sites.jsonl", iter(rows)) == 5
    listing = read_listing(tmp_path / "sites.jsonl")
    assert next(listing) == rows[0]
    assert list(listing) == rows[1:]


def test_broker_shards_are_bounded_and_never_mix_a_platform_with_other_sites():
    rows = registry_rows(generated_sites(60))
    shards = list(split_broker(iter(rows), 7))
    assert all(0 < len(shard.rows) <= 7 for shard in shards)
    assert sorted(r["id"] for s in shards for r in s.rows) == sorted(r["id"] for r in rows)
    for shard in shards:
        assert {platform_of(r) for r in shard.rows} == {shard.platform}
