"""Production calendar of Russia (производственный календарь): which days are working days.

The data is YAML in ``calendar_data/`` (one file per year plus ``holidays.yaml``); more years or
corrected years come from extra files or directories, without code changes. A date outside the
covered years is never guessed: it raises ``DateNotCovered``.

The days the President's decrees of 2020-2021 declared non-working («нерабочие дни с сохранением
заработной платы») are their own kind of day, each with its decree. By default they count as
working days: the Supreme Court's reviews No. 1 (21.04.2020, question 2) and No. 2 (30.04.2020,
question 1) hold that they are not non-working days in the sense of Civil Code art. 193 and do not
move the end of a period. ``decree_days_off=True`` is the other reading (the production calendars'),
chosen explicitly; ``reading`` names the one in use and the version carries it.

    NokwatchError
    └── CalendarError            the calendar cannot answer
        ├── CalendarDataError    a data file is malformed (names the file and the entry)
        └── DateNotCovered       the date lies outside the years the data covers
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from publisher.errors import CalendarDataError, DateNotCovered
from publisher.yamlfile import read_mapping

DATA_DIR = Path(__file__).with_name("calendar_data")
HOLIDAYS_FILE = "holidays.yaml"


@dataclass(frozen=True)
class YearData:
    """One year's departures from the plain Monday-Friday week."""

    year: int
    days_off: frozenset[date]
    working_days: frozenset[date]
    decree_days: dict[date, str] = field(default_factory=dict)  # day → the decree that declared it


