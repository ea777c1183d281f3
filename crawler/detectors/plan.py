"""The improvement plan (improvement_plan, «план по устранению недостатков, выявленных в ходе НОК»).

Read by content: a document whose title names the plan is the plan; so is an HTML page carrying
the plan's table. A link whose text (or, for "Скачать"-style links, the list item around it) names
the plan is weaker evidence. A look-alike before the title (yearly work plan, ПФХД,
self-assessment report, a report on the plan) makes it not the plan. A plan for years before the
assessment, or approved before it, is last cycle's: ``outdated``.
"""

from __future__ import annotations

import re
from datetime import date

from crawler.dates import extract_approval_date
from crawler.items import Finding, Link, Page, SiteContext

ITEM = "improvement_plan"
_HEADING_CHARS = 1500  # a document's title sits in its first lines
_YEARS_WINDOW = 400  # "на 2024-2025 годы" follows the title closely
_LOOKALIKE_WINDOW = 200  # on an HTML page, only a look-alike heading right above counts

_PLAN = r"план[а-яё]*\s+(?:мероприятий\s+)?"
_STRONG = re.compile(
    rf"{_PLAN}(?:по\s+)?(?:улучшени[а-яё]+\s+качества|устранени[а-яё]+\s+недостатков"
    r"|по\s+результатам\s+(?:проведения\s+)?независимой\s+оценки)"
)
_WEAK = re.compile(rf"{_PLAN}[^.\n]{{0,120}}?(?:независим[а-яё]+\s+оценк|\bнок\b)")
_LOOKALIKES = re.compile(
    r"план[а-яё]*\s+работы|план[а-яё]*\s+финансово[-\s]хозяйственной|\bпфхд\b"
    r"|самообследовани|отч[её]т[а-яё]*\s+(?:о|об)\s+(?:выполнении|исполнении|реализации|ходе)"
    r"|годовой\s+план|учебный\s+план|план[а-яё]*\s+закупок|план[а-яё]*-график"
)
_STRUCTURE = re.compile(
    r"срок[а-яё]*\s+(?:реализации|исполнения)|ответственн[а-яё]+\s+исполнител"
    r"|недостатки,?\s+выявленные|сведения\s+о\s+ходе\s+реализации|наименование\s+мероприяти"
)
_YEARS = re.compile(
    r"(?<!\d)((?:19|20)\d\d)(?:\s*[-–—/]\s*((?:19|20)\d\d))?\s*(?:г\.|гг|год|уч)"
    r"|на\s+((?:19|20)\d\d)(?:\s*[-–—/]\s*((?:19|20)\d\d))?(?!\d)"
)
_GENERIC_ANCHOR = re.compile(
    r"^(?:скачать|открыть|просмотреть|посмотреть|подробнее|загрузить|документ|файл|ссылка"
    r"|pdf|docx?|rtf|odt|[\w.-]+\.(?:pdf|docx?|rtf|odt))?[\s().,:|-]*(?:\(?\d+[,.]?\d*\s*[кkмm]?[бb]\)?)?$",
    re.I,
)
_DOC_URL = re.compile(r"\.(?:pdf|docx?|rtf|odt)(?:$|[?#])|/file/card|/upload|/download", re.I)


def detect_plan(page: Page, ctx: SiteContext) -> list[Finding]:
    """Findings for the improvement plan in this page's content and in its links."""
    findings = []
    content = _content_finding(page, ctx)
    if content is not None:
        findings.append(content)
    findings.extend(_link_findings(page, ctx))
    return findings


def _content_finding(page: Page, ctx: SiteContext) -> Finding | None:
    text = page.text
    lowered = text.lower()
    if "план" not in lowered:
        return None
    # An HTML page is the plan only when it carries the plan's table, not just a heading
    # above a "Скачать" link: then the linked document is the plan.
    if page.is_html and not _STRUCTURE.search(lowered):
        return None
    match = _heading(lowered, page)
    if match is None:
        return None
    early = page.is_html or match.start() < _HEADING_CHARS
    score = (0.9 if match.re is _STRONG else 0.6) - (0.0 if early else 0.2)
    score += 0.05 if _STRUCTURE.search(lowered) else 0.0
    approval = extract_approval_date(text)
    declared = approval[0] if approval else None
    years = _plan_years(lowered[match.start() : match.end() + _YEARS_WINDOW])
    status = _status(years, declared, ctx.assessment_date)
    matched = _snippet(text, match.start(), match.end() + 80)
    return Finding(ITEM, status, page.url, round(min(score, 1.0), 2), matched, declared, "content")


def _heading(lowered: str, page: Page) -> re.Match[str] | None:
    """The first plan title in the text that is not a link's text nor preceded by a look-alike."""
    link_texts = [link.text.lower() for link in page.links if "план" in link.text.lower()]
    for pattern in (_STRONG, _WEAK):
        for match in pattern.finditer(lowered):
            if any(match.group(0) in label for label in link_texts):
                continue
            since = max(0, match.start() - _LOOKALIKE_WINDOW) if page.is_html else 0
            if _LOOKALIKES.search(lowered, since, match.start() + 1):
                return None
            return match
    return None


def _link_findings(page: Page, ctx: SiteContext) -> list[Finding]:
    findings = []
    for link in page.links:
        if link.kind not in ("a", "img-link"):
            continue
        label = _label(link)
        lowered = label.lower()
        match = _STRONG.search(lowered) or _WEAK.search(lowered)
        if match is None or _LOOKALIKES.search(lowered, 0, match.start() + 1):
            continue
        approval = extract_approval_date(label)
        declared = approval[0] if approval else None
        status = _status(_plan_years(lowered[match.start() :]), declared, ctx.assessment_date)
        score = 0.5 if _DOC_URL.search(link.url) else 0.35
        findings.append(Finding(ITEM, status, link.url, score, label[:200], declared, "link_text"))
    return findings


def _label(link: Link) -> str:
    if link.context and _GENERIC_ANCHOR.match(link.text.strip()):
        return link.context
    return link.text


def _plan_years(window: str) -> list[int]:
    years = []
    for match in _YEARS.finditer(window):
        years.extend(int(y) for y in match.groups() if y)
    return years


def _status(years: list[int], declared: date | None, assessed: date | None) -> str:
    if assessed is None:
        return "found"
    if years and max(years) < assessed.year:
        return "outdated"
    if declared is not None and declared < assessed:
        return "outdated"
    return "found"


def _snippet(text: str, start: int, end: int) -> str:
    return " ".join(text[start:end].split())[:200]
