"""Periods as regulations word them («не позднее 15 дней», «IV квартал (ежегодно)»), and due dates.

Counting follows the Civil Code: a period in days starts the day after the event (art. 191);
a period in months ends on the same-numbered day of its last month, or that month's last day
(art. 192); a due date on a non-working day moves to the next working day (art. 193), for every
kind of period.

    NokwatchError
    └── PeriodError      the text is not a period this module understands
"""

from __future__ import annotations

import calendar as _months
import re
from dataclasses import dataclass
from datetime import date

from publisher.deadlines.workcalendar import ProductionCalendar
from publisher.errors import PeriodError

ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                   "сентября", "октября", "ноября", "декабря")  # fmt: skip
MONTHS_NOMINATIVE = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
                     "сентябрь", "октябрь", "ноябрь", "декабрь")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Days:
    """N calendar or working days after the trigger event."""

    n: int
    working: bool = False


@dataclass(frozen=True, slots=True)
class Months:
    """N months after the trigger event («в течение месяца» is one)."""

    n: int


@dataclass(frozen=True, slots=True)
class Fixed:
    """A fixed last day: a date, the end of a month, a quarter or a year."""

    day: date


@dataclass(frozen=True, slots=True)
class Recurring:
    """A duty that falls due again every year or quarter.

    ``rule`` is ``fixed`` (month/day each year), ``quarter_end`` (end of ``quarter``, or of every
    quarter when ``quarter`` is 0) or ``after_quarter`` (``day`` of the month after each quarter).
    """

    every: str
    rule: str
    first_year: int | None = None
    month: int = 12
    day: int = 31
    quarter: int = 0
    last_year: int | None = None  # «в течение 2016-2018 гг.»: the last year it recurs


@dataclass(frozen=True, slots=True)
class Standing:
    """A standing duty («постоянно»): no date falls due, except a first deadline if one is written
    («2013 год, далее – постоянно»)."""

    first: date | None = None


@dataclass(frozen=True, slots=True)
class Within:
    """A relative period inside a yearly window: «IV квартал (ежегодно) в течение месяца со дня
    поступления информации». Both limits bind: the earlier last day governs."""

    relative: Days | Months
    quarter: int


@dataclass(frozen=True, slots=True)
class NoDeadline:
    """A duty with no date to check («по мере необходимости»)."""

    text: str


Period = Days | Months | Fixed | Recurring | Standing | Within | NoDeadline
RELATIVE = (Days, Months, Within)


def _normalise(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("–", "-").replace("—", "-").lower()
    return " ".join(text.replace("ё", "е").split())


def _month_genitive(name: str) -> int:
    return MONTHS_GENITIVE.index(name) + 1


_RELATIVE_PATTERNS = (
    (re.compile(r"(\d+)\s+рабоч\w*\s+(?:дн\w*|день)"), lambda m: Days(int(m[1]), working=True)),
    (re.compile(r"(\d+)\s+(?:календарн\w*\s+)?(?:дн\w*|день)"), lambda m: Days(int(m[1]))),
    (re.compile(r"(\d+)\s+месяц\w*"), lambda m: Months(int(m[1]))),
    (re.compile(r"в течение месяца|в месячный срок"), lambda m: Months(1)),
)
_GENITIVE = "|".join(MONTHS_GENITIVE)
_DATE = re.compile(rf"(\d{{1,2}})\s+({_GENITIVE})\s+(\d{{4}})")
_ANNUAL_DATE = re.compile(rf"ежегодно\s+до\s+(\d{{1,2}})\s+({_GENITIVE})")
_QUARTER = re.compile(r"\b(iv|iii|ii|i)\s+квартал\w*(?:\s+(\d{4}))?")
_MONTH = re.compile(rf"\b({'|'.join(MONTHS_NOMINATIVE)})\s+(\d{{4}})")
_YEAR = re.compile(r"\b(\d{4})\s+год")
_AFTER_QUARTER = re.compile(
    r"до\s+(\d{1,2})\s+числа\s+месяца,?\s+следующего\s+за\s+отчетным\s+кварталом"
)
_NONE = ("по мере необходимости", "в сроки, установленные")
_YEARS = re.compile(r"в течение\s+(\d{4})\s*-\s*(\d{4})")
_STANDING = ("постоянно", "на постоянной основе")


def parse_period(text: str) -> Period:
    """The period a regulation's wording describes; PeriodError when it is not understood."""
    norm = _normalise(text)
    for parser in (_parse_relative, _parse_recurring, _parse_fixed, _parse_none):
        period = parser(norm)
        if period is not None:
            return period
    raise PeriodError(f"срок «{text}» не распознан")


def _parse_relative(norm: str) -> Period | None:
    for pattern, build in _RELATIVE_PATTERNS:
        match = pattern.search(norm)
        if match:
            window = _QUARTER.search(norm[: match.start()])
            if window and not window[2] and "ежегодно" in norm:
                return Within(build(match), ROMAN[window[1]])
            return build(match)
    return None


def _parse_recurring(norm: str) -> Period | None:
    match = _AFTER_QUARTER.search(norm)
    if match:
        return Recurring("quarter", "after_quarter", day=int(match[1]))
    if "ежеквартально" in norm or "1 раз в квартал" in norm:
        years = _YEARS.search(norm)
        if years:
            return Recurring("quarter", "quarter_end", int(years[1]), last_year=int(years[2]))
        return Recurring("quarter", "quarter_end")
    annual = _ANNUAL_DATE.search(norm)
    first = _DATE.search(norm) or _YEAR.search(norm) or _QUARTER.search(norm)
    first_year = int(first.groups()[-1]) if first and first.groups()[-1] else None
    if annual:
        return Recurring("year", "fixed", first_year, _month_genitive(annual[2]), int(annual[1]))
    if any(phrase in norm for phrase in _STANDING):
        # «Постоянно» sets no date to check: only a first deadline written beside it falls due.
        first = _parse_fixed(norm)
        return Standing(first.day if isinstance(first, Fixed) else None)
    if "ежегодно" not in norm:
        return None
    quarter = _QUARTER.search(norm)
    if quarter:
        return Recurring("year", "quarter_end", first_year, quarter=ROMAN[quarter[1]])
    return Recurring("year", "fixed", first_year)


def _parse_fixed(norm: str) -> Period | None:
    match = _DATE.search(norm)
    if match:
        return Fixed(date(int(match[3]), _month_genitive(match[2]), int(match[1])))
    match = _QUARTER.search(norm)
    if match and match[2]:
        return Fixed(quarter_end(int(match[2]), ROMAN[match[1]]))
    match = _MONTH.search(norm)
    if match:
        return Fixed(month_end(int(match[2]), MONTHS_NOMINATIVE.index(match[1]) + 1))
    match = _YEAR.search(norm)
    if match:
        return Fixed(date(int(match[1]), 12, 31))
    return None


def _parse_none(norm: str) -> Period | None:
    return NoDeadline(norm) if any(phrase in norm for phrase in _NONE) else None


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year, month, _months.monthrange(year, month)[1])


