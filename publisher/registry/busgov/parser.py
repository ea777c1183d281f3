"""bus.gov.ru open-data institution documents, parsed into `Position` records.

A small document is parsed as one tree (`parse_bytes`), a big one as a stream (`parse_document`).

A document is ``<ext:…><header/><ext:body><ext:position>…</ext:position></ext:body></ext:…>``,
the root, ``body`` and ``position`` in ``http://bus.gov.ru/external/1``, the position's children in
``http://bus.gov.ru/types/1``. Element names follow public code that reads these files (a PHP
importer of bus.gov.ru's institution dataset): ``initiator`` (regNum, fullName, inn, kpp),
``main`` (shortName, ogrn, ``classifier/oktmo/code``, ``classifier/okved`` with code/name/type,
``complexAddress/address`` with zip, subject/region/locality/street names and building),
``additional`` (www, eMail, phone, ``institutionType/name``, ``activity/okved``),
``other/founder`` (regNum, fullName). Not confirmed against the XSD: ``main/oktmo`` as a direct
child (DOMAIN.md lists it so; read as a fallback) and that ``positionId`` is the card's agencyId
(that importer stores it as the institution's bus.gov.ru id, and so do we).

Limits (a ZIP of 156 KB once inflated to 160 MB of empty elements and took 4.9 GB): a streamed
document may not exceed `MAX_DOCUMENT_BYTES`, and no more than `MAX_POSITION_BYTES` may pass
without a position ending (what the parser holds in memory at once: at most ~260,000 elements).
A document over either limit is rejected alone, with the limit named; the rest of the file is read.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import BinaryIO

from lxml import etree

from publisher.errors import InputError

NS_EXTERNAL = "http://bus.gov.ru/external/1"
NS_TYPES = "http://bus.gov.ru/types/1"
_POSITION = f"{{{NS_EXTERNAL}}}position"
_T = f"{{{NS_TYPES}}}"
_MOSCOW = timezone(timedelta(hours=3))
_READ_ERRORS = (etree.XMLSyntaxError, zipfile.BadZipFile, EOFError, zlib.error, OSError)
# (versionNumber, UTC changeDate) last applied, by positionId.
Applied = Mapping[str, tuple[int, str]]
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
MAX_DOCUMENT_BYTES = 1024**3  # one document, inflated
MAX_POSITION_BYTES = 1024**2  # one position, or what lies between two (a position is a few KB)


class DocumentTooBig(InputError):
    """A document over one of the reading limits (stops reading it; not shown to users as such)."""


class Budget(io.RawIOBase):
    """A document's stream that stops (DocumentTooBig) when a reading limit is passed."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream, self.total, self.since_position = stream, 0, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size if 0 < size <= 1024**2 else 1024**2)
        self.total += len(data)
        self.since_position += len(data)
        if self.total > MAX_DOCUMENT_BYTES:
            raise DocumentTooBig(
                f"документ больше {MAX_DOCUMENT_BYTES // 1024**2} МБ (document over the size limit)"
            )
        if self.since_position > MAX_POSITION_BYTES:
            raise DocumentTooBig(
                f"более {MAX_POSITION_BYTES // 1024} КБ без конца position"
                " (over the limit of XML per position: not a register document)"
            )
        return data

    def readinto(self, buffer) -> int:  # noqa: ANN001 - a writable buffer
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def position_ended(self) -> None:
        """Reset the per-position budget (the parser has let go of the position)."""
        self.since_position = 0


@dataclass(frozen=True)
class RejectedDocument:
    """One register document that could not be used: the file, the document in it, and why."""

    source: str
    document: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.document}" if self.document else self.source
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class Unchanged:
    """A document the pre-scan found already applied: its id, version and change date."""

    source: str
    document: str
    position_id: str


