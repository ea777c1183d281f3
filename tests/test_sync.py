"""Registry sync with bus.gov.ru: incremental, idempotent, matched, local values kept, atomic."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

import publisher.registry.busgov.sync
from publisher.errors import InputError
from publisher.registry.busgov import worker as busgov_worker
from publisher.registry.busgov.sync import sync_registry
from publisher.registry.local import clear_local_value, local_overrides, set_local_value
from publisher.store import Store
from tests.busgov_samples import position_xml, sample_institution, write_zip


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "nokwatch.db") as opened:
        yield opened


def _zip(folder: Path, name: str, *samples, extra: dict[str, bytes] | None = None) -> Path:
    return write_zip(folder / name, samples, extra=extra)


def _institution(store: Store, institution_id: str) -> dict:
    return next(store.rows("institutions", "id = ?", [institution_id]))


def _changes(store: Store, change: str | None = None) -> list[tuple]:
    rows = (
        store.rows("registry_changes", "change = ?", [change])
        if change
        else store.rows("registry_changes")
    )
    return [
        (r["institution_id"], r["change"], r["field"], r["old_value"], r["new_value"]) for r in rows
    ]


def _dump(store: Store) -> list[tuple]:
    tables = ("institutions", "registry_changes", "busgov_state", "local_overrides")
    return [
        tuple(row) for t in tables for row in store.db.execute(f"SELECT * FROM {t} ORDER BY 1, 2")
    ]


def _add(store: Store, **row: str) -> None:
    base = {"name": "Школа (по данным региона)", "region": "RU-TOM", "sphere": "education"}
    store.upsert("institutions", [{**base, "kind": "institution", "source": "tomsk.csv", **row}])


def test_new_institutions_are_added_with_region_sphere_and_history(store, tmp_path) -> None:
    report = sync_registry(store, _zip(tmp_path, "a.zip", sample_institution(1)))
    assert (report.documents, report.new, report.errors) == (1, 1, [])
    row = _institution(store, "bus-69000001")
    assert (row["region"], row["sphere"], row["kind"]) == ("RU-TOM", "education", "institution")
    assert (row["bus_gov_id"], row["reg_num"], row["oktmo"]) == ("100001", "69000001", "69701000")
    assert (row["website"], row["website_original"]) == ("http://www.school1.ru/", "www.school1.ru")
    assert row["address"] == "634050, Томская обл, Томск г, Ленина пр-кт, д. 1"
    assert _changes(store) == [("bus-69000001", "new", "status", None, "open")]


def test_the_same_file_twice_changes_nothing(store, tmp_path) -> None:
    path = _zip(tmp_path, "a.zip", *(sample_institution(n) for n in range(1, 4)))
    sync_registry(store, path)
    before = _dump(store)
    report = sync_registry(store, path)
    assert (report.new, report.changed, report.skipped_not_newer) == (0, 0, 3)
    assert _dump(store) == before


def test_a_newer_version_changes_fields_and_an_older_one_does_not(store, tmp_path) -> None:
    sync_registry(store, _zip(tmp_path, "v1.zip", sample_institution(1)))
    v2 = sample_institution(1, version=2, www="школа1.рф", founder="Администрация Города Томска")
    report = sync_registry(store, _zip(tmp_path, "v2.zip", v2))
    assert (report.changed, report.unchanged) == (1, 0)
    assert _changes(store, "changed") == [
        (
            "bus-69000001",
            "changed",
            "founder",
            "Департамент общего образования Томской области",
            "Администрация Города Томска",
        ),
        (
            "bus-69000001",
            "changed",
            "website",
            "http://www.school1.ru/",
            "http://xn--1-7sb3aeo2d.xn--p1ai/",
        ),
        ("bus-69000001", "changed", "website_original", "www.school1.ru", "школа1.рф"),
    ]
    before = _dump(store)
    old = sample_institution(1, founder="Старый учредитель", change_date="2025-01-01T00:00:00")
    report = sync_registry(store, _zip(tmp_path, "v1-later-date.zip", old))
    assert report.skipped_not_newer == 1 and _dump(store) == before


def test_same_version_with_a_later_change_date_is_newer(store, tmp_path) -> None:
    sync_registry(store, _zip(tmp_path, "a.zip", sample_institution(1)))
    later = sample_institution(1, founder="Новый", change_date="2024-03-16T10:00:00+03:00")
    assert sync_registry(store, _zip(tmp_path, "b.zip", later)).changed == 1


MATCHES = {
    "agencyId": {"bus_gov_id": "100001"},
    "regNum": {"reg_num": "69000001"},
    "INN+KPP": {"inn": "7000000001", "kpp": "701701001"},
    "OGRN": {"ogrn": "1027000000001"},
}


@pytest.mark.parametrize("key", MATCHES)
def test_an_institution_is_matched_by_each_identifier(store, tmp_path, key) -> None:
    _add(store, id="tomsk-001", **MATCHES[key])
    report = sync_registry(store, _zip(tmp_path, "a.zip", sample_institution(1)))
    assert report.new == 0
    assert store.count("institutions") == 1
    assert _institution(store, "tomsk-001")["reg_num"] == "69000001"


def test_matching_prefers_regnum_over_inn_kpp_over_ogrn(store, tmp_path) -> None:
    _add(store, id="by-ogrn", ogrn="1027000000001")
    _add(store, id="by-inn", inn="7000000001", kpp="701701001")
    _add(store, id="by-regnum", reg_num="69000001")
    sync_registry(store, _zip(tmp_path, "a.zip", sample_institution(1)))
    assert _institution(store, "by-regnum")["bus_gov_id"] == "100001"
    assert _institution(store, "by-inn")["bus_gov_id"] is None


def test_a_branch_sharing_its_parents_ogrn_is_a_new_institution(store, tmp_path) -> None:
    parent = sample_institution(1)
    branch = sample_institution(2, ogrn=parent.ogrn)
    report = sync_registry(store, _zip(tmp_path, "a.zip", parent, branch))
    assert report.new == 2


def test_a_local_value_survives_and_a_disagreement_is_kept_as_both(store, tmp_path) -> None:
    sync_registry(store, _zip(tmp_path, "v1.zip", sample_institution(1)))
    set_local_value(
        store, "bus-69000001", "website", "https://school1.tomsk.ru", note="найден вручную"
    )
    report = sync_registry(
        store, _zip(tmp_path, "v2.zip", sample_institution(1, version=2, www="school1.org"))
    )
    row = _institution(store, "bus-69000001")
    assert (row["website"], row["website_original"]) == (
        "https://school1.tomsk.ru/",
        "https://school1.tomsk.ru",
    )
    assert report.conflicts == 1
    assert _changes(store, "conflict") == [
        ("bus-69000001", "conflict", "website", "https://school1.tomsk.ru/", "http://school1.org/")
    ]
    [override] = local_overrides(store, conflicts_only=True)
    assert (override["value"], override["register_value"]) == (
        "https://school1.tomsk.ru/",
        "http://school1.org/",
    )
    again = sync_registry(
        store, _zip(tmp_path, "v3.zip", sample_institution(1, version=3, www="school1.org"))
    )
    assert again.conflicts == 0 and len(_changes(store, "conflict")) == 1
    sync_registry(
        store,
        _zip(tmp_path, "v4.zip", sample_institution(1, version=4, www="https://school1.tomsk.ru")),
    )
    assert local_overrides(store, conflicts_only=True) == []
    assert _institution(store, "bus-69000001")["website"] == "https://school1.tomsk.ru/"


def test_a_cleared_local_value_follows_the_register_again(store, tmp_path) -> None:
    sync_registry(store, _zip(tmp_path, "v1.zip", sample_institution(1)))
    set_local_value(store, "bus-69000001", "website", "https://school1.tomsk.ru")
    v2 = sample_institution(1, version=2, www="school1.org")
    sync_registry(store, _zip(tmp_path, "v2.zip", v2))
    assert clear_local_value(store, "bus-69000001", "website") == "http://school1.org/"
    row = _institution(store, "bus-69000001")
    assert (row["website"], row["website_original"]) == ("http://school1.org/", "school1.org")
    assert local_overrides(store) == []
    cleared = store.rows("registry_changes", "source = ?", ["local value cleared"])
    assert [(r["field"], r["old_value"], r["new_value"]) for r in cleared] == [
        ("website", "https://school1.tomsk.ru/", "http://school1.org/")
    ]
    again = sync_registry(store, _zip(tmp_path, "v3.zip", replace(v2, version=3)))
    assert (again.conflicts, again.changed, local_overrides(store)) == (0, 0, [])


def test_clearing_a_value_that_is_not_local_is_an_input_error(store) -> None:
    _add(store, id="tomsk-001", founder="Департамент")
    with pytest.raises(InputError, match="нет местного значения"):
        clear_local_value(store, "tomsk-001", "founder")
    set_local_value(store, "tomsk-001", "founder", "Администрация")
    assert clear_local_value(store, "tomsk-001", "founder") is None  # no register to follow
    assert _institution(store, "tomsk-001")["founder"] == "Администрация"
    with pytest.raises(InputError, match="не синхронизируется"):
        clear_local_value(store, "tomsk-001", "sphere")


def test_a_regions_own_values_meet_the_register_as_conflicts(store, tmp_path) -> None:
    _add(
        store,
        id="tomsk-001",
        reg_num="69000001",
        website="http://school-one.ru/",
        website_original="school-one.ru",
        assessment_date="2024-05-01",
    )
    report = sync_registry(store, _zip(tmp_path, "a.zip", sample_institution(1)))
    row = _institution(store, "tomsk-001")
    assert (row["name"], row["website"]) == ("Школа (по данным региона)", "http://school-one.ru/")
    assert (row["assessment_date"], row["source"], row["inn"]) == (
        "2024-05-01",
        "tomsk.csv",
        "7000000001",
    )
    assert {c[2] for c in _changes(store, "conflict")} == {"name", "website"}
    assert report.conflicts == 2 and report.changed == 1  # the empty fields were filled in


def test_a_field_edited_locally_after_a_sync_is_local(store, tmp_path) -> None:
    sync_registry(store, _zip(tmp_path, "v1.zip", sample_institution(1)))
    store.db.execute(
        "UPDATE institutions SET founder = 'Уточнено регионом' WHERE id = 'bus-69000001'"
    )
    sync_registry(
        store, _zip(tmp_path, "v2.zip", sample_institution(1, version=2, founder="Другой"))
    )
    assert _institution(store, "bus-69000001")["founder"] == "Уточнено регионом"
    assert _changes(store, "conflict")[0][2:] == ("founder", "Уточнено регионом", "Другой")


WEBSITES = [
    ("www.school1.ru", "http://www.school1.ru/"),
    ("school1.ru/", "http://school1.ru/"),
    ("http://school1.ru", "http://school1.ru/"),
    ("HTTPS://School1.RU/sveden/", "https://school1.ru/sveden/"),
    ("school1.ru; http://school1.edu.ru", "http://school1.ru/"),
    ("школа1.рф", "http://xn--1-7sb3aeo2d.xn--p1ai/"),
    ("http:/school1.ru", "http://school1.ru/"),
    ("school1@mail.ru", None),
    ("нет", None),
]


@pytest.mark.parametrize(("written", "crawlable"), WEBSITES)
def test_websites_are_normalised_and_the_original_kept(store, tmp_path, written, crawlable) -> None:
    report = sync_registry(store, _zip(tmp_path, "a.zip", sample_institution(1, www=written)))
    row = _institution(store, "bus-69000001")
    assert (row["website"], row["website_original"]) == (crawlable, written)
    assert len(report.warnings) == (crawlable is None)


def test_an_institution_missing_from_a_complete_file_is_closed(store, tmp_path) -> None:
    sync_registry(store, _zip(tmp_path, "a.zip", sample_institution(1), sample_institution(2)))
    report = sync_registry(store, _zip(tmp_path, "b.zip", sample_institution(1)), complete=True)
    assert report.closed == 1
    assert _changes(store, "closed") == [("bus-69000002", "closed", "status", "open", "closed")]
    assert (
        sync_registry(store, _zip(tmp_path, "b.zip", sample_institution(1)), complete=True).closed
        == 0
    )
    back = sync_registry(store, _zip(tmp_path, "c.zip", sample_institution(2, version=2)))
    assert ("bus-69000002", "changed", "status", "closed", "open") in _changes(
        store
    ) and back.changed == 0


def test_a_closed_institution_is_published_as_closed_and_not_crawled(store, tmp_path) -> None:
    sync_registry(store, _zip(tmp_path, "a.zip", sample_institution(1), sample_institution(2)))
    sync_registry(store, _zip(tmp_path, "b.zip", sample_institution(1)), complete=True)
    closed_at = _institution(store, "bus-69000002")["closed_at"]
    assert closed_at is not None and date.fromisoformat(closed_at)
    assert _institution(store, "bus-69000001")["closed_at"] is None
    assert [row["id"] for row in store.institutions()] == ["bus-69000001"]
    assert store.institutions(ids=["bus-69000002"]) == []
    sync_registry(store, _zip(tmp_path, "c.zip", sample_institution(2, version=2)))
    assert _institution(store, "bus-69000002")["closed_at"] is None
    assert [row["id"] for row in store.institutions()] == ["bus-69000001", "bus-69000002"]


def test_nothing_is_closed_when_part_of_the_file_was_unreadable(store, tmp_path) -> None:
    sync_registry(store, _zip(tmp_path, "a.zip", sample_institution(1), sample_institution(2)))
    bad = {"100002.xml": position_xml(sample_institution(2))[:-30]}
    report = sync_registry(
        store, _zip(tmp_path, "b.zip", sample_institution(1), extra=bad), complete=True
    )
    assert report.closed == 0 and len(report.errors) == 1


def test_out_of_scope_and_unplaceable_institutions_are_not_imported(store, tmp_path) -> None:
    office = sample_institution(1, okved="84.11", full_name="Администрация Кожевниковского района")
    nowhere = sample_institution(2, oktmo="02000000")
    report = sync_registry(store, _zip(tmp_path, "a.zip", office, nowhere, sample_institution(3)))
    assert (report.new, report.out_of_scope) == (1, 1)
    assert [(e.document, e.reason[:15]) for e in report.errors] == [
        ("100002.xml", "OKTMO «02000000")
    ]
    assert "new 1" in str(report) and "100002.xml: OKTMO" in report.summary()


def test_a_sync_that_fails_half_way_leaves_the_registry_as_it_was(
    store, tmp_path, monkeypatch
) -> None:
    sync_registry(store, _zip(tmp_path, "a.zip", *(sample_institution(n) for n in range(1, 4))))
    before = _dump(store)
    newer = [sample_institution(n, version=2, founder="Другой") for n in range(1, 4)]
    path = _zip(tmp_path, "b.zip", *newer, sample_institution(4))
    real = publisher.registry.busgov.sync.read_positions

    def failing(source: Path, *args: object):
        for count, item in enumerate(real(source, *args)):
            if count == 2:
                raise OSError("disk gone")
            yield item

    monkeypatch.setattr(publisher.registry.busgov.sync, "read_positions", failing)
    with pytest.raises(OSError, match="disk gone"):
        sync_registry(store, path)
    assert _dump(store) == before


def test_a_sync_parsing_in_a_worker_process_stores_the_same(tmp_path, monkeypatch) -> None:
    samples = [sample_institution(n) for n in range(1, 6)]
    path = _zip(tmp_path, "a.zip", *samples, extra={"bad.xml": b"<not-xml"})
    with Store(tmp_path / "in-process.db") as alone:
        expected = (str(sync_registry(alone, path)), _dump(alone))
    used = []
    real = publisher.registry.busgov.sync.read_positions_in_worker
    monkeypatch.setattr(busgov_worker, "WORKER_BYTES", 0)
    monkeypatch.setattr(busgov_worker, "CHUNK", 2)
    monkeypatch.setattr(
        publisher.registry.busgov.sync,
        "read_positions_in_worker",
        lambda *a: used.append(1) or real(*a),
    )
    with Store(tmp_path / "worker.db") as store:
        assert (str(sync_registry(store, path)), _dump(store)) == expected
    assert used == [1] or (os.cpu_count() or 1) < 2


# Peak memory of a sync in a real process of its own (ru_maxrss is in KiB on Linux).
SYNC_AND_MEASURE = """
import resource, sys
from pathlib import Path
from publisher.registry.busgov.sync import sync_registry
from publisher.store import Store

