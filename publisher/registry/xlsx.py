"""Reading a registry or report table from an XLSX workbook (the first sheet, header in row 1)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook

from publisher.errors import InputError

Warn = Callable[[int, str], None]


def _cell(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.strftime("%d.%m.%Y")
    return "" if value is None else str(value)


def read_xlsx_rows(
    path: Path, required: tuple[str, ...], warn: Warn | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, row) pairs of the first sheet, header in row 1; InputError if unusable,
    naming the header that was read."""
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for a bad file
        raise InputError(f"{path}: not a readable XLSX workbook ({exc})") from exc
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [_cell(v).replace("\u00a0", " ").strip() for v in next(rows, ())]
        missing = [column for column in required if column not in header]
        if missing:
            seen = " | ".join(h for h in header if h)[:300] or "(пусто)"
            raise InputError(
                f"{path}:1: missing columns: {', '.join(missing)}; прочитан заголовок (header"
                f" seen): {seen} — XLSX, первый лист"
            )
        for number, values in enumerate(rows, start=2):
            if any(v not in (None, "") for v in values):
                yield number, {h: _cell(v) for h, v in zip(header, values, strict=False)}
    finally:
        book.close()
