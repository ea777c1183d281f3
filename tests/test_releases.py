"""Releases: versions, immutability, atomic publishing, the changelog and changes between releases."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from publisher.errors import PublishError
from publisher.release import versions as releases
from publisher.release.build import publish
from publisher.store import Store
from tests.publishing_data import observation, sample_store, verdict


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = sample_store(tmp_path / "data")
    yield opened
    opened.close()


def _changes(release: Path) -> list[dict]:
    with (release / "data" / "changes.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_first_release_is_1_0_0_and_latest_points_to_it(store: Store) -> None:
    publication = publish(store)
    data_dir = store.path.parent
    assert publication.version == "1.0.0"
    assert releases.latest(data_dir) == data_dir / "releases" / "1.0.0"
    assert (data_dir / "releases" / "latest").is_symlink()
    descriptor = json.loads(publication.descriptor.read_text(encoding="utf-8"))
    assert descriptor["version"] == "1.0.0"
    assert "Первый выпуск" in (publication.out / "CHANGELOG.md").read_text(encoding="utf-8")


def test_versions_follow_what_changed(store: Store) -> None:
    assert publish(store).version == "1.0.0"
    assert publish(store).version == "1.0.1"  # same data again: patch
    store.add_observations([observation("run-2026", "oms-2", "improvement_plan", "found")])
    assert publish(store).version == "1.1.0"  # new data: minor
    assert releases.versions(store.path.parent) == ["1.0.0", "1.0.1", "1.1.0"]


def test_schema_change_is_a_major_version() -> None:
    old = {
        "version": "1.4.2",
        "resources": [{"name": "kpi", "schema": {"fields": []}, "hash": "a"}],
    }
    changed = {"resources": [{"name": "kpi", "schema": {"fields": [{"name": "x"}]}, "hash": "a"}]}
    added = {"resources": [*old["resources"], {"name": "new", "schema": {}, "hash": "b"}]}
    assert releases.next_version(old, changed) == ("2.0.0", "major")
    assert releases.next_version(old, added) == ("2.0.0", "major")
    assert releases.next_version(old, {"resources": old["resources"]}) == ("1.4.3", "patch")
    assert releases.next_version(None, changed) == ("1.0.0", "first")


def test_a_release_is_never_overwritten(store: Store, tmp_path: Path) -> None:
    publish(store)
    staged = tmp_path / "staged"
    staged.mkdir()
    with pytest.raises(PublishError, match="never overwritten"):
        releases.commit(staged, store.path.parent, "1.0.0")


def test_a_failed_publish_leaves_the_previous_release_intact(store: Store) -> None:
    first = publish(store)
    before = sorted(p.relative_to(first.out) for p in first.out.rglob("*"))
    store.add_observations([observation("run-2026", "oms-2", "survey_form", "no_such_status")])
    with pytest.raises(PublishError, match="does not validate"):
        publish(store)
    data_dir = store.path.parent
    assert releases.versions(data_dir) == ["1.0.0"]
    assert releases.latest(data_dir) == first.out
    assert sorted(p.relative_to(first.out) for p in first.out.rglob("*")) == before
    assert not list((data_dir / "releases").glob(".staging-*"))


def test_changes_and_changelog_name_who_became_late_and_who_fixed_their_site(store: Store) -> None:
    publish(store)
    store.upsert(
        "institutions",
        [
            {
                "id": "oms-3",
                "name": "Новый центр",
                "region": "RU-OMS",
                "sphere": "social",
                "kind": "institution",
            }
        ],
    )
    store.replace_compliance(
        [
            verdict("tom-1", "plan_posted", "on_time"),
            verdict("tom-2", "plan_posted", "overdue"),
            verdict("oms-1", "plan_posted", "late"),
            verdict("oms-2", "plan_posted", "late"),
        ]
    )
    store.upsert(
        "crawls",
        [{"run_id": "run-2027", "started_at": "2026-11-21T10:00:00Z", "status": "finished"}],
    )
    store.add_observations(
        [
            {
                **observation("run-2026", "tom-2", "survey_form", "live"),
                "run_id": "run-2027",
                "checked_at": "2026-11-21T10:00:00Z",
            }
        ]
    )
    second = publish(store)
    rows = {(r["change"], r["institution_id"], r["subject"]): r for r in _changes(second.out)}
    became_late = rows[("verdict_changed", "tom-2", "tomsk-2013:plan_posted")]
    assert (became_late["old_value"], became_late["new_value"]) == ("pending", "overdue")
    assert became_late["violation"] == "true" and became_late["fixed"] == "false"
    did_it = rows[("verdict_changed", "oms-2", "tomsk-2013:plan_posted")]
    assert did_it["fixed"] == "true"
    repaired = rows[("finding_changed", "tom-2", "survey_form")]
    assert (repaired["old_value"], repaired["new_value"], repaired["fixed"]) == (
        "broken",
        "live",
        "true",
    )
    assert ("institution_added", "oms-3", "institution") in rows
    assert {r["release"] for r in rows.values()} == {"1.1.0"}
    text = (second.out / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "По сравнению с выпуском 1.0.0" in text
    assert "## Учреждения добавлены (1)" in text and "oms-3" in text
    assert "## Опоздали или просрочили (новые нарушения сроков) (1)" in text
    assert "## Исправили сайт (1)" in text
    assert "- institutions: 6 (+1)" in text


def test_pruning_keeps_the_newest_releases_and_latest(store: Store) -> None:
    data_dir = store.path.parent
    for _ in range(4):
        publish(store)
    assert releases.versions(data_dir) == ["1.0.0", "1.0.1", "1.0.2", "1.0.3"]
    assert releases.prune(data_dir, 2) == ["1.0.0", "1.0.1"]
    assert releases.versions(data_dir) == ["1.0.2", "1.0.3"]
    assert releases.latest(data_dir) == data_dir / "releases" / "1.0.3"
    assert publish(store).version == "1.0.4"  # the next release still compares with the last


def test_pruning_below_two_releases_is_refused(store: Store) -> None:
    publish(store)
    with pytest.raises(PublishError, match="keep at least 2"):
        releases.prune(store.path.parent, 1)


# A publish killed (SIGKILL, a real process) after its folder was renamed into place, before
# ``latest`` moved: os.symlink is where ``commit`` makes the new link.
KILLED_BEFORE_LATEST = """
import os, signal, sys
from pathlib import Path
from publisher.release.build import publish
from publisher.store import Store
from tests.publishing_data import observation

