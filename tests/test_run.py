"""Crawl runs: publication dates across runs, resuming a killed crawl, re-checking from the CLI."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from crawler.child import child_command, job_folder
from crawler.run import crawl, describe_checks
from nokwatch.demo import FixtureWeb
from publisher.errors import InputError, UnknownTarget
from publisher.store import Store
from tests.crawling import observations, proxy_env, registry
from tests.generated_sites import generated_sites, site_spec


def _quiet(_: str) -> None:
    pass


def test_plan_appearing_between_runs_gets_first_seen_and_last_absent(tmp_path):
    data_dir = tmp_path / "data"
    site = replace(site_spec(0), plan="none")
    registry(data_dir, [site])
    checked = []
    for spec in (site, replace(site, failure="dns"), replace(site, plan="html")):
        with FixtureWeb([spec]) as web:
            summary = crawl(data_dir, env=proxy_env(web), progress=_quiet)
        with Store(data_dir / "nokwatch.db") as store:
            row = next(
                store.rows(
                    "observations", "run_id = ? AND item = 'improvement_plan'", [summary.run_id]
                )
            )
        checked.append((row["status"], row["checked_at"]))
        time.sleep(1.1)  # checked_at has one-second resolution
    assert [status for status, _ in checked] == ["not_found", "site_unreachable", "found"]
    with Store(data_dir / "nokwatch.db") as store:
        plan = next(f for f in store.findings() if f["item"] == "improvement_plan")
    assert plan["status"] == "found"
    assert plan["first_seen_at"] == checked[2][1]
    assert plan["last_absent_at"] == checked[0][1]  # the unreachable run does not count as absent


def _stored_sites(data_dir: Path, run_id: str) -> int:
    db = sqlite3.connect(data_dir / "nokwatch.db")
    try:
        return db.execute(
            "SELECT COUNT(DISTINCT institution_id) FROM observations WHERE run_id = ?", [run_id]
        ).fetchone()[0]
    except sqlite3.OperationalError:  # locked by the child's write: try again
        return 0
    finally:
        db.close()


def test_killed_crawl_resumes_and_observes_every_site_exactly_once(tmp_path):
    data_dir = tmp_path / "data"
    sites = generated_sites(20)
    rows = registry(data_dir, sites)
    with Store(data_dir / "nokwatch.db") as store:
        run_id = store.start_crawl("all")
        institutions = store.institutions()
    listing = job_folder(data_dir, run_id) / "institutions.json"
    listing.write_text(json.dumps(institutions, ensure_ascii=False), "utf-8")
    with FixtureWeb(sites) as web:
        env = {**os.environ, **proxy_env(web)}
        child = subprocess.Popen(
            child_command(data_dir, run_id, listing), env=env, stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 40
        while _stored_sites(data_dir, run_id) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        interrupted = _stored_sites(data_dir, run_id)
        assert 3 <= interrupted < len(sites)
        summary = crawl(data_dir, env=proxy_env(web), progress=_quiet, resume=run_id)
    assert summary.status == "finished" and summary.sites == len(sites)
    db = sqlite3.connect(data_dir / "nokwatch.db")
    counts = dict(
        db.execute(
            "SELECT institution_id, COUNT(*) FROM observations WHERE run_id = ? "
            "AND item = 'improvement_plan' GROUP BY institution_id",
            [run_id],
        )
    )
    assert counts == {row["id"]: 1 for row in rows}
    assert len(observations(data_dir, run_id)) >= 3 * len(sites)


def test_a_crawl_finishes_sites_as_it_goes_so_a_kill_loses_little(tmp_path):
    data_dir = tmp_path / "data"
    sites = generated_sites(30)
    registry(data_dir, sites)
    with Store(data_dir / "nokwatch.db") as store:
        run_id = store.start_crawl("all")
        institutions = store.institutions()
    listing = job_folder(data_dir, run_id) / "institutions.json"
    listing.write_text(json.dumps(institutions, ensure_ascii=False), "utf-8")
    in_flight = 4
    hosts = {spec.host for spec in sites}
    with FixtureWeb(sites) as web:
        env = {**os.environ, **proxy_env(web, NOKWATCH_SITES_IN_FLIGHT=str(in_flight))}
        child = subprocess.Popen(
            child_command(data_dir, run_id, listing), env=env, stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while len(hosts & set(web.user_agents)) < 17 and time.monotonic() < deadline:  # 55 %
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        started = len(hosts & set(web.user_agents))
    stored = _stored_sites(data_dir, run_id)
    assert started < len(sites)  # killed mid-run
    # a new site starts only when one has finished: all but those in flight are stored
    # (one more may be between its last page and its commit)
    assert stored >= started - in_flight - 1


def test_cli_rechecks_chosen_institutions_now(tmp_path):
    data_dir = tmp_path / "data"
    sites = generated_sites(4)
    rows = registry(data_dir, sites)
    chosen = [rows[1]["id"], rows[3]["id"]]
    with FixtureWeb(sites) as web:
        command = [
            sys.executable,
            "-m",
            "nokwatch",
            "--data-dir",
            str(data_dir),
            "crawl",
            "--region",
            rows[0]["region"],
            "--institution",
            chosen[0],
            "--institution",
            chosen[1],
        ]
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, **proxy_env(web)},
        )
    assert result.returncode == 0, result.stderr
    assert "[2/2]" in result.stdout
    seen = observations(data_dir)
    assert {iid for iid, _ in seen} == set(chosen)
    assert seen[(chosen[0], "bus_gov_link")][0] == "found"


def _runs(data_dir: Path) -> int:
    with Store(data_dir / "nokwatch.db") as store:
        return store.db.execute("SELECT COUNT(*) FROM crawls").fetchone()[0]


def test_an_unknown_institution_or_region_is_an_error_naming_it_and_records_no_run(tmp_path):
    data_dir = tmp_path / "data"
    registry(data_dir, [site_spec(0)])
    with pytest.raises(UnknownTarget, match="NOPE-1") as raised:
        crawl(data_dir, ids=["NOPE-1"], progress=_quiet)
    assert isinstance(raised.value, InputError) and raised.value.names == ["NOPE-1"]
    with pytest.raises(UnknownTarget, match="RU-XXX"):
        crawl(data_dir, regions=["RU-XXX"], progress=_quiet)
    assert _runs(data_dir) == 0


def test_a_dead_proxy_fails_the_run_and_judges_no_site(tmp_path):
    data_dir = tmp_path / "data"
    registry(data_dir, [site_spec(0), site_spec(1)])
    with socket.socket() as probe:  # a port nobody listens on: the uplink is down
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    said: list[str] = []
    summary = crawl(data_dir, env={"http_proxy": dead, "https_proxy": dead}, progress=said.append)
    assert summary.status == "failed" and "uplink" in summary.note
    assert any("прокси или сеть недоступны" in line for line in said)
    with Store(data_dir / "nokwatch.db") as store:
        run = next(store.rows("crawls", "run_id = ?", [summary.run_id]))
        assert run["status"] == "failed" and "сайты не оценивались" in run["note"]
        assert not list(store.rows("observations", "run_id = ?", [summary.run_id]))


def test_progress_names_each_check_and_the_cause_of_an_unreachable_site():
    checks = [
        ("improvement_plan", "found", None),
        ("survey_form", "not_found", None),
        ("bus_gov_link", "mismatch", None),
    ]
    assert describe_checks(checks) == "план: найден · анкета: нет · bus.gov.ru: чужая карточка"
    cut = [("improvement_plan", "incomplete", "budget_pages"), ("bus_gov_link", "generic", None)]
    assert describe_checks(cut) == "план: поиск не завершён · bus.gov.ru: ссылка на портал"
    down = [(item, "site_unreachable", "dns") for item, _, _ in checks]
    assert describe_checks(down) == "сайт недоступен (dns)"


@pytest.mark.parametrize(
    ("causes", "suspect"),
    [
        (["dns"] * 10, True),
        (["dns"] * 6 + ["network_unreachable"] * 4, True),
        (["dns"] * 9, False),  # too few sites to blame the machine
        (["dns"] * 9 + [None], False),  # one site answered: the network works
        (["dns"] * 9 + ["refused"], False),  # a server refusing is the site's own answer
        (["dns: no such name"] * 12, True),
    ],
)
def test_a_local_network_is_suspected_only_when_every_site_failed_alike(causes, suspect):
    from crawler.run import local_network_suspect

    assert bool(local_network_suspect(causes)) is suspect


# Loaded into the crawl process (sitecustomize): the machine's DNS resolver is down.
RESOLVER_DOWN = """
import socket