def quarter_end(year: int, quarter: int) -> date:
    """The last day of a quarter (1-4)."""
    return month_end(year, quarter * 3)


def add_months(day: date, n: int) -> date:
    """The same-numbered day n months later, or that month's last day (ГК РФ ст. 192)."""
    year, month = divmod(day.month - 1 + n, 12)
    year += day.year
    month += 1
    return date(year, month, min(day.day, _months.monthrange(year, month)[1]))


def raw_end(period: Period, trigger: date | None) -> date:
    """The period's last day before the non-working-day rule; ValueError if it needs a trigger."""
    if isinstance(period, Standing) and period.first is not None:
        return period.first
    if isinstance(period, Days) and not period.working:
        if trigger is None:
            raise ValueError("срок отсчитывается от события, а его дата неизвестна")
        return date.fromordinal(trigger.toordinal() + period.n)
    if isinstance(period, Months):
        if trigger is None:
            raise ValueError("срок отсчитывается от события, а его дата неизвестна")
        return add_months(trigger, period.n)
    if isinstance(period, Fixed):
        return period.day
    raise ValueError(f"у срока {period!r} нет единственной даты окончания")


def due_date(period: Period, trigger: date | None, calendar: ProductionCalendar) -> date:
    """The last day to act, moved off non-working days (ГК РФ ст. 193)."""
    if isinstance(period, Within):
        relative = due_date(period.relative, trigger, calendar)
        assert trigger is not None  # due_date of the relative period raised otherwise
        window = calendar.next_working_day(quarter_end(trigger.year, period.quarter))
        return min(relative, window)
    if isinstance(period, Days) and period.working:
        if trigger is None:
            raise ValueError("срок отсчитывается от события, а его дата неизвестна")
        return calendar.add_working_days(trigger, period.n)
    return calendar.next_working_day(raw_end(period, trigger))


def occurrences(period: Recurring, start: date, until: date) -> list[tuple[str, date]]:
    """(period label, raw last day) for each year or quarter from ``start``'s to ``until``'s."""
    first = max(start.year, period.first_year or start.year)
    final = min(until.year, period.last_year or until.year)
    if period.every == "year":
        return [(str(y), _yearly_end(period, y)) for y in range(first, final + 1)]
    begin = (first, (start.month + 2) // 3 if first == start.year else 1)
    last = (until.year, (until.month + 2) // 3) if final == until.year else (final, 4)
    quarters = [(y, q) for y in range(first, final + 1) for q in range(1, 5)]
    return [
        (f"{y}-Q{q}", _quarterly_end(period, y, q)) for y, q in quarters if begin <= (y, q) <= last
    ]


def _yearly_end(period: Recurring, year: int) -> date:
    if period.rule == "quarter_end":
        return quarter_end(year, period.quarter)
    return date(year, period.month, min(period.day, _months.monthrange(year, period.month)[1]))


def _quarterly_end(period: Recurring, year: int, quarter: int) -> date:
    if period.rule == "after_quarter":
        following = month_end(year, quarter * 3 + 1) if quarter < 4 else month_end(year + 1, 1)
        return following.replace(day=min(period.day, following.day))
    return quarter_end(year, quarter)
