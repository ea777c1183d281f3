"""Turn a fetched response into a ``Page``: sniff the real type, decode, extract text and links.

The type comes from the bytes first (magic numbers), the Content-Type header second, and never
from the file name. Work is bounded: text is capped, PDFs are read for their first pages, zipped
documents are checked for bombs, legacy Word files are read by a subprocess under a timeout.
A document that cannot be read still becomes a ``Page``, with an empty text and a ``note``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from crawler import charsets, doctext, htmltext, officetext
from crawler.items import Page

MAX_TEXT_CHARS = 300_000
MAX_HTML_BYTES = 4_000_000

HTML = "text/html"
PDF = "application/pdf"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
RTF = "application/rtf"
OLE = "application/x-ole-storage"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Markup starts with a tag or a comment; plain text practically never does.
_HTML_START = re.compile(rb"<(?:!doctype\s+html|!--|\?xml[^>]*>\s*<html|[a-z][a-z0-9]{0,9}[\s/>])")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_ZIP_TYPES = (officetext.DOCX, officetext.ODT, officetext.ODS, officetext.XLSX)


def build_page(url: str, status: int, headers: Mapping[str, str], body: bytes) -> Page:
    """Decode a response (HTML or PDF/DOC/DOCX/RTF/ODT/XLS) into a Page for the detectors."""
    headers = {k.lower(): v for k, v in headers.items()}
    mime = sniff_type(body, headers.get("content-type", ""))
    if mime in _HTML_TYPES:
        return _html_page(url, status, headers, body)
    if mime == "text/plain":
        text, encoding = charsets.decode_html(body, _declared(headers))
        text, note = _cap(text, "")
        return Page(url, status, mime, text, body, headers, encoding=encoding, note=note)
    text, note = _document_text(body, mime)
    text, note = _cap(text, note)
    return Page(url, status, mime, text, body, headers, note=note)


def sniff_type(body: bytes, content_type: str = "") -> str:
    """The real MIME type of a body: magic bytes first, then the Content-Type header."""
    declared = content_type.split(";")[0].strip().lower()
    head = body[:1024].lstrip()
    if head.startswith(b"%PDF-") or (b"%PDF-" in body[:1024] and declared == PDF):
        return PDF
    if head.startswith(b"{\\rtf"):
        return RTF
    if body.startswith(b"PK\x03\x04"):
        return officetext.zip_kind(body) or declared or "application/zip"
    if body.startswith(_OLE_MAGIC):
        return _ole_kind(body)
    if _looks_like_html(head):
        return HTML
    if declared and declared != "application/octet-stream":
        return declared
    return "application/octet-stream" if b"\x00" in head else "text/plain"


def _looks_like_html(head: bytes) -> bool:
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()[:200].lower()
    return _HTML_START.match(head) is not None


def _ole_kind(body: bytes) -> str:
    # The compound file directory names its streams in UTF-16: WordDocument or Workbook/Book.
    head = body[:200_000]
    if "WordDocument".encode("utf-16-le") in head:
        return DOC
    if "Workbook".encode("utf-16-le") in head or "Book".encode("utf-16-le") in head:
        return XLS
    return OLE


def _html_page(url: str, status: int, headers: dict[str, str], body: bytes) -> Page:
    note = "truncated" if len(body) > MAX_HTML_BYTES else ""
    markup, encoding = charsets.decode_html(body[:MAX_HTML_BYTES], _declared(headers))
    root = htmltext.parse_html(markup)
    if root is None:
        return Page(url, status, HTML, "", body, headers, markup, (), encoding, note or "empty")
    links = htmltext.extract_links(root, url)  # before visible_text strips <script>
    text, note = _cap(htmltext.visible_text(root), note)
    return Page(url, status, HTML, text, body, headers, markup, links, encoding, note)


def _document_text(body: bytes, mime: str) -> tuple[str, str]:
    try:
        if mime == PDF:
            return doctext.pdf_text(body)
        if mime == RTF:
            return doctext.rtf_text(body)
        if mime in _ZIP_TYPES:
            return officetext.office_text(body, mime), ""
        if mime in (DOC, XLS):
            return doctext.legacy_office_text(body, "doc" if mime == DOC else "xls"), ""
    except doctext.DocumentError as exc:
        return "", exc.note
    return "", "unsupported_type"


def _cap(text: str, note: str) -> tuple[str, str]:
    if len(text) <= MAX_TEXT_CHARS:
        return text, note
    return text[:MAX_TEXT_CHARS], note or "truncated"


def _declared(headers: dict[str, str]) -> str | None:
    """The charset the HTTP header declares (the Content-Type's parameter, not the whole value)."""
    return charsets.charset_from_content_type(headers.get("content-type"))