def _down(host, *args, **kwargs):
    if str(host) in ("localhost", "127.0.0.1", "::1"):
        return _getaddrinfo(host, *args, **kwargs)
    raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

def _down_by_name(host):
    if str(host) in ("localhost", "127.0.0.1"):
        return "127.0.0.1"
    raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

_getaddrinfo = socket.getaddrinfo
socket.getaddrinfo, socket.gethostbyname = _down, _down_by_name
"""


def test_a_dead_local_resolver_fails_the_run_and_blames_no_institution(tmp_path):
    stub = tmp_path / "stub"
    stub.mkdir()
    (stub / "sitecustomize.py").write_text(RESOLVER_DOWN, encoding="utf-8")
    data_dir = tmp_path / "data"
    registry(data_dir, [], {f"s{i}": f"http://school-{i}.example.org/" for i in range(10)})
    env = {"http_proxy": "", "https_proxy": "", "PYTHONPATH": str(stub), "NOKWATCH_PROCESSES": "1"}
    said: list[str] = []
    summary = crawl(data_dir, env=env, progress=said.append)
    assert summary.status == "failed", said
    assert "local network or DNS resolver down" in summary.note
    with Store(data_dir / "nokwatch.db") as store:
        assert not list(store.rows("observations", "run_id = ?", [summary.run_id]))


def test_progress_has_words_for_every_published_status():
    import datapackages
    from crawler.run import STATUS_RU

    (status,) = [
        f for f in datapackages.table_schema("observations")["fields"] if f["name"] == "status"
    ]
    assert [code for code in status["constraints"]["enum"] if code not in STATUS_RU] == []
