"""One XLSX workbook per package, for people who open data in Excel.

A sheet per resource with Russian column headers, a Russian label beside every coded value
(«status» → «Статус», «overdue» → «просрочено»), and the sheet «Описание полей»: the data
dictionary (resource, field, title, description, type, allowed values). Read from the package's
own CSV files, so the workbook holds exactly the published rows. A resource of more than
``MAX_SHEET_ROWS`` rows (the national crawl history) gets a sheet that says where its rows are
(the CSV in the ZIP): writing a million rows to XLSX takes about 100 s a package, and no one reads
them in Excel.
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook

import datapackages
from publisher.labels import label
from publisher.release.packages import WrittenPackage
from publisher.xmltext import xml_text

DICTIONARY = "Описание полей"
LABEL_SUFFIX = " (расшифровка)"
MAX_SHEET_ROWS = 100_000  # about 10 s of writing; Excel's own limit is 1,048,575
TYPES_RU = {
    "string": "текст",
    "integer": "целое число",
    "number": "число",
    "boolean": "да/нет",
    "date": "дата",
    "datetime": "дата и время",
}
_NUMBERS = {"integer": int, "number": float}


def _coded(field: dict) -> bool:
    return "enum" in field.get("constraints", {}) or field["type"] == "boolean"


def _header(fields: list[dict]) -> list[str]:
    header = []
    for field in fields:
        header.append(field.get("title") or field["name"])
        if _coded(field):
            header.append(header[-1] + LABEL_SUFFIX)
    return header


def _cells(fields: list[dict], values: list[str]) -> list[object]:
    cells: list[object] = []
    for field, value in zip(fields, values, strict=True):
        number = _NUMBERS.get(field["type"])
        # a control character (from a registry cell) cannot go into a worksheet's XML
        cells.append(None if value == "" else (number(value) if number else xml_text(value)))
        if _coded(field):
            cells.append({"true": "да", "false": "нет"}.get(value) or label(value or None))
    return cells


def _dictionary_rows(names: list[str]) -> list[list[str]]:
    rows = [["Лист (ресурс)", "Поле", "Заголовок", "Описание", "Тип", "Допустимые значения"]]
    for name in names:
        for field in datapackages.table_schema(name)["fields"]:
            allowed = field.get("constraints", {}).get("enum", [])
            rows.append(
                [
                    name,
                    field["name"],
                    field.get("title", ""),
                    field.get("description", ""),
                    TYPES_RU.get(field["type"], field["type"]),
                    "; ".join(f"{code} — {label(code)}" for code in allowed),
                ]
            )
    return rows


def too_many(name: str, rows: int) -> str:
    """The note a sheet holds instead of more than ``MAX_SHEET_ROWS`` rows."""
    return (
        f"{rows} строк — больше {MAX_SHEET_ROWS} для листа Excel: все строки в data/{name}.csv"
        " (ZIP пакета)"
    )


def write_workbook(package: WrittenPackage, target: Path) -> Path:
    """Write the package's workbook to ``target``."""
    book = Workbook(write_only=True)
    names = list(package.rows)
    for name in names:
        fields = datapackages.table_schema(name)["fields"]
        sheet = book.create_sheet(name[:31])
        sheet.append(_header(fields))
        if package.rows[name] > MAX_SHEET_ROWS:
            sheet.append([too_many(name, package.rows[name])])
            continue
        with (package.folder / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            next(reader)
            for values in reader:
                sheet.append(_cells(fields, values))
    dictionary = book.create_sheet(DICTIONARY)
    for row in _dictionary_rows(names):
        dictionary.append(row)
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target
