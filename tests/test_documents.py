"""build_page: real type sniffing, Russian encodings, text and links, bounded document reading."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from crawler import doctext, officetext
from crawler.documents import DOC, HTML, PDF, RTF, build_page, sniff_type

DOCS = Path(__file__).parent / "fixtures" / "documents"
TITLE = "ПЛАН ПО УСТРАНЕНИЮ НЕДОСТАТКОВ"


def fixture_page(name: str, content_type: str = "", url: str = "") -> object:
    headers = {"Content-Type": content_type} if content_type else {}
    return build_page(
        url or f"http://school5.ru/files/{name}", 200, headers, (DOCS / name).read_bytes()
    )


@pytest.mark.parametrize(
    ("name", "content_type", "expected_type"),
    [
        ("plan.pdf", "application/octet-stream", PDF),
        ("plan.pdf", "text/html; charset=utf-8", PDF),  # a misconfigured server
        ("plan.docx", "application/octet-stream", officetext.DOCX),
        ("plan.odt", "", officetext.ODT),
        ("plan.rtf", "application/msword", RTF),
        ("plan.xlsx", "application/zip", officetext.XLSX),
        ("cp1251_meta.html", "application/pdf", HTML),  # an error page served as the PDF
        ("broken.html", "", HTML),
    ],
)
def test_type_is_sniffed_from_bytes_not_name_or_header(name, content_type, expected_type):
    assert sniff_type((DOCS / name).read_bytes(), content_type) == expected_type


@pytest.mark.parametrize(
    ("body", "content_type", "expected_type"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le"), "", DOC),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "Workbook".encode("utf-16-le"),
            "",
            "application/vnd.ms-excel",
        ),
        (b"just words", "", "text/plain"),
        (b"\x00\x01binary", "", "application/octet-stream"),
        (b"<div>fragment</div>", "text/html", HTML),
        (b'<?xml version="1.0"?><html><body>x</body></html>', "", HTML),
    ],
)
def test_type_of_small_bodies(body, content_type, expected_type):
    assert sniff_type(body, content_type) == expected_type


@pytest.mark.parametrize(
    ("name", "content_type", "expected_encoding"),
    [
        ("cp1251_meta.html", "text/html", "windows-1251"),
        ("cp1251_meta.html", "text/html; charset=windows-1251", "windows-1251"),
        ("cp1251_undeclared.html", "text/html", "windows-1251"),
        ("cp1251_undeclared.html", "text/html; charset=utf-8", "windows-1251"),  # lies
        ("cp1251_undeclared.html", "text/html; charset=koi8-r", "windows-1251"),  # lies
        ("cp1251_short_undeclared.html", "text/html", "windows-1251"),
        ("koi8r_meta.html", "text/html", "koi8-r"),
        ("koi8r_meta.html", "text/html; charset=koi8-r", "koi8-r"),
        ("koi8r_short_undeclared.html", "text/html", "koi8-r"),
        ("koi8r_short_undeclared.html", "text/html; charset=utf-8", "koi8-r"),
    ],
)
def test_russian_pages_decode_whatever_they_declare(name, content_type, expected_encoding):
    page = fixture_page(name, content_type)
    assert page.encoding == expected_encoding
    assert "Анкета" in page.text or "Независимая оценка качества" in page.text


def test_utf8_page_with_stray_bytes_stays_utf8_and_broken_html_is_recovered():
    page = fixture_page("broken.html", "text/html", url="http://school5.ru/a/b.html")
    assert page.encoding == "utf-8"
    assert page.text.splitlines()[:2] == ["Сведения", "План по устранению недостатков"]
    assert [link.url for link in page.links] == ["http://school5.ru/nok/plan.pdf"]
    assert page.links[0].context == "План по устранению недостатков"


HTML_PAGE = """<html><head><base href="/docs/"><title>НОК</title>
<script src="https://pos.gosuslugi.ru/bin/script.min.js"></script><style>p{}</style></head>
<body><p>Раздел <b>НОК</b></p>
<ul><li>План на 2024 год <a href=" plan%20v2.pdf#p1 ">Скачать</a></li>
<li><a href="https://bus.gov.ru/pub/info-card/123"><img src="b.png" alt="Оцените нас"></a></li>
<li><a href="javascript:void(0)">Печать</a> <a href="mailto:a@b.ru">Почта</a>
<a href="#top">Вверх</a></li></ul>
<iframe src="//forms.yandex.ru/u/1/?iframe=1" title="Анкета"></iframe>
<form><input type="radio" name="q"> Да</form><!-- скрытый комментарий -->
<noscript>Включите JavaScript</noscript></body></html>"""


def test_html_links_are_absolute_with_text_kind_and_context():
    page = build_page(
        "https://school5.ru/nok/", 200, {"content-type": "text/html"}, HTML_PAGE.encode()
    )
    links = [(link.url, link.text, link.kind) for link in page.links]
    assert links == [
        ("https://pos.gosuslugi.ru/bin/script.min.js", "", "script"),
        ("https://school5.ru/docs/plan%20v2.pdf#p1", "Скачать", "a"),
        ("https://bus.gov.ru/pub/info-card/123", "Оцените нас", "img-link"),
        ("https://forms.yandex.ru/u/1/?iframe=1", "Анкета", "iframe"),
        ("https://school5.ru/docs/", "Да", "form"),  # no action: the page itself (after <base>)
    ]
    assert page.links[1].context == "План на 2024 год Скачать"


def test_html_text_is_visible_text_only():
    page = build_page("https://school5.ru/nok/", 200, {}, HTML_PAGE.encode())
    assert page.text.splitlines()[:3] == ["НОК", "Раздел НОК", "План на 2024 год Скачать"]
    for hidden in ("p{}", "скрытый", "JavaScript", "script.min"):
        assert hidden not in page.text


@pytest.mark.parametrize(
    ("name", "expected_type"),
    [("plan.pdf", PDF), ("plan.docx", officetext.DOCX), ("plan.odt", officetext.ODT),
     ("plan.rtf", RTF), ("plan.xlsx", officetext.XLSX)],
)  # fmt: skip
def test_documents_yield_their_text(name, expected_type):
    page = fixture_page(name)
    assert page.content_type == expected_type
    assert page.note == ""
    assert TITLE in page.text
    assert "«12» марта 2024 г." in page.text
    assert "Срок реализации" in page.text  # table cells too
    assert "89504e47" not in page.text  # RTF picture data is not text


def test_scanned_pdf_is_reported_as_such():
    page = fixture_page("scanned.pdf")
    assert (page.content_type, page.text, page.note) == (PDF, "", "scanned_pdf_no_text")


def test_pdf_pages_are_capped(monkeypatch):
    monkeypatch.setattr(doctext, "MAX_PDF_PAGES", 0)
    assert fixture_page("plan.pdf").note == "scanned_pdf_no_text"  # no page read, no text


def test_broken_pdf_is_a_note_not_a_crash():
    page = build_page("http://s.ru/x.pdf", 200, {}, b"%PDF-1.4\n1 0 obj garbage")
    assert (page.content_type, page.text, page.note) == (PDF, "", "pdf_unreadable")


def test_zip_bomb_docx_is_refused_without_inflating():
    page = fixture_page("bomb.docx")
    assert (page.content_type, page.text, page.note) == (officetext.DOCX, "", "zip_bomb")


def test_docx_with_lying_sizes_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<document>" + b" " * 3_000_000 + b"</document>")
    body = buffer.getvalue()
    assert build_page("http://s.ru/a.docx", 200, {}, body).note == ""  # small enough: read
    # The archive claims 1,000 bytes: reading stops there, and the truncated XML is refused.
    lying = body.replace((3_000_021).to_bytes(4, "little"), (1000).to_bytes(4, "little"))
    assert lying != body
    assert build_page("http://s.ru/a.docx", 200, {}, lying).note == "office_unreadable"


def test_xml_entities_are_not_expanded():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "' + b"x" * 1000 + b'">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            b"<w:p><w:t>&b;</w:t></w:p></w:document>")  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", bomb)
    page = build_page("http://s.ru/a.docx", 200, {}, buffer.getvalue())
    assert len(page.text) < 1000


def test_legacy_doc_that_the_tools_cannot_read_gets_a_note():
    body = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + b"\x00" * 600
    page = build_page("http://s.ru/plan.doc", 200, {}, body)
    assert (page.content_type, page.text, page.note) == (DOC, "", "doc_tool_failed")


def test_legacy_doc_without_tools_says_so(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    body = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le")
    assert build_page("http://s.ru/plan.doc", 200, {}, body).note == "doc_tool_missing"


def test_tool_runner_survives_timeouts_failures_and_missing_binaries():
    assert doctext.run_tool(["sleep", "5"], timeout=0.2) is None
    assert doctext.run_tool(["false"]) is None
    assert doctext.run_tool(["/nonexistent/antiword"]) is None
    assert doctext.run_tool(["printf", "Привет"]) == "Привет"


def test_text_is_capped(monkeypatch):
    from crawler import documents

    monkeypatch.setattr(documents, "MAX_TEXT_CHARS", 50)
    page = build_page("http://s.ru/", 200, {}, ("<p>" + "слово " * 100 + "</p>").encode())
    assert (len(page.text), page.note) == (50, "truncated")


@pytest.mark.parametrize("body", [b"", b"   ", b"<html></html>", b"<!-- -->"])
def test_empty_bodies_give_empty_pages(body):
    page = build_page("http://s.ru/", 200, {"content-type": "text/html"}, body)
    assert page.text == "" and page.links == ()


def test_garbage_html_never_raises():
    body = b"<<<>>>\x00\x00<a href='http://[::1'>x</a>" + b"<div>" * 5000
    page = build_page("http://s.ru/", 200, {"content-type": "text/html"}, body)
    assert page.links == () and "\x00" not in page.text


@pytest.mark.parametrize("encoding", ["windows-1251", "koi8-r"])
@pytest.mark.parametrize("text", ["МБОУ СОШ 5", "ДОУ", "<p>МБДОУ</p>"])
def test_a_short_ambiguous_page_follows_its_http_header_charset(text: str, encoding: str) -> None:
    headers = {"Content-Type": f"text/html; charset={encoding}"}
    page = build_page("http://school.ru/", 200, headers, text.encode(encoding))
    assert (page.text, page.encoding) == (text.replace("<p>", "").replace("</p>", ""), encoding)
