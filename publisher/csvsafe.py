"""Neutralising CSV cells a spreadsheet would run as a formula.

Rule (documented in docs/data.md): in the CSV export, a text cell taken from a website or a
registry that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
apostrophe, the convention spreadsheets show as "text". Numbers, dates and our own codes are
never touched, so a number like ``-5`` in an integer column stays a number.
"""

from __future__ import annotations

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """The cell as a spreadsheet will display it without evaluating it."""
    return "'" + value if value.startswith(_TRIGGERS) else value
