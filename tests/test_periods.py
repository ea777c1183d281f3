"""Periods as the seeds word them, and Civil Code counting (arts. 190-194)."""

from __future__ import annotations

from datetime import date

import pytest

from publisher.deadlines.periods import (
    Days,
    Fixed,
    Months,
    NoDeadline,
    PeriodError,
    Recurring,
    Standing,
    Within,
    add_months,
    due_date,
    occurrences,
    parse_period,
)
from publisher.deadlines.workcalendar import default_calendar

D = date
CAL = default_calendar()


@pytest.mark.parametrize(
    "text, period",
    [
        ("не позднее 15 дней со дня поступления предложений", Days(15)),
        ("в течение 5 рабочих дней со дня изменения информации", Days(5, working=True)),
        ("постоянно в течение 10 рабочих дней со дня создания", Days(10, working=True)),
        ("в течение 5 дней после утверждения плана мероприятий", Days(5)),
        ("в течение месяца со дня поступления информации", Months(1)),
        ("3 месяца", Months(3)),
        ("до 10 августа\n2013 года", Fixed(D(2013, 8, 10))),
        ("IV квартал 2016 г.", Fixed(D(2016, 12, 31))),
        ("III квартал\u00a02013 года", Fixed(D(2013, 9, 30))),
        ("Февраль 2014 года", Fixed(D(2014, 2, 28))),
        ("2013 год", Fixed(D(2013, 12, 31))),
        ("I квартал (ежегодно)", Recurring("year", "quarter_end", quarter=1)),
        ("IV квартал\n\n(ежегодно)", Recurring("year", "quarter_end", quarter=4)),
        # «Постоянно» sets no date: a standing duty, after a first deadline where one is written.
        ("2013 год, далее – постоянно", Standing(D(2013, 12, 31))),
        ("постоянно", Standing()),
        ("На постоянной основе", Standing()),
        # A quarterly duty «в течение 2016-2018 гг.» ends with 2018.
        ("1 раз в квартал\nв течение \n\n2016-2018 гг.",
         Recurring("quarter", "quarter_end", 2016, last_year=2018)),
        # The seed's window «IV квартал (ежегодно)» is kept beside the relative period.
        ("IV квартал (ежегодно) в течение месяца со дня поступления информации",
         Within(Months(1), quarter=4)),
        ("IV квартал (ежегодно) в течение 5 рабочих дней после поступления информации",
         Within(Days(5, working=True), quarter=4)),
        ("ежегодно", Recurring("year", "fixed")),
        ("до 1 февраля 2014 года, далее – ежегодно до 1 февраля",
         Recurring("year", "fixed", 2014, month=2, day=1)),
        ("ежеквартально, до 30 числа месяца, следующего за отчетным кварталом",
         Recurring("quarter", "after_quarter", day=30)),
        ("по мере необходимости", NoDeadline("по мере необходимости")),
    ],
)  # fmt: skip
def test_parse_period(text: str, period: object) -> None:
    assert parse_period(text) == period


def test_unknown_wording_is_an_error() -> None:
    with pytest.raises(PeriodError, match="не распознан"):
        parse_period("когда-нибудь")


@pytest.mark.parametrize(
    "period, trigger, due",
    [
        (Days(15), D(2014, 2, 21), D(2014, 3, 11)),  # ends 08.03 (Sat, holiday) → 11.03
        (Days(15), D(2014, 2, 20), D(2014, 3, 7)),  # art. 191: counting starts the next day
        (Days(5, working=True), D(2024, 4, 24), D(2024, 5, 3)),  # 27.04 Sat worked; 29.04-01.05 off
        (Months(1), D(2014, 1, 31), D(2014, 2, 28)),  # art. 192: month's last day
        (Months(1), D(2016, 1, 31), D(2016, 2, 29)),
        (Months(1), D(2014, 2, 8), D(2014, 3, 11)),  # 08.03 → 11.03
        (Fixed(D(2013, 8, 10)), None, D(2013, 8, 12)),  # Saturday → Monday
        (Fixed(D(2013, 11, 30)), None, D(2013, 12, 2)),
    ],
)
def test_due_date(period: object, trigger: date | None, due: date) -> None:
    assert due_date(period, trigger, CAL) == due


def test_relative_period_needs_a_trigger() -> None:
    with pytest.raises(ValueError, match="неизвестна"):
        due_date(Days(15), None, CAL)


def test_add_months_keeps_the_day() -> None:
    assert add_months(D(2014, 11, 30), 3) == D(2015, 2, 28)
    assert add_months(D(2014, 12, 15), 1) == D(2015, 1, 15)


def test_quarterly_report_due_dates() -> None:
    period = parse_period("ежеквартально, до 30 числа месяца, следующего за отчетным кварталом")
    assert occurrences(period, D(2013, 11, 30), D(2014, 9, 1)) == [
        ("2013-Q4", D(2014, 1, 30)),
        ("2014-Q1", D(2014, 4, 30)),
        ("2014-Q2", D(2014, 7, 30)),
        ("2014-Q3", D(2014, 10, 30)),
    ]


def test_yearly_and_standing_due_dates() -> None:
    assert occurrences(parse_period("I квартал (ежегодно)"), D(2016, 2, 1), D(2017, 5, 1)) == [
        ("2016", D(2016, 3, 31)),
        ("2017", D(2017, 3, 31)),
    ]


def test_a_quarterly_duty_for_2016_2018_has_twelve_occurrences() -> None:
    period = parse_period("1 раз в квартал в течение 2016-2018 гг.")
    found = occurrences(period, D(2016, 1, 1), D(2025, 12, 31))
    assert len(found) == 12 and found[-1] == ("2018-Q4", D(2018, 12, 31))


def test_a_standing_duty_has_no_due_date_after_its_first() -> None:
    assert due_date(parse_period("2013 год, далее – постоянно"), None, CAL) == D(2013, 12, 31)
    with pytest.raises(ValueError):
        due_date(parse_period("постоянно"), None, CAL)


@pytest.mark.parametrize(
    "trigger, due",
    [
        # Both limits bind; the earlier governs.
        (D(2016, 10, 3), D(2016, 11, 3)),  # a month from receipt ends inside the fourth quarter
        (D(2016, 12, 20), D(2017, 1, 9)),  # the quarter ends first: 31.12 (Sat) → 09.01.2017
        (D(2015, 12, 20), D(2015, 12, 31)),  # 31.12.2015 (Thursday) is a working day
        (D(2016, 3, 1), D(2016, 4, 1)),  # received early: the month ends before the window
    ],
)
def test_a_window_quarter_bounds_the_relative_period(trigger: date, due: date) -> None:
    period = parse_period("IV квартал (ежегодно) в течение месяца со дня поступления информации")
    assert due_date(period, trigger, CAL) == due
