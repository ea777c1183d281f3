"""The online survey form (survey_form, «анкета для интернет-опроса»): live, broken or absent.

Nothing is ever submitted. A form on the site or an embedded external form is a ``live``
candidate whose action or embed URL the spider fetches and ``judge_form_target`` judges; a
placeholder is ``broken``; a downloadable blank questionnaire is not an online means.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from crawler.detectors.formhosts import form_host
from crawler.htmltext import element_text, parse_html
from crawler.items import Finding, Link, Page, SiteContext

ITEM = "survey_form"
_SURVEY_WORDS = re.compile(
    r"анкет|опрос|оцените|оценк[а-яё]*\s+качеств|независим[а-яё]+\s+оценк|удовлетвор", re.I
)
_PLACEHOLDER = re.compile(
    r"(?:анкет[а-яё]*|опрос[а-яё]*|форм[а-яё]*)\s+(?:временно\s+|пока\s+)?(?:недоступн[а-яё]*"
    r"|не\s+доступн[а-яё]*|не\s+работает|закрыт[а-яё]*|заверш[её]н[а-яё]*|приостановлен[а-яё]*)"
    r"|(?:страница|раздел)\s+(?:находится\s+)?в\s+(?:разработке|стадии\s+(?:наполнения|заполнения))"
    r"|анкетирование\s+(?:завершено|закрыто|приостановлено)|при[её]м\s+ответов\s+(?:закрыт|заверш)",
    re.I,
)
_DOWNLOAD = re.compile(r"\.(?:docx?|pdf|rtf|odt|xlsx?)(?:$|[?#])", re.I)
_ANSWER_TYPES = {"radio", "checkbox", "text", "email", "number", "tel", "range", ""}
_SUBMIT_WORDS = re.compile(r"отправ|ответ|готово|submit|send|сохран", re.I)


def detect_survey_form(page: Page, ctx: SiteContext) -> list[Finding]:
    """Candidate survey forms, placeholders and downloadable questionnaires on one page."""
    if not page.is_html:
        return []
    findings = _embedded_forms(page)
    about_survey = _SURVEY_WORDS.search(page.text) is not None
    if about_survey:
        findings += _html_forms(page)
        findings += _placeholders(page)
    findings += _downloadable_questionnaires(page)
    return findings


def judge_form_target(status: int, page: Page | None) -> tuple[str, str]:
    """Whether a fetched form action or embed URL is a live form: (live|broken, detail)."""
    if status in (404, 410) or status >= 500 or status == 0:
        return "broken", f"http_{status}"
    if page is None:
        return "live", f"http_{status}"
    if _CLOSED.search(page.text[:20_000]):
        return "broken", "form_closed"
    host = urlsplit(page.url).hostname or ""
    if host in _LOGIN_HOSTS:
        return "live", "login_required"
    return "live", f"http_{status}"


_CLOSED = re.compile(
    r"больше\s+не\s+принима[её]т\s+ответ|no\s+longer\s+accepting\s+responses"
    r"|форма\s+(?:закрыта|недоступна|удалена|не\s+найдена)|при[её]м\s+ответов\s+(?:закрыт|заверш)"
    r"|опрос\s+(?:закрыт|заверш[её]н|окончен)|анкета\s+(?:закрыта|недоступна)"
    r"|this\s+(?:survey|form)\s+(?:is\s+)?(?:closed|no\s+longer)",
    re.I,
)
_LOGIN_HOSTS = {"accounts.google.com", "passport.yandex.ru", "passport.yandex.com"}


def _embedded_forms(page: Page) -> list[Finding]:
    findings, seen = [], set()
    for link in page.links:
        service = form_host(link.url)
        if service is None or link.url in seen:
            continue
        seen.add(link.url)
        embedded = link.kind in ("iframe", "script")
        score = 0.85 if embedded else 0.7
        detail = f"{service}_embed" if embedded else f"{service}_link"
        findings.append(Finding(ITEM, "live", page.url, score, _label(link), None, detail,
                                (link.url,)))  # fmt: skip
    return findings


def _html_forms(page: Page) -> list[Finding]:
    if "<form" not in (page.html or "").lower():
        return []
    root = parse_html(page.html or "")
    if root is None:
        return []
    findings = []
    for form in root.iter("form"):
        if _is_survey_form(form):
            action = (form.get("action") or "").strip()
            target = urljoin(page.url, action) if action and not action.startswith("#") else ""
            follow = (target,) if target and target != page.url else ()
            text = element_text(form)[:200]
            findings.append(Finding(ITEM, "live", page.url, 0.8, text, None, "html_form", follow))
    return findings


def _is_survey_form(form) -> bool:  # noqa: ANN001 (an lxml element)
    kinds = [(el.get("type") or "").lower() for el in form.iter("input")]
    if "password" in kinds or (form.get("role") or "").lower() == "search":
        return False
    choices = kinds.count("radio") + kinds.count("checkbox") + len(list(form.iter("select")))
    answers = sum(k in _ANSWER_TYPES for k in kinds) + len(list(form.iter("textarea"))) + choices
    has_submit = any(k in ("submit", "image") for k in kinds) or _has_submit_button(form)
    if not has_submit:
        return False
    return choices >= 2 or (answers >= 3 and _SURVEY_WORDS.search(element_text(form)) is not None)


def _has_submit_button(form) -> bool:  # noqa: ANN001 (an lxml element)
    for button in form.iter("button"):
        kind = (button.get("type") or "submit").lower()
        if kind == "submit" or _SUBMIT_WORDS.search(element_text(button)):
            return True
    return any(
        _SUBMIT_WORDS.search(el.get("value") or "")
        for el in form.iter("input")
        if (el.get("type") or "").lower() == "button"
    )


def _placeholders(page: Page) -> list[Finding]:
    match = _PLACEHOLDER.search(page.text)
    if match is None:
        return []
    return [Finding(ITEM, "broken", page.url, 0.7, match.group(0), None, "placeholder")]


def _downloadable_questionnaires(page: Page) -> list[Finding]:
    findings = []
    for link in page.links:
        label = _label(link)
        if link.kind == "a" and _DOWNLOAD.search(link.url) and "анкет" in label.lower():
            detail = "downloadable_questionnaire"
            findings.append(Finding(ITEM, "not_found", link.url, 0.2, label[:200], None, detail))
    return findings


def _label(link: Link) -> str:
    return (link.text or link.context)[:200]
