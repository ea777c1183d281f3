"""Each region's clock: a period ends at 24:00 of its last day where the duty is performed (ГК РФ
ст. 194), so every observation is dated in the institution's region's time zone.

The table is data (``region_timezones.csv``: ISO 3166-2 code → IANA zone, Kaliningrad to
Kamchatka); a region spanning several zones takes its capital's, as its note says.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

TABLE = Path(__file__).with_name("region_timezones.csv")
MOSCOW = ZoneInfo("Europe/Moscow")


@cache
def _zones() -> dict[str, ZoneInfo]:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: ZoneInfo(row["timezone"]) for row in csv.DictReader(handle)}


def region_zone(region: str | None) -> ZoneInfo:
    """The region's time zone; Moscow time for a region the table does not know."""
    return _zones().get(region or "", MOSCOW)


def local_date(value: str | None, zone: ZoneInfo = MOSCOW) -> date | None:
    """A stored ISO datetime (``…Z``) as a civil date in ``zone``; a plain date as it is."""
    if not value:
        return None
    if "T" not in value:
        return date.fromisoformat(value)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(zone).date()
