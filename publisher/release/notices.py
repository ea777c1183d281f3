"""Notices: a verdict that establishes a violation, as a letter an official can send.

One Jinja2 template (``templates/notice.html``) gives the printable HTML; the PDF is the same HTML
printed by Debian's headless Chromium. A notice states only what the data shows: the rule (document
and item), the due date and how it was counted, what nokwatch observed and when (evidence links
and SHA-256), the verdict and its certainty, the methodology. Only ``overdue`` and ``late``
establish a violation; an institution with none gets no notice (``NoViolation``).

The rows come from the store or from a release's database (``rows_from_store``,
``rows_from_database``): both have the same columns.
"""

from __future__ import annotations

import sqlite3
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import jinja2

from publisher.deadlines.profiles import Rule, load_profiles
from publisher.errors import NoViolation, PublishError
from publisher.store import Store

VIOLATIONS = ("overdue", "late")
CHROMIUM = Path("/usr/bin/chromium")
TEMPLATES = Path(__file__).parent / "templates"
STATUS = {"overdue": "просрочено (не исполнено)", "late": "исполнено с опозданием"}
ITEM = {
    "improvement_plan": "план по устранению недостатков",
    "survey_form": "анкета для интернет-опроса",
    "bus_gov_link": "ссылка на карточку учреждения на bus.gov.ru",
}
FOUND = {
    "found": "найдено",
    "live": "работает",
    "not_found": "не найдено при полном обходе сайта",
    "outdated": "найден только документ прошлого цикла",
    "broken": "не работает",
    "mismatch": "ссылка на чужую карточку",
}
SOURCES = {"crawler": "наблюдение nokwatch", "document": "дата в самом документе"}


@dataclass
class NoticeRows:
    """What one institution's notice is made of, as stored or published."""

    institution: dict
    verdicts: list[dict]
    findings: list[dict]
    disputes: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Violation:
    """One obligation's verdict that establishes a violation, with its rule and evidence."""

    verdict: dict
    rule: Rule | None
    findings: list[dict]
    certainty: str


@dataclass(frozen=True)
class Notice:
    """A notice of violation, ready to render."""

    institution: dict
    violations: list[Violation]
    disputes: list[dict]
    methodology: list[str]
    created: str
    release: str | None
    base_url: str

    @property
    def name(self) -> str:
        """The file name stem: ``notice-<institution id>``."""
        return f"notice-{self.institution['id']}"


def _day(value: str | None) -> str:
    if not value:
        return "—"
    return date.fromisoformat(value[:10]).strftime("%d.%m.%Y")


def _rules() -> dict[tuple[str, str], Rule]:
    return {(p.id, r.obligation): r for p in load_profiles().values() for r in p.rules}


def certainty(verdict: dict, last_check: str | None = None) -> str:
    """How sure the verdict is, in words: a claim, an interval between checks, or exact."""
    low, high = verdict.get("days_late_min"), verdict.get("days_late_max")
    due = verdict.get("due_date")
    if low is not None and high is not None and low != high:
        span = f"опоздание от {low} до {high} дн."
    elif verdict["status"] == "overdue" and due and last_check:
        days = (date.fromisoformat(last_check[:10]) - date.fromisoformat(due)).days
        span = f"на день последней проверки ({_day(last_check)}) — {days} дн. после срока"
    elif verdict.get("days_late") is not None:
        at_least = verdict["status"] == "overdue" or verdict.get("done_source") == "crawler"
        span = f"опоздание {'не менее ' if at_least else ''}{verdict['days_late']} дн."
    else:
        span = "размер опоздания не установлен"
    if verdict["status"] == "overdue":
        return f"Не исполнено на дату последней проверки; {span} (растёт, пока не исполнено)."
    if verdict.get("done_source") == "crawler":
        after = verdict.get("done_not_before")
        since = f" ({_day(after)})" if after else ""
        return (
            f"Дата исполнения — первое обнаружение nokwatch ({_day(verdict.get('done_date'))}); "
            f"фактически могло быть размещено раньше, но не раньше последней проверки, при которой "
            f"документа не было{since}; {span}"
        )
    source = SOURCES.get(verdict.get("done_source") or "", verdict.get("done_source") or "источник")
    return f"Дата исполнения по данным: {source} (заявление, не наблюдение); {span}"


