"""Text of zipped office documents (DOCX, ODT, XLSX) with zip+lxml, bounded against zip bombs."""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from crawler.doctext import DocumentError

MAX_MEMBER_BYTES = 20_000_000  # uncompressed size of the one XML part we read
MAX_TOTAL_BYTES = 200_000_000  # all members together, as the archive declares them
MAX_RATIO = 200  # uncompressed/compressed: text XML compresses ~10x, bombs ~1000x
MAX_MEMBERS = 5_000

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_XLSX_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def zip_kind(body: bytes) -> str | None:
    """The MIME type of a zipped office document, from its parts rather than its name."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                if declared in (ODT, ODS):
                    return declared
            if "word/document.xml" in names:
                return DOCX
            if "xl/workbook.xml" in names:
                return XLSX
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, KeyError, ValueError):
        return None
    return None


def office_text(body: bytes, mime: str) -> str:
    """Plain text of a DOCX, ODT/ODS or XLSX document; raises DocumentError."""
    if mime == XLSX:
        return _xlsx_text(body)
    part, paragraph_tags = _PARTS[mime]
    root = _read_xml(body, part)
    lines = ("".join(_run_text(el)) for el in root.iter(*paragraph_tags))
    return "\n".join(line for line in lines if line.strip())


def _xlsx_text(body: bytes) -> str:
    """Shared strings, then the first sheet's inline strings row by row (as openpyxl writes)."""
    lines: list[str] = []
    for part, line_tag in (("xl/sharedStrings.xml", "si"), ("xl/worksheets/sheet1.xml", "row")):
        try:
            root = _read_xml(body, part)
        except DocumentError as exc:
            if exc.note == "office_part_missing":
                continue
            raise
        for line in root.iter(f"{_XLSX_NS}{line_tag}"):
            lines.append(" ".join(t.text or "" for t in line.iter(f"{_XLSX_NS}t")))
    return "\n".join(line for line in lines if line.strip())


def _run_text(paragraph: etree._Element) -> list[str]:
    out: list[str] = []
    for el in paragraph.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in (f"{_W}t", f"{_TEXT_NS}span", f"{_TEXT_NS}a") or tag in _ODF_TEXT_HOLDERS:
            out.append(el.text or "")
        elif tag in (f"{_W}tab", f"{_W}br", f"{_TEXT_NS}tab", f"{_TEXT_NS}s"):
            out.append(" ")
        elif tag == f"{_TEXT_NS}line-break":
            out.append(" ")
        if el is not paragraph and tag.startswith(_TEXT_NS):
            out.append(el.tail or "")
    return out


def _read_xml(body: bytes, part: str) -> etree._Element:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            _check_sizes(archive)
            info = archive.getinfo(part)
            with archive.open(info) as member:
                data = member.read(MAX_MEMBER_BYTES + 1)
    except KeyError as exc:
        raise DocumentError("office_part_missing") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise DocumentError("office_unreadable") from exc
    if len(data) > MAX_MEMBER_BYTES:
        raise DocumentError("zip_bomb")
    try:
        return etree.fromstring(data, _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise DocumentError("office_unreadable") from exc


def _check_sizes(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    total = sum(info.file_size for info in infos)
    compressed = sum(info.compress_size for info in infos) or 1
    too_big = any(info.file_size > MAX_MEMBER_BYTES * 5 for info in infos)
    if len(infos) > MAX_MEMBERS or total > MAX_TOTAL_BYTES or too_big:
        raise DocumentError("zip_bomb")
    if total > 10_000_000 and total / compressed > MAX_RATIO:
        raise DocumentError("zip_bomb")


_ODF_TEXT_HOLDERS = frozenset({f"{_TEXT_NS}p", f"{_TEXT_NS}h"})
_PARTS = {
    DOCX: ("word/document.xml", (f"{_W}p",)),
    ODT: ("content.xml", (f"{_TEXT_NS}p", f"{_TEXT_NS}h")),
    ODS: ("content.xml", (f"{_TEXT_NS}p", f"{_TEXT_NS}h")),
}
