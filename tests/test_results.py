"""The run's one writer stores each site once, asking the store rather than remembering ids."""

from __future__ import annotations

from crawler.results import RunWriter
from publisher.store import Store


def _record(run_id: str, institution: str) -> dict:
    rows = [
        {
            "run_id": run_id,
            "institution_id": institution,
            "item": item,
            "status": "not_found",
            "url": f"http://{institution}.example/",
            "checked_at": "2026-11-30T22:00:00Z",
            "error": None,
            "detector_version": "detectors-1",
        }
        for item in ("improvement_plan", "survey_form", "bus_gov_link")
    ]
    return {"institution_id": institution, "rows": rows, "counts": {"sites": 1, "pages": 4}}


def test_a_site_delivered_again_is_stored_once_even_by_a_new_writer(tmp_path):
    with Store(tmp_path / "nokwatch.db") as store:
        run_id = store.start_crawl("all")
        writer = RunWriter(store, run_id)
        first = writer.add([_record(run_id, "a"), _record(run_id, "b"), _record(run_id, "a")])
        assert [r["institution_id"] for r in first] == ["a", "b"]
        assert writer.add([_record(run_id, "b")]) == []  # a shard delivered again
        resumed = RunWriter(store, run_id)  # a coordinator resuming the run
        stored = resumed.add([_record(run_id, "a"), _record(run_id, "c")])
        assert [r["institution_id"] for r in stored] == ["c"]
        (sites, pages) = store.db.execute(
            "SELECT sites, pages FROM crawls WHERE run_id = ?", (run_id,)
        ).fetchone()
        assert (sites, pages) == (3, 12)
        count = store.db.execute(
            "SELECT COUNT(*) FROM observations WHERE run_id = ?", (run_id,)
        ).fetchone()[0]
        assert count == 9