store = Store(Path(sys.argv[1]))
store.add_observations([observation("run-2026", "oms-2", "improvement_plan", "found")])
os.symlink = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
publish(store)
"""


def test_a_publish_killed_before_latest_moved_is_repaired_by_the_next(store: Store) -> None:
    data_dir = store.path.parent
    publish(store)
    store.close()
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_BEFORE_LATEST, str(store.path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert releases.versions(data_dir) == ["1.0.0", "1.1.0"]  # renamed into place...
    assert releases.latest(data_dir).name == "1.0.0"  # ...never committed
    said: list[str] = []
    reopened = Store(store.path)
    try:
        again = publish(reopened, echo=said.append)
    finally:
        reopened.close()
    assert again.version == "1.1.0"
    assert releases.latest(data_dir) == again.out
    assert any("1.1.0" in line and "удалён" in line for line in said)
    assert not list((data_dir / "releases").glob(".staging-*"))


def test_a_control_character_in_a_name_never_breaks_a_feed(store: Store, caplog) -> None:
    store.upsert(
        "institutions",
        [
            {
                "id": "oms-3",
                "name": "Школа\x01 №1\x1f",
                "region": "RU-OMS",
                "sphere": "social",
                "kind": "institution",
            }
        ],
    )
    publish(store)
    store.replace_compliance([verdict("oms-3", "plan_posted", "overdue")])
    second = publish(store)
    feed = ET.parse(second.out / "feeds" / "RU.atom").getroot()
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") for e in feed.iter()]
    assert any(t and t.startswith("Школа №1 (RU-OMS)") for t in titles)
    assert "oms-3" in caplog.text and "control character" in caplog.text
    assert publish(store).version == "1.1.1"  # and the next publish reads this feed back


def test_a_feed_written_with_control_characters_is_repaired_on_reading(tmp_path: Path) -> None:
    from publisher.release.feed import write_feed

    old = tmp_path / "old.atom"
    old.write_text(
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns=\"http://www.w3.org/2005/Atom\">"
        "<entry><title>Школа\x01 №1 &#1;</title></entry></feed>",
        encoding="utf-8",
    )
    assert write_feed(tmp_path / "new.atom", "t", [], "2026-12-01T00:00:00Z", old) == 1
    root = ET.parse(tmp_path / "new.atom").getroot()
    assert root.findtext("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title")


def test_a_chart_title_with_control_characters_is_well_formed() -> None:
    from publisher.release.chart import svg

    root = ET.fromstring(svg("Школа\x01 <№1> & \x1f", {}))
    assert root.findtext("{http://www.w3.org/2000/svg}title") == "Школа <№1> & "


def test_first_release_violations_are_named_as_later_changes_name_them() -> None:
    from publisher.release.changes import verdict_subject
    from publisher.release.feed import current_violations

    verdicts = [
        {"institution_id": "x", "profile": "p", "obligation": "o", "period": f"2016-Q{q}",
         "status": "overdue"}
        for q in (1, 2)
    ] + [{"institution_id": "x", "profile": "p", "obligation": "plan", "period": "once",
          "status": "on_time"}]  # fmt: skip
    rows = current_violations(verdicts, [], {"x": ("Школа", "RU-TOM")}, "1.0.0")
    assert [r["subject"] for r in rows] == [verdict_subject(v) for v in verdicts[:2]]
    assert len({r["subject"] for r in rows}) == 2  # one entry per occurrence, not one for both
