"""A small store with rows written directly, for the publishing tests (no crawler, no engine)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from publisher.store import Store

FORMULA_NAME = '=HYPERLINK("http://evil.example/","Нажми")'
INSTITUTIONS = [
    {
        "id": "tom-1",
        "name": "МБОУ СОШ № 1",
        "region": "RU-TOM",
        "sphere": "education",
        "founder": "Департамент образования",
        "kind": "institution",
        "website": "http://school1.ru/",
        "bus_gov_id": "111",
    },
    {
        "id": "tom-2",
        "name": FORMULA_NAME,
        "region": "RU-TOM",
        "sphere": "culture",
        "founder": "Департамент культуры",
        "kind": "institution",
        "website": "http://museum.ru/",
    },
    {
        "id": "tom-gov",
        "name": "Департамент социальной защиты",
        "region": "RU-TOM",
        "sphere": "social",
        "kind": "authority",
        "website": "http://dszn.tomsk.ru/",
    },
    {
        "id": "oms-1",
        "name": "КЦСОН «Забота»",
        "region": "RU-OMS",
        "sphere": "social",
        "founder": "Минтруд Омской области",
        "kind": "institution",
        "website": "http://zabota.ru/",
        "bus_gov_id": "222",
        "assessment_date": "2016-03-01",
    },
    {
        "id": "oms-2",
        "name": "КЦСОН «Надежда»",
        "region": "RU-OMS",
        "sphere": "social",
        "founder": "Минтруд Омской области",
        "kind": "institution",
        "website": "http://nadezhda.ru/",
    },
]
CRAWLS = [
    {
        "run_id": "run-2016",
        "started_at": "2016-02-10T10:00:00Z",
        "finished_at": "2016-02-10T11:00:00Z",
        "status": "finished",
        "sites": 5,
        "pages": 40,
    },
    {
        "run_id": "run-2026",
        "started_at": "2026-11-20T10:00:00Z",
        "finished_at": "2026-11-20T11:00:00Z",
        "status": "finished",
        "sites": 5,
        "pages": 50,
    },
]
# (run, institution, item, status); 2026 statuses
OBSERVED = {
    "run-2016": {
        "tom-1": ("not_found", "not_found", "not_found"),
        "oms-1": ("not_found", "not_found", "not_found"),
    },
    "run-2026": {
        "tom-1": ("found", "live", "found"),
        "tom-2": ("not_found", "broken", "not_found"),
        "tom-gov": ("not_found", "live", "not_found"),
        "oms-1": ("found", "not_found", "mismatch"),
        "oms-2": ("site_unreachable",) * 3,
    },
}
ITEMS = ("improvement_plan", "survey_form", "bus_gov_link")


def observation(run: str, institution: str, item: str, status: str) -> dict:
    """One observation row of a run."""
    day = next(c["started_at"] for c in CRAWLS if c["run_id"] == run)
    return {
        "run_id": run,
        "institution_id": institution,
        "item": item,
        "status": status,
        "url": f"http://{institution}.example/{item}",
        "checked_at": day,
        "error": "dns" if status == "site_unreachable" else None,
        "detector_version": "detectors-1",
    }


def verdict(institution: str, obligation: str, status: str, due: str = "2026-03-10") -> dict:
    """One compliance row of the tomsk-2013 profile."""
    return {
        "institution_id": institution,
        "profile": "tomsk-2013",
        "obligation": obligation,
        "period": "once",
        "trigger_date": "2026-02-01",
        "due_date": due,
        "status": status,
        "days_late": 5 if status == "late" else None,
        "reason": f"тест: {status}",
        "legal_basis": "Распоряжение 379-р, п. 18",
        "methodology": "tomsk-2013@1; test",
    }


def fill(store: Store) -> Store:
    """Write the sample rows into ``store``."""
    store.upsert("institutions", INSTITUTIONS)
    store.upsert("crawls", CRAWLS)
    store.add_observations(
        observation(run, inst, item, status)
        for run, seen in OBSERVED.items()
        for inst, statuses in seen.items()
        for item, status in zip(ITEMS, statuses, strict=True)
    )
    store.replace_compliance(
        [
            verdict("tom-1", "plan_posted", "on_time"),
            verdict("tom-2", "plan_posted", "pending"),
            verdict("oms-1", "plan_posted", "late"),
            verdict("oms-2", "plan_posted", "overdue"),
        ]
    )
    return store


def sample_store(data_dir: Path) -> Store:
    """A new store in ``data_dir`` holding the sample rows."""
    return fill(Store(Path(data_dir) / "nokwatch.db"))


_PUBLISHED: dict[str, object] = {}


def published_once(base: Path) -> object:
    """One release of the sample store (two publishes, so changes exist), shared by read-only tests."""
    from publisher.release.build import publish

    if "release" not in _PUBLISHED:
        store = sample_store(Path(base) / "data")
        publish(store)
        store.replace_compliance(
            [
                verdict("tom-1", "plan_posted", "on_time"),
                verdict("tom-2", "plan_posted", "overdue"),
                verdict("oms-1", "plan_posted", "late"),
                verdict("oms-2", "plan_posted", "overdue"),
            ]
        )
        store.add_observations([observation("run-2026", "tom-1", "survey_form", "broken")])
        _PUBLISHED["release"] = publish(store, out=Path(base) / "out")
        store.close()
    return _PUBLISHED["release"]


@contextmanager
def running_datasette(release: Path) -> Iterator[str]:
    """A real Datasette subprocess serving ``release`` on a free loopback port; yields its URL."""
    from publisher.site.serve import datasette_command

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        datasette_command(release, "127.0.0.1", port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.communicate(timeout=10)


def _wait_until_up(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"datasette exited: {process.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/-/versions.json", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("datasette did not start within 30 s")


def demo_published(base: Path) -> Path:
    """The data directory of one `nokwatch run --demo --no-serve` (Tomsk report and the fictional
    demo region crawled through the fixture web), shared by the tests that read its release."""
    if "demo" not in _PUBLISHED:
        data_dir = Path(base) / "demo-data"
        result = subprocess.run(
            [sys.executable, "-m", "nokwatch", "--data-dir", str(data_dir), "run", "--demo"]
            + ["--no-serve"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        _PUBLISHED["demo"] = data_dir
    return _PUBLISHED["demo"]  # type: ignore[return-value]
