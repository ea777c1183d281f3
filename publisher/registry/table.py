"""The registry of institutions, imported from regional tables: CSV or XLSX.

A CSV may come as Russian offices write it: UTF-8 with or without BOM, or cp1251; separated by
``;`` or ``,`` (or tabs). The encoding and delimiter are detected and said in the report. A bad
row is reported with its file, line and reason; the good rows are imported; importing the same
file twice changes nothing. A cell longer than `MAX_CELL` characters rejects its row only; a field
over `MAX_FIELD` (the CSV reader's hard limit, against memory exhaustion) stops the file.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from publisher.dates import parse_optional_date
from publisher.errors import InputError
from publisher.registry.addresses import normalise_website
from publisher.registry.xlsx import read_xlsx_rows
from publisher.store import Store, UpsertReport
from publisher.vocab import region_code, sphere_code

REQUIRED_COLUMNS = ("id", "name", "region", "sphere", "founder", "website")
OPTIONAL_COLUMNS = ("kind", "bus_gov_id", "inn", "ogrn", "assessment_date")
KINDS = ("institution", "authority")
MAX_CELL = 131_072
MAX_FIELD = 16 * 1024**2
_PATTERNS = {
    "bus_gov_id": (re.compile(r"[0-9]+"), "только цифры (digits only)"),
    "inn": (re.compile(r"[0-9]{10}|[0-9]{12}"), "10 или 12 цифр (10 or 12 digits)"),
    "ogrn": (re.compile(r"[0-9]{13}|[0-9]{15}"), "13 или 15 цифр (13 or 15 digits)"),
}


@dataclass(frozen=True)
class RejectedRow:
    """One rejected input row: where it is and why."""

    source: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


@dataclass
class ImportReport:
    """What an import did: rows taken, rows stored by outcome, rows rejected."""

    rows: int = 0
    stored: UpsertReport = field(default_factory=UpsertReport)
    errors: list[RejectedRow] = field(default_factory=list)
    format: str = ""  # how the file was read: «CSV, cp1251, разделитель «;»» or «XLSX»


def _clean(value: str | None) -> str:
    return (value or "").replace("\u00a0", " ").strip()


def _checked(row: dict[str, str], column: str) -> str | None:
    value = _clean(row.get(column))
    if not value:
        return None
    pattern, rule = _PATTERNS[column]
    if not pattern.fullmatch(value):
        raise ValueError(f"{column} «{value}»: ожидается {rule}")
    return value


def parse_institution(row: dict[str, str], source: str) -> dict:
    """One CSV row as an institutions record; ValueError names the column and the reason."""
    for column, value in row.items():
        if isinstance(value, str) and len(value) > MAX_CELL:
            raise ValueError(
                f"столбец {column}: {len(value)} символов, больше {MAX_CELL} (cell too long)"
            )
    for column in ("id", "name"):
        if not _clean(row.get(column)):
            raise ValueError(f"пустой столбец {column} (missing {column})")
    raw_site = _clean(row.get("website"))
    kind = _clean(row.get("kind")) or "institution"
    if kind not in KINDS:
        raise ValueError(f"kind «{kind}»: ожидается одно из {', '.join(KINDS)}")
    try:
        assessed = parse_optional_date(row.get("assessment_date"))
    except ValueError as exc:
        raise ValueError(f"assessment_date: {exc}") from None
    return {
        "id": _clean(row["id"]),
        "name": _clean(row["name"]),
        "region": region_code(_clean(row.get("region"))),
        "sphere": sphere_code(_clean(row.get("sphere"))),
        "founder": _clean(row.get("founder")) or None,
        "kind": kind,
        "website": normalise_website(raw_site) if raw_site else None,
        "website_original": raw_site or None,
        "bus_gov_id": _checked(row, "bus_gov_id"),
        "inn": _checked(row, "inn"),
        "ogrn": _checked(row, "ogrn"),
        "assessment_date": assessed.isoformat() if assessed else None,
        "source": source,
    }


DELIMITERS = ";,\t"
_CHUNK = 1024**2


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file is written: its encoding and delimiter."""

    encoding: str
    delimiter: str

    def __str__(self) -> str:
        encoding = "UTF-8" if self.encoding == "utf-8-sig" else self.encoding
        shown = "табуляция" if self.delimiter == "\t" else f"«{self.delimiter}»"
        return f"CSV, {encoding}, разделитель {shown}"


