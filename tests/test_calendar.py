"""The production calendar, day by day against the public xmlcalendar data set, and its edges."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import pytest

from publisher.deadlines.workcalendar import (
    CalendarDataError,
    DateNotCovered,
    default_calendar,
    load_calendar,
)

REFERENCE = Path(__file__).resolve().parents[2] / "shared/reference/production-calendar-ru"
YEARS = range(2013, 2027)


def reference_days_off(year: int) -> set[date]:
    """Days off per the reference XML: weekends, minus t=3 working days, plus t=1 days off."""
    root = ET.parse(REFERENCE / f"{year}.xml").getroot()
    marks = {}
    for day in root.iter("day"):
        month, dom = (int(p) for p in day.get("d").split("."))
        marks[date(year, month, dom)] = day.get("t")
    off = set()
    current = date(year, 1, 1)
    while current.year == year:
        kind = marks.get(current)
        if kind == "1" or (current.weekday() >= 5 and kind not in ("2", "3")):
            off.add(current)
        current += timedelta(1)
    return off


@pytest.mark.parametrize("year", YEARS)
def test_calendar_matches_reference_day_by_day(year: int) -> None:
    if not (REFERENCE / f"{year}.xml").exists():
        pytest.skip(f"reference calendar {REFERENCE / f'{year}.xml'} is not available here")
    # The reference marks the 2020-2021 decree days as days off: compare with that reading.
    calendar = default_calendar(decree_days_off=True)
    expected = reference_days_off(year)
    ours = {d for d in _days(year) if not calendar.is_working_day(d)}
    assert sorted(ours - expected) == [] and sorted(expected - ours) == []


def _days(year: int) -> list[date]:
    start = date(year, 1, 1)
    return [start + timedelta(n) for n in range((date(year, 12, 31) - start).days + 1)]


@pytest.mark.parametrize(
    "day, working",
    [
        (date(2014, 3, 10), False),  # ТК ст. 112: 08.03.2014 was a Saturday
        (date(2024, 4, 27), True),
        (date(2024, 11, 2), True),
        (date(2024, 12, 28), True),
        (date(2025, 11, 1), True),
        # Decree non-working days count as working days (Supreme Court reviews No. 1 and No. 2, 2020)
        (date(2020, 4, 15), True),
        (date(2020, 4, 6), True),
        (date(2021, 11, 2), True),
        (date(2020, 5, 4), False),  # a Government decree's transfer of a holiday, a true day off
    ],
)
def test_known_days(day: date, working: bool) -> None:
    assert default_calendar().is_working_day(day) is working


@pytest.mark.parametrize(
    "day, kind, basis",
    [
        (date(2020, 4, 6), "decree_non_working", "Указ Президента РФ от 02.04.2020 № 239"),
        (date(2020, 3, 30), "decree_non_working", "Указ Президента РФ от 25.03.2020 № 206"),
        (date(2021, 11, 1), "decree_non_working", "Указ Президента РФ от 20.10.2021 № 595"),
        (date(2020, 5, 4), "day_off", None),
        (date(2014, 3, 10), "day_off", None),
        (date(2014, 3, 8), "holiday", None),
        (date(2024, 4, 27), "working", None),
        (date(2024, 4, 28), "weekend", None),
    ],
)
def test_decree_days_are_their_own_kind_with_the_decree_cited(
    day: date, kind: str, basis: str | None
) -> None:
    calendar = default_calendar()
    assert (calendar.day_kind(day), calendar.decree_basis(day)) == (kind, basis)


def test_the_other_reading_of_decree_days_is_an_explicit_choice() -> None:
    courts, days_off = default_calendar(), default_calendar(decree_days_off=True)
    assert not days_off.is_working_day(date(2020, 4, 15))
    assert courts.reading == "decree-days-working" and days_off.reading == "decree-days-off"
    assert courts.version != days_off.version and "decree-days" in courts.version
    # 15 days from 20.03.2020: 04.04 (Saturday) → 06.04 (ГК ст. 193), not 12.05 as with the
    # decree days taken for days off.
    from publisher.deadlines.periods import Days, due_date

    assert due_date(Days(15), date(2020, 3, 20), courts) == date(2020, 4, 6)
    assert due_date(Days(15), date(2020, 3, 20), days_off) == date(2020, 5, 12)


def test_working_day_arithmetic() -> None:
    calendar = default_calendar()
    assert calendar.next_working_day(date(2014, 3, 8)) == date(2014, 3, 11)
    assert calendar.next_working_day(date(2014, 3, 11)) == date(2014, 3, 11)
    assert calendar.add_working_days(date(2014, 3, 6), 1) == date(2014, 3, 7)
    assert calendar.add_working_days(date(2014, 3, 7), 1) == date(2014, 3, 11)
    assert calendar.add_working_days(date(2024, 4, 26), 1) == date(2024, 4, 27)
    assert calendar.working_days_between(date(2014, 3, 7), date(2014, 3, 11)) == 1
    assert calendar.working_days_between(date(2014, 3, 11), date(2014, 3, 7)) == -1
    assert calendar.previous_working_day(date(2014, 3, 11)) == date(2014, 3, 7)


@pytest.mark.parametrize("day", [date(2012, 12, 31), date(2027, 1, 1)])
def test_dates_outside_the_calendar_are_not_guessed(day: date) -> None:
    with pytest.raises(DateNotCovered, match="вне производственного календаря"):
        default_calendar().is_working_day(day)


def test_rolling_past_the_last_covered_day_is_not_guessed() -> None:
    with pytest.raises(DateNotCovered):
        default_calendar().next_working_day(date(2026, 12, 31))


def test_a_year_file_extends_the_calendar(tmp_path: Path) -> None:
    (tmp_path / "2027.yaml").write_text(
        "year: 2027\ndays_off:\n  - {date: 2027-01-11, basis: decree}\nworking_days: []\n",
        encoding="utf-8",
    )
    calendar = load_calendar(extra=[tmp_path])
    assert calendar.last_year == 2027
    assert not calendar.is_working_day(date(2027, 1, 11))
    assert not calendar.is_working_day(date(2027, 2, 23))  # the holiday list applies
    assert "+" in calendar.version


def test_a_malformed_year_file_names_file_and_entry(tmp_path: Path) -> None:
    bad = tmp_path / "2027.yaml"
    bad.write_text("year: 2027\ndays_off:\n  - {date: 2027-01-09}\n", encoding="utf-8")
    with pytest.raises(CalendarDataError, match=r"2027\.yaml.*2027-01-09"):
        load_calendar(extra=[bad])


def test_a_gap_in_years_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "2028.yaml").write_text("year: 2028\n", encoding="utf-8")
    with pytest.raises(CalendarDataError, match="пропущены годы"):
        load_calendar(extra=[tmp_path])


def test_the_other_reading_is_built_once_and_leads_back() -> None:
    from publisher.deadlines.workcalendar import default_calendar

    calendar = default_calendar()
    other = calendar.with_reading(not calendar.decree_days_off)
    assert other is calendar.with_reading(not calendar.decree_days_off)
    assert other.reading != calendar.reading
    assert other.with_reading(calendar.decree_days_off) is calendar
