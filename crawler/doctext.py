"""Text of PDF, RTF and legacy MS Office (DOC, XLS) documents, bounded in pages, size and time.

Exceptions::

    DocumentError            a document whose text cannot be read; .note says why
                             (pdf_unreadable, doc_tool_missing, doc_tool_failed, zip_bomb, ...)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile

import pypdfium2 as pdfium
from striprtf.striprtf import rtf_to_text

MAX_PDF_PAGES = 40
MAX_RTF_BYTES = 5_000_000
TOOL_TIMEOUT_S = 15.0
_MIN_LETTERS_PER_PAGE = 20  # fewer means a scan with, at most, a stamp's text layer
_RTF_CODEPAGE = re.compile(rb"\\ansicpg(\d+)")
_RTF_PICTURE = re.compile(rb"\{\\\*?\\(?:pict|bin|objdata|datastore|themedata)[^{}]*\}")


class DocumentError(Exception):
    """A document whose text cannot be read."""

    def __init__(self, note: str):
        super().__init__(note)
        self.note = note


def pdf_text(body: bytes) -> tuple[str, str]:
    """Text of the first pages of a PDF and a note ("scanned_pdf_no_text", "truncated" or "")."""
    try:
        document = pdfium.PdfDocument(body)
    except pdfium.PdfiumError as exc:
        raise DocumentError("pdf_unreadable") from exc
    try:
        count = len(document)
        pages = [_page_text(document, i) for i in range(min(count, MAX_PDF_PAGES))]
    finally:
        document.close()
    text = "\n".join(pages).replace("\r\n", "\n").replace("\r", "\n")
    letters = sum(ch.isalpha() for ch in text)
    if letters < _MIN_LETTERS_PER_PAGE * max(len(pages), 1):
        return text, "scanned_pdf_no_text"
    return text, "truncated" if count > MAX_PDF_PAGES else ""


def _page_text(document: pdfium.PdfDocument, index: int) -> str:
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            return textpage.get_text_range()
        finally:
            textpage.close()
    except pdfium.PdfiumError:
        return ""
    finally:
        page.close()


def rtf_text(body: bytes) -> tuple[str, str]:
    """Text of an RTF document, its \\'xx escapes decoded with the declared code page."""
    note = "truncated" if len(body) > MAX_RTF_BYTES else ""
    # Embedded pictures are hex blobs that striprtf would crawl through slowly.
    data = _RTF_PICTURE.sub(b"", body[:MAX_RTF_BYTES])
    match = _RTF_CODEPAGE.search(data[:2000])
    encoding = f"cp{match.group(1).decode()}" if match else "cp1251"
    try:
        "".encode(encoding)
    except LookupError:
        encoding = "cp1251"
    source = data.decode("latin-1")  # RTF is 7-bit; the escapes carry the real bytes
    try:
        return rtf_to_text(source, encoding=encoding, errors="replace"), note
    except (ValueError, IndexError) as exc:
        raise DocumentError("rtf_unreadable") from exc


def legacy_office_text(body: bytes, kind: str) -> str:
    """Text of a binary .doc (antiword, else catdoc) or .xls (xls2csv) via a bounded subprocess."""
    commands = _LEGACY_COMMANDS[kind]
    available = [cmd for cmd in commands if shutil.which(cmd[0])]
    if not available:
        raise DocumentError("doc_tool_missing")
    with tempfile.NamedTemporaryFile(suffix=f".{kind}") as handle:
        handle.write(body)
        handle.flush()
        for command in available:
            text = run_tool([*command, handle.name])
            if text is not None and text.strip():
                return text
    raise DocumentError("doc_tool_failed")


def run_tool(command: list[str], timeout: float = TOOL_TIMEOUT_S) -> str | None:
    """Stdout of a text-extraction tool as UTF-8, or None when it fails, times out or is missing."""
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace")


_LEGACY_COMMANDS = {
    "doc": (["antiword", "-m", "UTF-8.txt", "-w", "0"], ["catdoc", "-d", "utf-8", "-w"]),
    "xls": (["xls2csv", "-d", "utf-8", "-q", "0"],),
}
