"""detect_plan: the improvement plan by content, its look-alikes, last cycle's plan."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crawler.detectors.plan import detect_plan
from crawler.documents import build_page
from crawler.items import SiteContext

DOCS = Path(__file__).parent / "fixtures" / "documents"
ASSESSED_2024 = SiteContext("i1", "https://school5.ru/", assessment_date=date(2024, 2, 1))
NO_ASSESSMENT = SiteContext("i1", "https://school5.ru/")


def doc(name: str) -> object:
    return build_page(f"https://school5.ru/upload/{name}", 200, {}, (DOCS / name).read_bytes())


def html(body: str, url: str = "https://school5.ru/nok/") -> object:
    return build_page(url, 200, {"content-type": "text/html; charset=utf-8"}, body.encode())


def content_findings(page, ctx=ASSESSED_2024):
    return [(f.status, f.declared_date) for f in detect_plan(page, ctx) if f.detail == "content"]


@pytest.mark.parametrize(
    ("name", "ctx", "expected"),
    [
        ("plan.pdf", ASSESSED_2024, [("found", date(2024, 3, 12))]),
        ("plan.docx", ASSESSED_2024, [("found", date(2024, 3, 12))]),
        ("plan.odt", ASSESSED_2024, [("found", date(2024, 3, 12))]),
        ("plan.rtf", ASSESSED_2024, [("found", date(2024, 3, 12))]),
        ("plan_old.pdf", ASSESSED_2024, [("outdated", date(2021, 8, 30))]),  # 2021 plan
        ("plan_old.pdf", NO_ASSESSMENT, [("found", date(2021, 8, 30))]),  # nothing to judge by
        ("work_plan.pdf", ASSESSED_2024, []),  # «План работы на год» mentioning the plan
        ("scanned.pdf", ASSESSED_2024, []),  # no text layer: nothing to read
    ],
)
def test_plan_documents(name, ctx, expected):
    assert content_findings(doc(name), ctx) == expected


PLAN_TABLE = (
    "<table><tr><th>Недостатки, выявленные в ходе НОК</th><th>Наименование мероприятия</th>"
    "<th>Срок реализации</th><th>Ответственный исполнитель</th></tr></table>"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("План по устранению недостатков, выявленных в ходе независимой оценки качества "
         "условий оказания услуг на 2024-2025 годы", "found"),
        ("План мероприятий по улучшению качества работы организации на 2024 год", "found"),
        ("ПЛАН МЕРОПРИЯТИЙ ПО РЕЗУЛЬТАТАМ НЕЗАВИСИМОЙ ОЦЕНКИ КАЧЕСТВА на 2025 г.", "found"),
        ("План мероприятий по улучшению качества работы организации на 2019-2020 годы",
         "outdated"),
        ("Утвержден приказом от 30.08.2023 № 12. План по устранению недостатков", "outdated"),
        ("Утвержден приказом от 01.03.2024 № 12. План по устранению недостатков", "found"),
        ("План финансово-хозяйственной деятельности. План мероприятий по улучшению качества",
         None),
        ("Отчёт о выполнении плана по устранению недостатков за 2024 год", None),
        ("Отчет о результатах самообследования. План мероприятий по улучшению качества", None),
        ("План работы на 2024 год", None),
    ],
)  # fmt: skip
def test_plan_as_html_table_page(text, expected):
    page = html(f"<h1>{text}</h1>{PLAN_TABLE}")
    found = content_findings(page)
    assert [status for status, _ in found] == ([expected] if expected else [])


def test_section_page_naming_the_plan_is_not_the_plan_its_link_is():
    page = html(
        "<nav><a href='/nok/'>План по устранению недостатков</a></nav>"
        "<h2>Независимая оценка качества</h2>"
        "<ul><li>План по устранению недостатков на 2024-2025 гг. "
        "<a href='/upload/doc1234.pdf'>Скачать</a></li>"
        "<li>План по устранению недостатков на 2019 год <a href='/upload/doc99.pdf'>doc99.pdf</a>"
        "</li><li><a href='/upload/pfhd.pdf'>План ФХД на 2024 год</a></li></ul>"
    )
    findings = detect_plan(page, ASSESSED_2024)
    assert [(f.status, f.url, f.detail) for f in findings] == [
        ("found", "https://school5.ru/nok/", "link_text"),
        ("found", "https://school5.ru/upload/doc1234.pdf", "link_text"),
        ("outdated", "https://school5.ru/upload/doc99.pdf", "link_text"),
    ]
    assert findings[1].score > findings[0].score  # a document beats a page link
    assert findings[1].matched_text == "План по устранению недостатков на 2024-2025 гг. Скачать"


def test_content_beats_link_text_and_carries_evidence():
    finding = detect_plan(doc("plan.pdf"), ASSESSED_2024)[0]
    assert finding.score >= 0.9
    assert finding.matched_text.startswith("ПЛАН ПО УСТРАНЕНИЮ НЕДОСТАТКОВ")
    assert finding.url == "https://school5.ru/upload/plan.pdf"


def test_plan_mentioned_deep_in_a_long_document_scores_lower():
    text = "Пояснительная записка\n" + "текст " * 400 + "\nплан по устранению недостатков"
    page = build_page("https://school5.ru/a.txt", 200, {}, text.encode())
    (finding,) = detect_plan(page, NO_ASSESSMENT)
    assert finding.score < 0.9


def test_pages_without_a_plan_have_no_findings():
    page = html("<h1>Главная</h1><p>Добро пожаловать!</p><a href='/sveden/'>Сведения</a>")
    assert detect_plan(page, ASSESSED_2024) == []