class ProductionCalendar:
    """Working days for a contiguous run of years, answered from precomputed arrays."""

    def __init__(
        self,
        years: dict[int, YearData],
        holidays: set[tuple[int, int]],
        version: str,
        decree_days_off: bool = False,
    ) -> None:
        if not years:
            raise CalendarDataError("календарь пуст: нет ни одного года")
        self.first_year, self.last_year = min(years), max(years)
        missing = sorted(set(range(self.first_year, self.last_year + 1)) - set(years))
        if missing:
            raise CalendarDataError(f"в календаре пропущены годы: {missing}")
        self.decree_days_off = decree_days_off
        self.reading = "decree-days-off" if decree_days_off else "decree-days-working"
        self.version = f"{version}+{self.reading}"
        self._years, self._holidays = years, holidays
        self._base = date(self.first_year, 1, 1).toordinal()
        self._end = date(self.last_year, 12, 31).toordinal()
        self._due_tables: dict[tuple[int, bool], array] = {}
        self._other: ProductionCalendar | None = None  # the other reading, built once when asked
        self._build(years, holidays)

    def _build(self, years: dict[int, YearData], holidays: set[tuple[int, int]]) -> None:
        flags = bytearray()
        for ordinal in range(self._base, self._end + 1):
            day = date.fromordinal(ordinal)
            flags.append(_is_working(day, years, holidays, self.decree_days_off))
        self._flags = bytes(flags)
        # _count[i]: working days on or before base+i; _next[i]: first working ordinal >= base+i.
        self._count = array("l")
        running = 0
        for flag in flags:
            running += flag
            self._count.append(running)
        self._ordinals = array("l", (self._base + i for i, f in enumerate(flags) if f))
        self._next = array("l", [-1] * len(flags))
        following = -1
        for i in range(len(flags) - 1, -1, -1):
            if flags[i]:
                following = self._base + i
            self._next[i] = following

    def with_reading(self, decree_days_off: bool) -> ProductionCalendar:
        """The same data under the other reading of the decree days (or this one)."""
        if decree_days_off == self.decree_days_off:
            return self
        if self._other is None:
            base = self.version.rsplit("+", 1)[0]
            self._other = ProductionCalendar(self._years, self._holidays, base, decree_days_off)
            self._other._other = self
        return self._other

    def day_kind(self, day: date) -> str:
        """working, weekend, holiday (ТК ст. 112 ч. 1), day_off (a transfer) or decree_non_working."""
        data = self._years[self._year(day)]
        if day in data.working_days:
            return "working"
        if day in data.days_off:
            return "day_off"
        if day in data.decree_days:
            return "decree_non_working"
        if (day.month, day.day) in self._holidays:
            return "holiday"
        return "weekend" if day.weekday() >= 5 else "working"

    def decree_basis(self, day: date) -> str | None:
        """The decree that declared ``day`` non-working, for a decree non-working day."""
        return self._years[self._year(day)].decree_days.get(day)

    def _year(self, day: date) -> int:
        if not self.covers(day):
            raise DateNotCovered(day, self.first_year, self.last_year)
        return day.year

    @property
    def first_ordinal(self) -> int:
        """Ordinal of 1 January of the first covered year."""
        return self._base

    def due_ordinals(self, n: int, working: bool) -> array:
        """Due ordinal for every trigger ordinal (index = ordinal - first_ordinal); -1 if uncovered.

        A period of n calendar days rolled off non-working days, or n working days; built once per
        period, so a million deadlines cost a list lookup each.
        """
        key = (n, working)
        if key not in self._due_tables:
            self._due_tables[key] = array(
                "l", map(self._safe_due(n, working), range(self._base, self._end + 1))
            )
        return self._due_tables[key]

    def _safe_due(self, n: int, working: bool) -> Callable[[int], int]:
        def due(ordinal: int) -> int:
            try:
                if working:
                    return self.add_working_ordinal(ordinal, n)
                return self.roll_forward_ordinal(ordinal + n)
            except DateNotCovered:
                return -1

        return due

    def covers(self, day: date) -> bool:
        """True when the calendar has data for ``day``'s year."""
        return self.first_year <= day.year <= self.last_year

    def _index(self, ordinal: int) -> int:
        if not self._base <= ordinal <= self._end:
            raise DateNotCovered(ordinal, self.first_year, self.last_year)
        return ordinal - self._base

    def is_working_day(self, day: date) -> bool:
        """True for a working day (shortened pre-holiday days included)."""
        return bool(self._flags[self._index(day.toordinal())])

    def roll_forward_ordinal(self, ordinal: int) -> int:
        """The ordinal itself if a working day, else the next working day's (ГК РФ ст. 193)."""
        following = self._next[self._index(ordinal)]
        if following < 0:
            raise DateNotCovered(self._end + 1, self.first_year, self.last_year)
        return following

    def add_working_ordinal(self, ordinal: int, n: int) -> int:
        """Ordinal of the n-th working day after ``ordinal`` (the day itself not counted)."""
        position = self._count[self._index(ordinal)] + n - 1
        if not 0 <= position < len(self._ordinals):
            raise DateNotCovered(self._end + 1, self.first_year, self.last_year)
        return self._ordinals[position]

    def working_count_ordinal(self, ordinal: int) -> int:
        """Working days from the calendar's start up to and including ``ordinal``."""
        return self._count[self._index(ordinal)]

    def next_working_day(self, day: date) -> date:
        """``day`` if it is a working day, else the next working day."""
        return date.fromordinal(self.roll_forward_ordinal(day.toordinal()))

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after ``day``: a period of n working days starting the day after."""
        return date.fromordinal(self.add_working_ordinal(day.toordinal(), n))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in the half-open interval (start, end]; negative when end < start."""
        return self.working_count_ordinal(end.toordinal()) - self.working_count_ordinal(
            start.toordinal()
        )

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before ``day``."""
        position = bisect_right(self._ordinals, day.toordinal() - 1) - 1
        if position < 0:
            raise DateNotCovered(day, self.first_year, self.last_year)
        return date.fromordinal(self._ordinals[position])


def _is_working(
    day: date, years: dict[int, YearData], holidays: set[tuple[int, int]], decree_days_off: bool
) -> int:
    data = years[day.year]
    if day in data.working_days:
        return 1
    if day in data.days_off or (decree_days_off and day in data.decree_days):
        return 0
    if (day.month, day.day) in holidays:
        return 0
    return int(day.weekday() < 5)


def _entry_date(path: Path, entry: object, key: str, year: int) -> date:
    value = entry.get(key) if isinstance(entry, dict) else None
    if not isinstance(value, date) or value.year != year:
        raise CalendarDataError(f"{path}: запись {entry!r}: {key} должен быть датой {year} года")
    return value


def _decree_days(path: Path, entries: list, year: int) -> dict[date, str]:
    days: dict[date, str] = {}
    for entry in entries:
        start = _entry_date(path, entry, "from", year)
        end = _entry_date(path, entry, "to", year)
        basis = str(entry.get("basis") or "")
        if not basis:
            raise CalendarDataError(f"{path}: запись {entry!r}: нет basis (указа)")
        days.update((start + timedelta(n), basis) for n in range((end - start).days + 1))
    return days


def _dates(path: Path, entries: object, year: int, weekend: bool) -> frozenset[date]:
    if not isinstance(entries, list):
        raise CalendarDataError(f"{path}: ожидался список дат")
    days = set()
    for entry in entries:
        day = _entry_date(path, entry, "date", year)
        # Decrees move days off onto weekdays and make weekend days working; else a typo.
        if (day.weekday() >= 5) != weekend:
            kind = "выходной" if weekend else "будний"
            raise CalendarDataError(f"{path}: запись {entry!r}: {day} должен быть днём {kind}")
        days.add(day)
    return frozenset(days)


def load_year(path: Path) -> YearData:
    """Read one year's file (``2014.yaml``)."""
    raw = read_mapping(path, CalendarDataError)
    year = raw.get("year")
    if not isinstance(year, int):
        raise CalendarDataError(f"{path}: нет целого поля year")
    return YearData(
        year=year,
        days_off=_dates(path, raw.get("days_off") or [], year, weekend=False),
        working_days=_dates(path, raw.get("working_days") or [], year, weekend=True),
        decree_days=_decree_days(path, raw.get("decree_non_working_days") or [], year),
    )