@dataclass(frozen=True)
class Position:
    """One institution as a register document («позиция») describes it, at one version."""

    source: str
    document: str
    position_id: str
    change_date: str
    version_number: int
    reg_num: str | None = None
    full_name: str | None = None
    short_name: str | None = None
    inn: str | None = None
    kpp: str | None = None
    ogrn: str | None = None
    oktmo: str | None = None
    address: str | None = None
    www: str | None = None
    email: str | None = None
    phone: str | None = None
    founder: str | None = None
    okved: str | None = None
    institution_type: str | None = None

    @property
    def where(self) -> str:
        """File and document, for a change row's source."""
        return f"{self.source}:{self.document}" if self.document else self.source


def _text(element: etree._Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def _kids(element: etree._Element | None) -> dict[str, etree._Element]:
    """The children of an element by tag (one pass; tags are namespaced, see `_T`)."""
    return {} if element is None else {child.tag: child for child in element}


def _at(kids: dict[str, etree._Element], *names: str) -> str | None:
    """The text at a path of local names below an element's children."""
    element = kids.get(_T + names[0])
    for name in names[1:]:
        if element is None:
            return None
        element = element.find(_T + name)
    return _text(element)


def utc_change_date(raw: str) -> str:
    """A changeDate as UTC ISO 8601 to the second; a date without a zone is Moscow time."""
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"changeDate «{raw}» не является датой (not an ISO date)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_MOSCOW)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _version(raw: str | None) -> int:
    if raw is None:
        return 0
    if not raw.isdigit():
        raise InputError(f"versionNumber «{raw}» не число (not a number)")
    return int(raw)


def _address(main: dict[str, etree._Element]) -> str | None:
    """The address parts in the order the register wrote them, joined with commas."""
    complex_address = main.get(_T + "complexAddress")
    if complex_address is None:
        return None
    address = next(complex_address.iter(_T + "address"), None)
    if address is None:
        return _text(complex_address)
    parts = []
    for part in address:
        value = _text(part.find(_T + "name")) if len(part) else _text(part)
        if value:
            parts.append(value)
    return ", ".join(parts) or None


def _main_okved(*holders: etree._Element | None) -> str | None:
    """The main activity's OKVED code (type C), else the first one given."""
    codes: list[tuple[str | None, str]] = []
    for holder in holders:
        if holder is None:
            continue
        for okved in holder.iter(_T + "okved"):
            code = _text(okved.find(_T + "code"))
            if code:
                codes.append((_text(okved.find(_T + "type")), code))
    main = [code for kind, code in codes if kind == "C"]
    return (main or [code for _, code in codes] or [None])[0]


def _founders(other: etree._Element | None) -> str | None:
    if other is None:
        return None
    names = [_text(f.find(_T + "fullName")) for f in other.iterfind(_T + "founder")]
    return "; ".join(name for name in names if name) or None


def _identity(position: dict[str, etree._Element]) -> dict[str, str | None]:
    initiator = position.get(_T + "initiator")
    who = _kids(initiator if initiator is not None else position.get(_T + "placer"))
    names = {"reg_num": "regNum", "full_name": "fullName", "inn": "inn", "kpp": "kpp"}
    return {key: _at(who, name) for key, name in names.items()}


def parse_position(element: etree._Element, source: str, document: str) -> Position:
    """One ``position`` element as a record; InputError says what is missing or wrong."""
    top = _kids(element)
    position_id = _at(top, "positionId")
    if position_id is None:
        raise InputError("нет positionId (document without an id)")
    main, additional = _kids(top.get(_T + "main")), _kids(top.get(_T + "additional"))
    return Position(
        source=source,
        document=document,
        position_id=position_id,
        change_date=utc_change_date(_at(top, "changeDate") or "1970-01-01"),
        version_number=_version(_at(top, "versionNumber")),
        **_identity(top),
        short_name=_at(main, "shortName"),
        ogrn=_at(main, "ogrn"),
        oktmo=_at(main, "classifier", "oktmo", "code")
        or _at(main, "oktmo", "code")
        or _at(main, "oktmo"),
        address=_address(main),
        www=_at(additional, "www"),
        email=_at(additional, "eMail"),
        phone=_at(additional, "phone"),
        founder=_founders(top.get(_T + "other")),
        okved=_main_okved(main.get(_T + "classifier"), top.get(_T + "additional")),
        institution_type=_at(additional, "institutionType", "name"),
    )


def _namespace(tag: str) -> str:
    return tag[1:].split("}")[0] if tag.startswith("{") else ""


def _check_root(root: etree._Element) -> None:
    namespace = _namespace(root.tag)
    if namespace != NS_EXTERNAL:
        shown = namespace or "без пространства имён"
        raise InputError(f"неизвестное пространство имён «{shown}» (unknown namespace)")


def _positions(
    stream: BinaryIO, source: str, document: str
) -> Iterator[Position | RejectedDocument]:
    budget = Budget(stream)
    context = etree.iterparse(
        budget, events=("end",), tag=_POSITION, resolve_entities=False, no_network=True
    )
    found = 0
    for _, element in context:
        if found == 0:
            _check_root(element.getroottree().getroot())
        found += 1
        try:
            yield parse_position(element, source, document)
        except InputError as exc:
            yield RejectedDocument(source, document, str(exc))
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]
        budget.position_ended()
    if found == 0:
        _check_root(context.root)
        raise InputError("нет body/position (no position in the document)")


