"""Dates as people write them in registries and regional reports (ISO or dd.mm.yyyy)."""

from __future__ import annotations

import re
from datetime import date

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_RU = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


def parse_date(raw: str) -> date:
    """Parse an ISO (2014-03-10) or Russian (10.03.2014) date; ValueError says why not."""
    text = raw.replace("\u00a0", " ").strip()
    if not text:
        raise ValueError("пустое значение вместо даты (empty value)")
    match = _ISO.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _RU.fullmatch(text)
        if not match:
            raise ValueError(
                f"«{raw}» не является датой (not a date: expected dd.mm.yyyy or yyyy-mm-dd)"
            )
        day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"«{raw}» не является датой ({exc})") from None


def parse_optional_date(raw: str | None) -> date | None:
    """Like parse_date, but an empty cell is no date rather than an error."""
    if raw is None or not raw.strip():
        return None
    return parse_date(raw)
