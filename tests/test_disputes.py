"""Disputes end to end: a plan where the crawler did not look, a claim, a real re-check through the
fixture web, the verdict moving with the new evidence, and the log in the next release."""

from __future__ import annotations

import csv
import hashlib
import re
import sqlite3
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from nokwatch import Workspace
from nokwatch.cli import main
from nokwatch.demo import FixtureWeb
from nokwatch.disputes import Outcome, check_claim
from publisher.deadlines.timezones import local_date, region_zone
from publisher.errors import DisputeRefused, UnknownTarget
from publisher.release.build import Publication
from publisher.release.notices import CHROMIUM
from tests.disputing import (
    HIDDEN,
    IID,
    PLAN_URL,
    TODAY,
    dispute_rows,
    hidden_plan_workspace,
    hidden_web,
    verdict,
)
from tests.publishing_data import running_datasette

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is missing")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, FixtureWeb]]:
    """The institution crawled once (the plan is missed) and a first release published."""
    ws = hidden_plan_workspace(tmp_path_factory.mktemp("disputes"))
    with hidden_web() as web:
        ws.crawl(institutions=[IID])
        ws.deadlines()
        ws.publish()
        yield ws, web


@pytest.fixture(scope="module")
def rejected(crawled) -> tuple[Workspace, Outcome, str]:
    """A claim pointing at a page without the plan: (workspace, outcome, verdict before)."""
    ws, _ = crawled
    before = verdict(ws, "plan_posted")["status"]
    return ws, ws.disputes.add(IID, "improvement_plan", HIDDEN.url + "contacts.html"), before


@pytest.fixture(scope="module")
def confirmed(rejected) -> tuple[Workspace, Outcome, str, Publication]:
    """Then the true claim, and the next release: (workspace, outcome, verdict before, release)."""
    ws, _, _ = rejected
    before = verdict(ws, "plan_posted")["status"]
    outcome = ws.disputes.add(IID, "improvement_plan", PLAN_URL, note="План размещён здесь")
    return ws, outcome, before, ws.publish()


def test_a_claim_the_recheck_does_not_bear_out_is_rejected_and_changes_no_verdict(
    rejected,
) -> None:
    ws, outcome, before = rejected
    assert before == "overdue"
    assert outcome.event == "rejected"
    assert "не найден" in outcome.reason
    assert verdict(ws, "plan_posted")["status"] == "overdue"
    assert "plan_posted (federal-2018): overdue → overdue" in outcome.verdicts


def test_a_confirmed_dispute_turns_overdue_into_late_and_is_published(confirmed) -> None:
    ws, outcome, before, release = confirmed
    assert before == "overdue"
    assert outcome.event == "confirmed", outcome.reason
    assert "plan_posted (federal-2018): overdue → late" in outcome.verdicts
    posted = verdict(ws, "plan_posted")
    assert posted["status"] == "late"
    with ws.store() as store:
        seen = next(
            store.rows(
                "observations", "run_id = ? AND item = ?", [outcome.run_id, "improvement_plan"]
            )
        )
        region = next(store.rows("institutions", "id = ?", [IID]))["region"]
    # dated when nokwatch saw it, in the institution's own time zone (after 18:00 UTC it is
    # already tomorrow in the east)
    seen_on = local_date(seen["checked_at"], region_zone(region))
    assert seen_on is not None and abs((seen_on - TODAY).days) <= 1
    assert posted["done_date"] == seen_on.isoformat()
    assert seen["status"] == "found" and seen["url"] == PLAN_URL and seen["sha256"]

    events = [r for r in dispute_rows(ws) if r["dispute_id"] == outcome.dispute_id]
    assert [(r["seq"], r["event"]) for r in events] == [(1, "filed"), (2, "confirmed")]
    assert events[1]["sha256"] == seen["sha256"] and events[1]["run_id"] == outcome.run_id

    with open(release.out / "data" / "disputes.csv", encoding="utf-8") as handle:
        published = list(csv.DictReader(handle))
    mine = [r for r in published if r["dispute_id"] == outcome.dispute_id]
    assert [r["event"] for r in mine] == ["filed", "confirmed"]
    assert mine[0]["note"] == "План размещён здесь" and mine[1]["verdicts"]
    assert [r["event"] for r in published].count("rejected") == 1  # the earlier claim stays