def _first_undecodable(path: Path) -> str:
    """Where a file stops being UTF-8: ``line: what`` (the reader only knows its buffer's place)."""
    with path.open("rb") as raw:
        for number, line in enumerate(raw, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                byte = line[exc.start : exc.start + 1].hex()
                return (
                    f"{number}: не UTF-8 (not UTF-8 text: byte 0x{byte} at column {exc.start + 1})"
                )
    return "?: не UTF-8 (not UTF-8 text)"


def _utf8(path: Path) -> str:
    """``utf8`` if the whole file is UTF-8; ``broken`` if it is UTF-8 (non-ASCII letters decoded)
    until a byte that is not; ``other`` if no UTF-8 letter came before the first bad byte. Read in
    chunks: a big file is never held at once."""
    decoder, letters = codecs.getincrementaldecoder("utf-8")(), False
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            try:
                letters = letters or not decoder.decode(chunk).isascii()
            except UnicodeDecodeError as exc:
                before = chunk[: exc.start]
                return "broken" if letters or not before.isascii() else "other"
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "broken" if letters else "other"
    return "utf8"


def _decodes(path: Path, encoding: str) -> bool:
    try:
        with path.open(encoding=encoding, newline="") as handle:
            while handle.read(_CHUNK):
                pass
    except UnicodeDecodeError:
        return False
    return True


def _header_line(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, newline="") as handle:
        return handle.readline(_CHUNK).lstrip("\ufeff")


def sniff_csv(path: Path) -> CsvDialect:
    """The encoding (UTF-8 with or without BOM, else cp1251) and delimiter of a CSV file: the
    delimiter is the one of ``;``, ``,`` and tab that splits the header line most. A UTF-8 file
    with a stray non-UTF-8 byte is an error naming its line, never read as cp1251."""
    path = Path(path)
    try:
        utf8 = _utf8(path)
        encoding = "utf-8-sig" if utf8 == "utf8" else "cp1251"  # utf-8-sig: with or without BOM
        # UTF-8 text with a stray byte is not cp1251: reading it so would garble every letter
        if utf8 == "broken":
            raise InputError(f"{path}:{_first_undecodable(path)}")
        if not _decodes(path, encoding):
            raise InputError(f"{path}:{_first_undecodable(path)}; и не cp1251 (nor cp1251 text)")
    except OSError as exc:
        raise InputError(f"{path}: не читается (cannot read: {exc.strerror})") from exc
    header = _header_line(path, encoding)
    delimiter = max(DELIMITERS, key=header.count)
    return CsvDialect(encoding, delimiter if header.count(delimiter) else ",")


def read_csv_rows(
    path: Path, required: tuple[str, ...], dialect: CsvDialect | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a CSV with a header; InputError if columns are missing, naming
    the header that was seen."""
    dialect = dialect or sniff_csv(path)
    try:
        handle = path.open(encoding=dialect.encoding, newline="")
    except OSError as exc:
        raise InputError(f"{path}: не читается (cannot read: {exc.strerror})") from exc
    limit = csv.field_size_limit(MAX_FIELD)
    try:
        with handle:
            yield from _csv_rows(handle, path, required, dialect)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}:{_first_undecodable(path)}") from exc
    finally:
        csv.field_size_limit(limit)


def _csv_rows(handle, path: Path, required: tuple[str, ...], dialect: CsvDialect):  # noqa: ANN001, ANN202
    reader = csv.DictReader(handle, delimiter=dialect.delimiter)
    try:
        header = [_clean(name) for name in reader.fieldnames or []]
    except csv.Error as exc:
        raise InputError(f"{path}:1: заголовок не читается (unreadable header: {exc})") from exc
    missing = [column for column in required if column not in header]
    if missing:
        raise InputError(
            f"{path}:1: missing columns: {', '.join(missing)}; прочитан заголовок (header"
            f" seen): {' | '.join(header)[:300] or '(пусто)'} — {dialect}"
        )
    reader.fieldnames = header
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        raise InputError(
            f"{path}:{reader.line_num + 1}: строка не читается (unreadable: {exc})"
        ) from exc


def import_rows(
    store: Store, rows: Iterable[tuple[int, dict[str, str]]], source: str
) -> ImportReport:
    """Import (line number, row) pairs; bad rows are reported, good ones stored in one transaction."""
    report = ImportReport()
    good: dict[str, dict] = {}
    for line, row in rows:
        report.rows += 1
        try:
            record = parse_institution(row, source=source)
        except ValueError as exc:
            report.errors.append(RejectedRow(source, line, str(exc)))
            continue
        if record["id"] in good:
            report.errors.append(RejectedRow(source, line, f"id «{record['id']}» повторяется"))
            continue
        good[record["id"]] = record
    report.stored = store.upsert("institutions", good.values(), merge=True)
    return report


def import_registry(store: Store, path: Path) -> ImportReport:
    """Import a registry file (CSV in any of the usual encodings and delimiters, or XLSX)."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        report = import_rows(store, read_xlsx_rows(path, REQUIRED_COLUMNS), path.name)
        report.format = "XLSX"
        return report
    dialect = sniff_csv(path)
    report = import_rows(store, read_csv_rows(path, REQUIRED_COLUMNS, dialect), path.name)
    report.format = str(dialect)
    return report