def parse_document(
    stream: BinaryIO, source: str, document: str
) -> Iterator[Position | RejectedDocument]:
    """The positions of one XML document; a bad document or position becomes a RejectedDocument."""
    try:
        yield from _positions(stream, source, document)
    except InputError as exc:
        yield RejectedDocument(source, document, str(exc))
    except _READ_ERRORS as exc:
        yield RejectedDocument(
            source, document, f"документ не прочитан ({exc.__class__.__name__}: {exc})"
        )


def _applied_already(element: etree._Element, applied: Applied) -> str | None:
    """The positionId of a position not newer than the version applied; None if it is newer."""
    position_id = _text(element.find(_T + "positionId"))
    known = applied.get(position_id) if position_id else None
    if known is None:
        return None
    try:
        version = _version(_text(element.find(_T + "versionNumber")))
        changed = utc_change_date(_text(element.find(_T + "changeDate")) or "1970-01-01")
    except InputError:
        return None  # parse_position says why
    return position_id if (version, changed) <= known else None


def _tree(data: bytes, source: str, document: str) -> list[etree._Element] | RejectedDocument:
    """The position elements of a well-formed document, or why there are none."""
    root = etree.fromstring(data, _PARSER)
    elements = list(root.iter(_POSITION))
    try:
        _check_root(root)
        if not elements:
            raise InputError("нет body/position (no position in the document)")
    except InputError as exc:
        return RejectedDocument(source, document, str(exc))
    return elements


def parse_bytes(
    data: bytes, source: str, document: str, applied: Applied | None = None
) -> Iterator[Position | RejectedDocument | Unchanged]:
    """The positions of a whole document in memory (a tree at once, faster than a stream).

    A one-position document not newer than the version ``applied`` names is `Unchanged`; it is still
    checked whole (well-formed, namespace), but its fields are not read.
    """
    try:
        elements = _tree(data, source, document)
    except etree.XMLSyntaxError:
        # The stream yields the whole positions before the break, then the reason.
        yield from parse_document(io.BytesIO(data), source, document)
        return
    if isinstance(elements, RejectedDocument):
        yield elements
        return
    done = _applied_already(elements[0], applied) if applied and len(elements) == 1 else None
    if done is not None:
        yield Unchanged(source, document, done)
        return
    for element in elements:
        try:
            yield parse_position(element, source, document)
        except InputError as exc:
            yield RejectedDocument(source, document, str(exc))
