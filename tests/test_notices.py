"""Notices: an overdue plan as a printable letter (HTML, and PDF printed by Debian's Chromium), a
region's in one ZIP; nothing for verdicts that establish no violation."""

from __future__ import annotations

import re
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pypdfium2
import pytest
from click.testing import CliRunner

from nokwatch import Workspace
from nokwatch.cli import main
from nokwatch.demo import SiteSpec
from publisher.errors import NoViolation, UnknownTarget
from publisher.release.notices import CHROMIUM, build_notice, render_html, rows_from_store
from publisher.store import Store
from tests.crawling import registry

TODAY = date.today()
SHA = "ab" * 32
SITES = [
    SiteSpec("shkola-late.fix.nokwatch.test", "Школа № 1 (тест)", "education"),
    SiteSpec("shkola-new.fix.nokwatch.test", "Школа № 2 (тест)", "education"),
]
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is missing")


def _text(pdf: Path) -> str:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """fix-0000 was assessed long enough ago that its plan is overdue (not found by a full crawl);
    fix-0001 was assessed yesterday (its deadlines are still running)."""
    data = tmp_path / "data"
    data.mkdir()
    registry(data, SITES)
    with Store(data / "nokwatch.db") as store:
        for iid, days in (("fix-0000", 130), ("fix-0001", 1)):
            store.db.execute(
                "UPDATE institutions SET assessment_date = ? WHERE id = ?",
                ((TODAY - timedelta(days=days)).isoformat(), iid),
            )
        run = store.start_crawl("all")
        store.add_observations(
            {
                "run_id": run,
                "institution_id": iid,
                "item": "improvement_plan",
                "status": "not_found",
                "url": spec.url,
                "checked_at": f"{TODAY.isoformat()}T09:00:00Z",
                "sha256": SHA,
                "evidence": f"evidence/ab/{SHA}.html",
                "detector_version": "plan-1",
            }
            for iid, spec in (("fix-0000", SITES[0]), ("fix-0001", SITES[1]))
        )
        store.finish_crawl(run, "finished")
    workspace = Workspace(data, bundled=False)
    workspace.deadlines()
    return workspace


def test_an_overdue_plan_makes_a_notice_with_the_rule_dates_evidence_and_methodology(ws) -> None:
    with ws.store() as store:
        (rows,) = rows_from_store(store, ["fix-0000"])
    notice = build_notice(rows)
    (violation,) = notice.violations
    verdict = violation.verdict
    assert verdict["obligation"] == "plan_posted" and verdict["status"] == "overdue"
    html = render_html(notice)
    due = date.fromisoformat(verdict["due_date"]).strftime("%d.%m.%Y")
    for expected in (
        "Уведомление о нарушении срока",
        "Школа № 1 (тест)",
        "постановление Правительства РФ от 17.04.2018 № 457",
        "в течение 5 рабочих дней со дня утверждения плана",
        due,
        "не найдено при полном обходе сайта",
        SHA,
        f"/-/release/evidence/ab/{SHA}.html",
        verdict["methodology"],
        "просрочено",
    ):
        assert expected in html, expected
    # plan_approved's verdict is unknown: no violation is stated for it
    assert "Утверждение плана" not in html and "<h2>2." not in html


@needs_chromium
def test_the_notice_prints_to_a_pdf_that_says_the_same(ws, tmp_path: Path) -> None:
    html, pdf = ws.notice("fix-0000", out=tmp_path / "out")
    assert pdf.read_bytes().startswith(b"%PDF")
    text = _squeezed(_text(pdf))
    with ws.store() as store:
        verdict = next(
            store.rows("compliance", "institution_id = 'fix-0000' AND obligation = 'plan_posted'")
        )
    for expected in (
        "Уведомлениеонарушениисрока",
        "постановлениеПравительстваРФот17.04.2018№457",
        date.fromisoformat(verdict["due_date"]).strftime("%d.%m.%Y"),
        SHA,
        _squeezed(verdict["methodology"]),
    ):
        assert expected in text, expected
    assert html.name == "notice-fix-0000.html"


def test_no_notice_where_the_data_establishes_no_violation(ws, tmp_path: Path) -> None:
    with pytest.raises(NoViolation, match="не устанавливают нарушения"):
        ws.notice("fix-0001", out=tmp_path / "out", pdf=False)
    assert not (tmp_path / "out").exists()
    with pytest.raises(UnknownTarget):
        ws.notice("fix-9999", out=tmp_path / "out", pdf=False)


@needs_chromium
def test_a_region_s_notices_come_in_one_zip(ws, tmp_path: Path) -> None:
    (archive,) = ws.notice(region="RU-NVS", out=tmp_path)
    with zipfile.ZipFile(archive) as opened:
        assert sorted(opened.namelist()) == ["notice-fix-0000.html", "notice-fix-0000.pdf"]
        assert opened.read("notice-fix-0000.pdf").startswith(b"%PDF")


def test_the_notice_command(ws, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--data-dir", str(ws.path), "notice"]
    done = runner.invoke(main, [*base, "fix-0000", "--out", str(tmp_path), "--no-pdf"])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "notice-fix-0000.html").exists()
    refused = runner.invoke(main, [*base, "fix-0001", "--out", str(tmp_path), "--no-pdf"])
    assert refused.exit_code == 1 and "не устанавливают нарушения" in refused.output
    unknown = runner.invoke(main, [*base, "fix-9999", "--no-pdf"])
    assert unknown.exit_code == 2
    neither = runner.invoke(main, base)
    assert neither.exit_code == 2