def build_notice(
    rows: NoticeRows, release: str | None = None, base_url: str = "", created: str | None = None
) -> Notice:
    """The notice for one institution; NoViolation when no verdict establishes one."""
    rules = _rules()
    violations = []
    for verdict in rows.verdicts:
        if verdict["status"] not in VIOLATIONS:
            continue
        rule = rules.get((verdict["profile"], verdict["obligation"]))
        item = rule.finding if rule else None
        evidence = [f for f in rows.findings if f["item"] == item]
        last_check = max((f["checked_at"] for f in evidence if f.get("checked_at")), default=None)
        violations.append(Violation(verdict, rule, evidence, certainty(verdict, last_check)))
    if not violations:
        seen = ", ".join(sorted({v["status"] for v in rows.verdicts})) or "вердиктов нет"
        raise NoViolation(
            f"{rows.institution['id']}: данные не устанавливают нарушения ({seen}); "
            "уведомление не составляется"
        )
    return Notice(
        rows.institution,
        violations,
        rows.disputes,
        sorted({v.verdict["methodology"] for v in violations}),
        created or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        release,
        base_url.rstrip("/"),
    )


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    environment.filters["day"] = _day
    return environment


def _link(notice: Notice, path: str | None) -> str:
    if not path:
        return ""
    if path.startswith(("http://", "https://")):
        return path
    path = path if path.startswith("/") else "/-/release/" + path
    return notice.base_url + path


def render_html(notice: Notice) -> str:
    """The notice as a printable HTML page (Russian)."""
    template = _environment().get_template("notice.html")
    return template.render(
        n=notice,
        i=notice.institution,
        status=STATUS,
        item=ITEM,
        found=FOUND,
        link=lambda path: _link(notice, path),
    )


def print_pdf(html: str, pdf: Path, timeout: float = 60) -> Path:
    """Print HTML to PDF with Debian's headless Chromium (never a downloaded browser)."""
    if not CHROMIUM.exists():
        raise PublishError(f"{CHROMIUM} не найден: установите пакет chromium (scripts/setup)")
    with tempfile.TemporaryDirectory(prefix="nokwatch-notice-") as scratch:
        page = Path(scratch) / "notice.html"
        page.write_text(html, encoding="utf-8")
        command = [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={Path(scratch) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={Path(pdf).absolute()}",
            page.as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not Path(pdf).exists():
        raise PublishError(f"Chromium не напечатал PDF ({done.returncode}): {done.stderr[-400:]}")
    return Path(pdf)


def write_notice(notice: Notice, folder: Path, pdf: bool = True) -> list[Path]:
    """Write ``notice-<id>.html`` (and ``.pdf``) into ``folder``; the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    html = render_html(notice)
    page = folder / f"{notice.name}.html"
    page.write_text(html, encoding="utf-8")
    return [page, print_pdf(html, folder / f"{notice.name}.pdf")] if pdf else [page]


def write_zip(notices: Iterable[Notice], path: Path, pdf: bool = True) -> Path:
    """A region's notices (HTML and PDF each) in one ZIP."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nokwatch-notices-") as scratch:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for notice in notices:
                for written in write_notice(notice, Path(scratch), pdf):
                    archive.write(written, written.name)
    return path


def rows_from_store(store: Store, institution_ids: Iterable[str]) -> list[NoticeRows]:
    """The notice rows of these institutions, from the store (verdicts as last computed)."""
    wanted = list(institution_ids)
    found: dict[str, list[dict]] = {iid: [] for iid in wanted}
    for row in store.findings():
        if row["institution_id"] in found:
            found[row["institution_id"]].append(row)
    result = []
    for iid in wanted:
        (institution,) = store.rows("institutions", "id = ?", [iid])
        verdicts = list(store.rows("compliance", "institution_id = ?", [iid]))
        disputes = list(store.rows("disputes", "institution_id = ?", [iid]))
        result.append(NoticeRows(institution, verdicts, found[iid], disputes))
    return result


def rows_from_database(db: sqlite3.Connection, institution_id: str) -> NoticeRows | None:
    """One institution's notice rows from a release's database (None if it is not there)."""

    def select(table: str, column: str) -> list[dict]:
        exists = db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone()
        if not exists:
            return []
        cursor = db.execute(
            f'SELECT * FROM "{table}" WHERE "{column}" = ? ORDER BY rowid', (institution_id,)
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    institution = select("institutions", "id")
    if not institution:
        return None
    return NoticeRows(
        institution[0],
        select("compliance", "institution_id"),
        select("findings", "institution_id"),
        select("disputes", "institution_id"),
    )