with Store(Path(sys.argv[1]) / "nokwatch.db") as store:
    report = sync_registry(store, sys.argv[2])
peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(peak // 1024, report.new)
for error in report.errors:
    print(error)
"""


@pytest.mark.parametrize("cut_directory", [False, True], ids=["whole", "directory_cut"])
def test_a_zip_bomb_fails_its_document_alone_in_bounded_memory(tmp_path, cut_directory) -> None:
    import subprocess
    import sys

    from tests.busgov_samples import write_bomb_zip

    bomb = write_bomb_zip(tmp_path / "bomb.zip", 160, cut_directory=cut_directory)
    assert bomb.stat().st_size < 300_000  # 160 MiB of empty elements inside
    done = subprocess.run(
        [sys.executable, "-c", SYNC_AND_MEASURE, str(tmp_path), str(bomb)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    peak_mb, new, *errors = done.stdout.splitlines()[0].split() + done.stdout.splitlines()[1:]
    assert int(peak_mb) < 500
    assert new == "2"  # the documents before and after the bomb
    assert any("bomb.xml" in e and "position" in e for e in errors)


def test_a_sync_where_every_document_failed_is_an_error(store, tmp_path) -> None:
    from publisher.errors import SyncFailed

    broken = _zip(tmp_path, "broken.zip", extra={"1.xml": b"<not xml", "2.xml": b"<x/>"})
    with pytest.raises(SyncFailed, match="no document could be used") as failed:
        sync_registry(store, broken)
    assert len(failed.value.report.errors) == 2 and "1.xml" in str(failed.value)
    one_good = _zip(tmp_path, "mixed.zip", sample_institution(1), extra={"2.xml": b"<not xml"})
    assert sync_registry(store, one_good).new == 1  # some failed: a report, not an error


def test_a_fictional_demo_institution_is_never_matched_to_a_real_register_document(
    store, tmp_path
) -> None:
    sample = sample_institution(7)
    _add(store, id="demo-07", region="RU-DEMO", bus_gov_id=sample.position_id, name="Школа (демо)")
    report = sync_registry(store, _zip(tmp_path, "a.zip", sample))
    assert (report.documents, report.new, report.changed) == (1, 1, 0)
    demo = _institution(store, "demo-07")
    assert (demo["name"], demo["region"]) == ("Школа (демо)", "RU-DEMO")
    real = next(
        store.rows("institutions", "bus_gov_id = ? AND id != ?", [sample.position_id, "demo-07"])
    )
    assert real["region"] == "RU-TOM"
