"""End to end: the real `nokwatch` command against the fixture web, and the package it publishes."""

from __future__ import annotations

import csv
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import frictionless
import pytest

from nokwatch.demo import demo_registry_rows, demo_sites
from tests.demo_expectations import expected_statuses

NOKWATCH = [sys.executable, "-m", "nokwatch"]


def nokwatch(
    *args: str,
    data_dir: Path,
    timeout: int = 300,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*NOKWATCH, "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        check=False,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """One full `nokwatch run --demo --no-serve` on a new data directory (bundled data, demo web).

    The data directory is given relative to the working directory, as `make run` gives `./data`.
    """
    home = tmp_path_factory.mktemp("e2e")
    result = nokwatch("run", "--demo", "--no-serve", data_dir=Path("data"), cwd=home)
    assert result.returncode == 0, result.stderr
    return home / "data", result


def observations(data_dir: Path) -> dict[tuple[str, str], tuple[str, str | None]]:
    db = sqlite3.connect(data_dir / "nokwatch.db")
    rows = db.execute("SELECT institution_id, item, status, error FROM observations").fetchall()
    return {(i, item): (status, error) for i, item, status, error in rows}


def test_run_prints_progress_and_publishes_a_valid_package(demo_run):
    data_dir, result = demo_run
    assert "loaded Tomsk 2014 report: 23 institutions" in result.stdout
    assert "[60/60]" in result.stdout
    descriptor = data_dir / "releases" / "latest" / "datapackage.json"
    report = frictionless.validate(str(descriptor))
    assert report.valid, report.flatten(["type", "message"])[:5]
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    names = {r["name"] for r in package["resources"]}
    assert {"institutions", "findings", "compliance"} <= names


def test_every_demo_site_gets_the_verdict_its_spec_implies(demo_run):
    seen = observations(demo_run[0])
    wrong = []
    for spec, row in zip(demo_sites(), demo_registry_rows(), strict=True):
        for item, (status, error) in expected_statuses(spec).items():
            got = seen[(row["id"], item)]
            if got[0] != status or (error and got[1] != error):
                wrong.append((row["id"], spec.platform, spec.encoding, item, status, got))
    assert wrong == []


def test_unreachable_real_sites_are_never_recorded_as_not_found(demo_run):
    seen = observations(demo_run[0])
    tomsk = {key: value for key, value in seen.items() if key[0].startswith("tom-2014-")}
    assert len(tomsk) == 23 * 3
    assert set(tomsk.values()) == {("site_unreachable", "network_unreachable")}


def test_published_findings_and_compliance_cover_the_registry(demo_run):
    db = sqlite3.connect(demo_run[0] / "releases" / "latest" / "nokwatch.db")
    assert db.execute("SELECT COUNT(*) FROM institutions").fetchone()[0] == 60
    assert (
        db.execute("SELECT COUNT(DISTINCT institution_id || item) FROM findings").fetchone()[0]
        == 180
    )
    tomsk = db.execute(
        "SELECT COUNT(*) FROM compliance WHERE institution_id LIKE 'tom-2014-%' "
        "AND profile = 'tomsk-2013' AND status != 'not_judged'"
    ).fetchone()[0]
    assert tomsk == 23 * 3  # items 14 and 19 are published as not_judged beside the verdicts
    status, reason = db.execute(
        "SELECT status, reason FROM compliance WHERE institution_id = 'tom-2014-09' "
        "AND obligation = 'plan_approved'"
    ).fetchone()
    assert status == "invalid_data" and "110.03.2014" in reason


def test_second_import_of_a_registry_file_changes_nothing(tmp_path):
    registry = tmp_path / "registry.csv"
    registry.write_text(
        "id,name,region,sphere,founder,website\n"
        "x1,Школа,RU-TOM,образование,Департамент,school.ru\n"
        "x2,Без сферы,RU-TOM,кино,Д,cinema.ru\n",
        encoding="utf-8",
    )
    first = nokwatch("registry", "import", str(registry), data_dir=tmp_path / "d", timeout=60)
    assert "1 new" in first.stdout and "registry.csv:3" in first.stderr
    second = nokwatch("registry", "import", str(registry), data_dir=tmp_path / "d", timeout=60)
    assert "0 new, 0 updated, 1 unchanged, 1 rejected" in second.stdout
    strict = nokwatch("registry", "import", "--strict", str(registry), data_dir=tmp_path / "d")
    assert strict.returncode == 2


def test_an_import_says_how_the_file_was_read(tmp_path):
    registry = tmp_path / "registry.csv"
    registry.write_bytes(
        "id;name;region;sphere;founder;website\n"
        "x1;Школа № 1;RU-TOM;образование;Департамент;school.ru\n".encode("cp1251")
    )
    result = nokwatch("--empty", "registry", "import", str(registry), data_dir=tmp_path / "d")
    assert result.returncode == 0, result.stderr
    assert "1 rows read (CSV, cp1251, разделитель «;»): 1 new" in result.stdout


def test_a_crawl_through_a_dead_proxy_exits_1_and_blames_no_institution(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on: the uplink is down
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = nokwatch(
        "crawl",
        "--region",
        "RU-TOM",
        data_dir=tmp_path / "d",
        env={"http_proxy": dead, "https_proxy": dead},
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the crawl failed" in result.stderr
    db = sqlite3.connect(tmp_path / "d" / "nokwatch.db")
    assert db.execute("SELECT status FROM crawls").fetchall() == [("failed",)]
    assert db.execute("SELECT COUNT(*) FROM observations").fetchone() == (0,)


def test_empty_data_directory_has_no_bundled_data(tmp_path):
    result = nokwatch("--empty", "publish", "--out", str(tmp_path / "out"), data_dir=tmp_path / "d")
    assert result.returncode == 0, result.stderr
    institutions = (tmp_path / "out" / "data" / "institutions.csv").read_text(encoding="utf-8")
    assert institutions.count("\n") == 1  # the header only


def test_a_new_data_directory_publishes_the_tomsk_report_with_its_verdicts(tmp_path):
    result = nokwatch("publish", "--out", str(tmp_path / "out"), data_dir=tmp_path / "d")
    assert result.returncode == 0, result.stderr
    assert "verdicts from the reported dates and the registry" in result.stdout
    with (tmp_path / "out" / "data" / "compliance.csv").open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["profile"] == "tomsk-2013"]
    verdicts = [r for r in rows if r["status"] != "not_judged"]
    assert len(verdicts) == 23 * 3 and len(rows) == 23 * 5  # items 14 and 19: not judged
    assert {r["status"] for r in rows} >= {"on_time", "late", "invalid_data", "unknown"}
    site = sqlite3.connect(tmp_path / "d" / "releases" / "latest" / "nokwatch.db")
    regions = dict(site.execute("SELECT region, COUNT(*) FROM institutions GROUP BY region"))
    assert regions == {"RU-TOM": 23}  # real data only: no invented institution in a new directory
    assert not (tmp_path / "d" / "releases" / "latest" / "regions" / "RU-DEMO").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_with_the_published_tables(demo_run):
    port = _free_port()
    server = subprocess.Popen(
        [*NOKWATCH, "--data-dir", str(demo_run[0]), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        tables = _get_json(f"http://127.0.0.1:{port}/nokwatch.json", deadline=time.time() + 30)
        names = {t["name"] for t in tables["tables"]}
        assert {"institutions", "findings", "compliance"} <= names
        rows = _get_json(
            f"http://127.0.0.1:{port}/nokwatch/findings.json?_shape=array&status=mismatch"
        )
        assert rows and all(r["status"] == "mismatch" for r in rows)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _get_json(url: str, deadline: float = 0.0) -> dict | list:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.loads(response.read())
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.3)


def test_registry_sync_from_a_register_zip_reports_and_is_idempotent(tmp_path):
    from tests.busgov_samples import sample_institution, write_zip

    archive = write_zip(
        tmp_path / "register.zip",
        [sample_institution(1), sample_institution(2)],
        extra={"broken.xml": b"<not-xml"},
    )
    data_dir = tmp_path / "d"
    first = nokwatch("--empty", "registry", "sync", str(archive), data_dir=data_dir, timeout=60)
    assert first.returncode == 0, first.stderr
    assert "new 2" in first.stdout and "broken.xml" in first.stdout
    second = nokwatch("registry", "sync", str(archive), data_dir=data_dir, timeout=60)
    assert "new 0, changed 0" in second.stdout and "not newer 2" in second.stdout
    db = sqlite3.connect(data_dir / "nokwatch.db")
    sites = {row[0] for row in db.execute("SELECT website FROM institutions")}
    assert sites == {"http://www.school1.ru/", "http://www.school2.ru/"}


def test_crawl_resume_of_an_unknown_run_is_a_clear_error(tmp_path):
    result = nokwatch("--empty", "crawl", "--resume", "no-such-run", data_dir=tmp_path / "d")
    assert result.returncode == 1
    assert "нет обхода no-such-run" in result.stderr and "no crawl to resume" in result.stderr


def test_publish_keep_deletes_all_but_the_newest_releases(tmp_path):
    data_dir = tmp_path / "d"
    for _ in range(3):
        result = nokwatch("--empty", "publish", "--keep", "2", data_dir=data_dir, timeout=120)
        assert result.returncode == 0, result.stderr
    assert "removed 1.0.0" in result.stdout
    kept = sorted(p.name for p in (data_dir / "releases").iterdir() if p.name[0].isdigit())
    assert kept == ["1.0.1", "1.0.2"]
    assert nokwatch("publish", "--keep", "1", data_dir=data_dir).returncode == 2


@pytest.mark.parametrize("option", [("--institution", "no-such-id"), ("--region", "RU-XXX")])
def test_an_unknown_crawl_target_exits_2_and_records_no_run(tmp_path, option):
    result = nokwatch("crawl", *option, data_dir=tmp_path / "d", timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert option[1] in result.stderr
    db = sqlite3.connect(tmp_path / "d" / "nokwatch.db")
    assert db.execute("SELECT COUNT(*) FROM crawls").fetchone() == (0,)
