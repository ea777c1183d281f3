"""Reading a registry or report table from an XLSX workbook, within limits a small hostile file cannot pass.

An XLSX is a ZIP of XML parts; openpyxl holds every shared string in memory, so a 426 KB file of
10 million shared strings once took 62 s and 1 GB. Before openpyxl sees a workbook its parts are
checked: no part may inflate beyond `MAX_PART_BYTES` (the ZIP's declared sizes, which zipfile
enforces while inflating), all of them beyond `MAX_TOTAL_BYTES`, nor hold more than
`MAX_SHARED_STRINGS` strings; a sheet may not have more than `MAX_ROWS` rows.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook

from publisher.errors import InputError

MAX_PART_BYTES = 32 * 1024**2
MAX_TOTAL_BYTES = 128 * 1024**2
MAX_SHARED_STRINGS = 200_000  # a region's report has a few thousand rows of a dozen cells
MAX_ROWS = 100_000
_STRING_ITEM = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
Warn = Callable[[int, str], None]


def _cell(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.strftime("%d.%m.%Y")
    return "" if value is None else str(value)


def _count_strings(archive: zipfile.ZipFile, name: str) -> int:
    count, carry = 0, b""
    with archive.open(name) as part:
        while block := part.read(1024 * 1024):
            data = carry + block
            cut = max(len(data) - 64, 0)  # a tag starting in the last bytes is counted next time
            count += sum(1 for m in _STRING_ITEM.finditer(data) if m.start() < cut)
            carry = data[cut:]
    return count + len(_STRING_ITEM.findall(carry))


def check_workbook(path: Path) -> None:
    """InputError (naming the limit) if the workbook is over a reading limit or not a ZIP."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            too_big = [p.filename for p in parts if p.file_size > MAX_PART_BYTES]
            if too_big or sum(p.file_size for p in parts) > MAX_TOTAL_BYTES:
                raise InputError(
                    f"{path}: XLSX распаковывается больше чем в {MAX_PART_BYTES // 1024**2} МБ"
                    f" на часть или {MAX_TOTAL_BYTES // 1024**2} МБ всего"
                    f" (over the size limit: {', '.join(too_big) or 'all parts'})"
                )
            for name in (p.filename for p in parts if p.filename.endswith("sharedStrings.xml")):
                if (count := _count_strings(archive, name)) > MAX_SHARED_STRINGS:
                    raise InputError(
                        f"{path}: {count} строк в sharedStrings — больше {MAX_SHARED_STRINGS}"
                        " (over the shared strings limit)"
                    )
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(f"{path}: не XLSX (not a readable XLSX workbook: {exc})") from exc


def _open(path: Path, data_only: bool):  # noqa: ANN202 - an openpyxl workbook
    try:
        return load_workbook(path, read_only=True, data_only=data_only)
    except Exception as exc:  # openpyxl raises many unrelated types for a bad file
        raise InputError(
            f"{path}: XLSX не читается (not a readable XLSX workbook: {type(exc).__name__}: {exc})"
        ) from exc


def _first_table(book, path: Path) -> int:  # noqa: ANN001 - an openpyxl workbook
    """The index of the first sheet with anything in its first row."""
    for index, sheet in enumerate(book.worksheets):
        first = next(sheet.iter_rows(max_row=1, values_only=True), ())
        if any(v not in (None, "") for v in first):
            return index
    raise InputError(f"{path}: все листы пусты (every sheet is empty: no header row)")


def read_xlsx_rows(
    path: Path, required: tuple[str, ...], warn: Warn | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, row) of the first sheet that is not empty, header in its row 1; InputError if
    unusable. A formula cell with no value saved in the file is read as empty, and ``warn`` told."""
    path = Path(path)
    check_workbook(path)
    values, formulas = _open(path, True), _open(path, False)
    number = 1
    try:
        index = _first_table(values, path)
        rows = values.worksheets[index].iter_rows(values_only=True)
        sources = formulas.worksheets[index].iter_rows(values_only=True)
        header = [_cell(v).replace("\u00a0", " ").strip() for v in next(rows, ())]
        next(sources, None)
        missing = [column for column in required if column not in header]
        if missing:
            seen = " | ".join(h for h in header if h)[:300] or "(пусто)"
            raise InputError(
                f"{path}:1: missing columns: {', '.join(missing)}; прочитан заголовок (header"
                f" seen): {seen} — XLSX, лист {index + 1}"
            )
        for number, (row, source) in enumerate(zip(rows, sources, strict=False), start=2):
            if number > MAX_ROWS + 1:
                raise InputError(f"{path}: больше {MAX_ROWS} строк (over the row limit)")
            for column, value, formula in zip(header, row, source, strict=False):
                if value is None and isinstance(formula, str) and formula.startswith("="):
                    if warn is not None:
                        warn(number, f"{column}: формула {formula} без сохранённого значения"
                             " (formula without a cached value: read as empty; save the file in"
                             " Excel or LibreOffice to compute it)")  # fmt: skip
            if any(v not in (None, "") for v in row):
                yield number, {h: _cell(v) for h, v in zip(header, row, strict=False)}
    except InputError:
        raise
    except Exception as exc:  # a malformed sheet surfaces while iterating, as any type
        raise InputError(
            f"{path}:{number}: XLSX не читается (unreadable sheet: {type(exc).__name__}: {exc})"
        ) from exc
    finally:
        values.close()
        formulas.close()