def _holidays(path: Path) -> tuple[set[tuple[int, int]], str]:
    raw = read_mapping(path, CalendarDataError)
    days = set()
    for group in raw.get("holidays") or []:
        for text in group.get("dates", []):
            month, day = (int(part) for part in str(text).split("-"))
            days.add((month, day))
    return days, str(raw.get("version", "unversioned"))


def _year_files(paths: Iterable[Path]) -> list[Path]:
    found = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in sorted(path.glob("*.yaml")) if p.name != HOLIDAYS_FILE)
        elif path.is_file():
            found.append(path)
        else:
            raise CalendarDataError(f"{path}: нет такого файла или каталога")
    return found


def load_calendar(
    extra: Iterable[str | Path] = (), decree_days_off: bool = False
) -> ProductionCalendar:
    """The shipped calendar, with years from ``extra`` files or directories added or replaced."""
    holidays, version = _holidays(DATA_DIR / HOLIDAYS_FILE)
    years: dict[int, YearData] = {}
    for path in _year_files([DATA_DIR]):
        data = load_year(path)
        years[data.year] = data
    extra_files = _year_files(Path(p) for p in extra)
    for path in extra_files:
        data = load_year(path)
        years[data.year] = data
    if extra_files:
        digest = hashlib.sha256(b"".join(p.read_bytes() for p in extra_files)).hexdigest()
        version += f"+{digest[:8]}"
    version = f"ru-{min(years)}-{max(years)}@{version}"
    return ProductionCalendar(years, holidays, version, decree_days_off=decree_days_off)


@lru_cache(maxsize=2)
def default_calendar(decree_days_off: bool = False) -> ProductionCalendar:
    """The shipped calendar, built once per process (decree days working unless asked)."""
    return load_calendar(decree_days_off=decree_days_off)
