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
    calendar = default_calendar()
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
        (date(2020, 4, 15), False),  # COVID non-working day, default choice
        (date(2021, 11, 2), False),
    ],
)
def test_known_days(day: date, working: bool) -> None:
    assert default_calendar().is_working_day(day) is working


def test_covid_days_are_a_switch() -> None:
    calendar = default_calendar(covid=False)
    assert calendar.is_working_day(date(2020, 4, 15))
    assert calendar.is_working_day(date(2021, 11, 2))
    assert calendar.version.endswith("-nocovid")
    assert not calendar.is_working_day(date(2020, 5, 4))  # a decree transfer, not a COVID day


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