@needs_chromium
def test_the_served_release_offers_the_notice_with_the_new_evidence_and_the_dispute(
    confirmed, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, _, release = confirmed
    # urllib's shared opener keeps the proxies it first saw: it must never see the fixture web's
    for name in ("http_proxy", "https_proxy"):
        monkeypatch.delenv(name)
    with running_datasette(release.out) as site:
        with urllib.request.urlopen(f"{site}/institution/{IID}", timeout=30) as response:
            page = response.read().decode("utf-8")
        with urllib.request.urlopen(f"{site}/-/notice/{IID}.html", timeout=30) as response:
            html = response.read().decode("utf-8")
        # the notice's evidence link serves the very bytes its hash names
        link, sha = re.search(
            r"(http://[^<\s]+/-/release/evidence/[^<\s]+).*?SHA-256: <span class=\"hash\">(\w+)",
            html,
            re.S,
        ).groups()
        with urllib.request.urlopen(link, timeout=30) as response:
            assert hashlib.sha256(response.read()).hexdigest() == sha
        with urllib.request.urlopen(f"{site}/-/notice/{IID}.pdf", timeout=60) as response:
            assert response.headers["Content-Type"] == "application/pdf"
            assert response.read().startswith(b"%PDF")
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{site}/-/notice/fix-9999.html", timeout=30)
        missing.value.close()
    assert "исполнено с опозданием" in html  # plan_posted is late now, no longer overdue
    assert PLAN_URL in html and "confirmed" in html
    assert missing.value.code == 404
    assert f"/-/notice/{IID}.html" in page and f"/-/notice/{IID}.pdf" in page


@pytest.mark.parametrize(
    "iid, url, refusal",
    [
        (IID, "http://other-school.nokwatch.test/plan.html", DisputeRefused),
        (IID, "http://127.0.0.1:8080/plan.html", DisputeRefused),
        (IID, "http://localhost/plan.html", DisputeRefused),
        (IID, "http://[::1]/plan.html", DisputeRefused),
        (IID, "ftp://shkola-hidden.fix.nokwatch.test/plan.html", DisputeRefused),
        (IID, "http://user:pw@shkola-hidden.fix.nokwatch.test/plan.html", DisputeRefused),
        ("fix-9999", PLAN_URL, UnknownTarget),
    ],
)
def test_bad_claims_are_refused_and_nothing_is_stored(
    tmp_path: Path, iid: str, url: str, refusal: type
) -> None:
    ws = hidden_plan_workspace(tmp_path)
    with pytest.raises(refusal) as raised:
        ws.disputes.file(iid, "improvement_plan", url)
    assert str(raised.value)
    assert dispute_rows(ws) == []


def test_only_items_with_a_place_can_be_disputed(tmp_path: Path) -> None:
    ws = hidden_plan_workspace(tmp_path)
    with pytest.raises(DisputeRefused, match="tls_certificate"):
        ws.disputes.file(IID, "tls_certificate", PLAN_URL)


def test_a_document_host_and_the_www_form_of_the_site_are_accepted() -> None:
    site = {"website": "http://school.example.ru/"}
    assert check_claim(site, "x", "improvement_plan", " https://www.school.example.ru/a ")
    assert check_claim(site, "x", "improvement_plan", "https://disk.yandex.ru/i/abc")
    with pytest.raises(DisputeRefused):
        check_claim(site, "x", "improvement_plan", "https://school.example.ru.evil.test/a")


def test_the_log_is_append_only(tmp_path: Path) -> None:
    ws = hidden_plan_workspace(tmp_path)
    dispute = ws.disputes.file(IID, "improvement_plan", PLAN_URL, note="здесь")
    with ws.store() as store:
        for statement in ("UPDATE disputes SET note = 'x'", "DELETE FROM disputes"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                store.db.execute(statement)
    assert [r["note"] for r in ws.disputes.events(dispute)] == ["здесь"]


def test_the_dispute_command_refuses_clearly(tmp_path: Path) -> None:
    ws = hidden_plan_workspace(tmp_path)
    runner = CliRunner()
    base = ["--data-dir", str(ws.path), "dispute", "add"]
    unknown = runner.invoke(main, [*base, "fix-9999", "--url", PLAN_URL])
    assert unknown.exit_code == 2 and "не найдено" in unknown.output
    foreign = runner.invoke(main, [*base, IID, "--url", "http://evil.nokwatch.test/"])
    assert foreign.exit_code == 1 and "не на сайте учреждения" in foreign.output
    missing = runner.invoke(main, ["--data-dir", str(ws.path), "dispute", "show", "d-none"])
    assert missing.exit_code == 2
    assert dispute_rows(ws) == []


@pytest.mark.parametrize(
    ("observation", "event"),
    [
        (None, "unverified"),
        ({"status": "site_unreachable", "error": "dns"}, "unverified"),
        ({"status": "blocked_by_robots", "error": "Disallow: /sveden/"}, "unverified"),
        ({"status": "incomplete", "error": "budget_pages"}, "unverified"),
        # Something else seen by a search cut short: the claimed document may be where it stopped.
        ({"status": "outdated", "search_end": "page_failed"}, "unverified"),
        ({"status": "not_found", "search_end": "complete"}, "rejected"),
        ({"status": "outdated", "search_end": "complete"}, "rejected"),
        ({"status": "found", "url": "http://x.test/plan.pdf", "sha256": "ab"}, "confirmed"),
    ],
)
def test_a_recheck_that_could_not_look_never_rejects_a_claim(observation, event) -> None:
    from nokwatch.disputes import judge_recheck

    got, reason = judge_recheck("http://x.test/plan.pdf", observation, "finished")
    assert got == event, reason
