"""The verdict engine: due dates from events and rules, verdicts from evidence. Pure functions.

Evidence comes in two kinds, never merged silently:

- a ``Sighting`` by the crawler is an interval of civil dates: the item was done on or after the
  day it was last seen absent and on or before the day it was first seen (both days included: a
  check at noon says nothing about the afternoon);
- a ``Claim`` is a date someone states (a regional report, the document itself), with its source.

A claim consistent with the sighting stands (the row says both); a claim the sighting contradicts
gives way to the sighting, and the reason says so. The due date can itself be an interval
(``Due``): when the event a period counts from is not dated, only bounds for it are known. A
verdict is ``on_time`` only when every possible due date is met, ``late``/``overdue`` only when
none is; otherwise ``unknown`` with the condition in the reason. ``DueUnknown`` is internal
control flow (a due date cannot be computed), turned into an ``unknown`` or ``invalid_data``
verdict, never shown as an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import NamedTuple

from publisher.deadlines.periods import Days, Period, due_date
from publisher.deadlines.profiles import Profile, Rule
from publisher.deadlines.workcalendar import ProductionCalendar
from publisher.errors import DateNotCovered

STATUSES = ("on_time", "late", "overdue", "pending", "unknown", "invalid_data", "not_judged")
EVENTS_RU = {
    "proposals_received": "поступления предложений учредителю",
    "proposals_considered": "выработки предложений учредителем",
    "results_received": "получения результатов независимой оценки",
    "council_information_received": "поступления информации от Общественного совета",
    "proposals_sent": "направления предложений организации",
    "plan_approved": "утверждения плана",
    "plan_posted": "размещения плана",
    "assessment": "независимой оценки",
}


class DueUnknown(Exception):  # internal control flow, never shown as an error
    """The due date cannot be computed; ``invalid`` marks an input that is not a date."""

    def __init__(self, reason: str, invalid: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invalid = invalid


@dataclass(frozen=True, slots=True)
class Claim:
    """A date a source states; ``raw`` keeps what it wrote when that is not a date."""

    source: str
    day: date | None
    raw: str | None = None


@dataclass(frozen=True, slots=True)
class Sighting:
    """What the crawler saw: absent on ``last_absent``, present from ``first_seen``."""

    first_seen: date | None
    last_absent: date | None
    checked: date | None = None


class Verdict(NamedTuple):
    """A verdict with what it rests on (a tuple: a million of them must be cheap to make).

    ``due`` is the latest possible last day; ``declared`` the date a source states;
    ``not_before``/``not_after`` the crawler's interval; ``late_min``/``late_max`` bound the
    calendar days late (for ``overdue``: as of the as-of date).
    """

    status: str
    reason: str
    due: date | None = None
    done: date | None = None
    done_source: str | None = None
    days_late: int | None = None
    working_days_late: int | None = None
    declared: date | None = None
    not_before: date | None = None
    not_after: date | None = None
    late_min: int | None = None
    late_max: int | None = None


class Due(NamedTuple):
    """The last lawful day, as an interval when the trigger is only bounded.

    ``first``/``last``: the earliest and latest possible last day; ``trigger_first``/
    ``trigger_last`` the bounds of the undated trigger, ``event`` its name and ``period`` the
    rule's period, to state the condition under which a date in between is on time.
    """

    first: date
    last: date
    trigger_first: date | None = None
    trigger_last: date | None = None
    event: str | None = None
    period: Period | None = None

    @classmethod
    def on(cls, day: date) -> Due:
        """A due date known exactly."""
        return cls(day, day)


@cache  # a few thousand distinct dates, formatted millions of times
def ru(day: date | None) -> str:
    """A date as Russian documents write it."""
    return "—" if day is None else f"{day.day:02d}.{day.month:02d}.{day.year}"


@cache
def source_ru(source: str) -> str:
    """A done_source value as the Russian reason names it."""
    if source.startswith("report:"):
        return f"отчёт {source.removeprefix('report:')}"
    return {"document": "дата в документе", "crawler": "краулер", "registry": "реестр"}.get(
        source, source
    )


def event_date(events: dict[str, Claim], name: str) -> date:
    """The date of an event, or DueUnknown saying why there is none."""
    claim = events.get(name)
    if claim is None:
        raise DueUnknown(f"нет даты {EVENTS_RU.get(name, name)}: срок не вычислить")
    if claim.day is None:
        raise DueUnknown(
            f"дата {EVENTS_RU.get(name, name)} «{claim.raw}» ({source_ru(claim.source)}) "
            "не является датой: срок не вычислить",
            invalid=True,
        )
    return claim.day


def event_span(
    profile: Profile, name: str, events: dict[str, Claim], calendar: ProductionCalendar
) -> tuple[date, date]:
    """The earliest and latest date of an event: reported, bounded by the profile, or the act of
    another obligation (between that obligation's trigger and its last lawful day)."""
    if name.startswith("due:"):
        due = due_of(profile, profile.rule(name.removeprefix("due:")), events, calendar)
        return due.last, due.last
    if name in events:
        day = event_date(events, name)
        return day, day
    bound = profile.event(name)
    if bound is not None:
        first, latest = event_span(profile, bound.after, events, calendar)
        for period in bound.within:
            latest = _due(period, latest, calendar)
        return first, latest
    previous = profile.rule_done_by(name)
    if previous is not None:
        # The act is an obligation of this profile and nobody dated it: it happened no earlier
        # than that obligation's trigger and, lawfully, no later than its last day.
        due = due_of(profile, previous, events, calendar)
        start = trigger_span(profile, previous, events, calendar)
        return (start[0] if start else due.first), due.last
    day = event_date(events, name)  # raises DueUnknown: nobody dated it
    return day, day


def trigger_span(
    profile: Profile, rule: Rule, events: dict[str, Claim], calendar: ProductionCalendar
) -> tuple[date, date] | None:
    """The bounds of the date the rule's period counts from; None for a fixed period."""
    if rule.trigger is None:
        return None
    return event_span(profile, rule.trigger, events, calendar)


def event_of(
    profile: Profile, rule: Rule, events: dict[str, Claim], calendar: ProductionCalendar
) -> date | None:
    """The earliest date of the event the rule counts from (the published trigger date)."""
    span = trigger_span(profile, rule, events, calendar)
    return span[0] if span else None


def due_of(
    profile: Profile, rule: Rule, events: dict[str, Claim], calendar: ProductionCalendar
) -> Due:
    """The rule's last lawful day for this institution's events, as bounds when undated."""
    span = trigger_span(profile, rule, events, calendar)
    if span is None:
        return Due.on(_due(rule.period, None, calendar))
    first, last = (_due(rule.period, day, calendar) for day in span)
    if span[0] == span[1]:
        return Due.on(first)
    return Due(first, last, span[0], span[1], rule.trigger, rule.period)


def _due(period: Period, trigger: date | None, calendar: ProductionCalendar) -> date:
    try:
        return due_date(period, trigger, calendar)
    except DateNotCovered as exc:
        raise DueUnknown(f"срок не вычислить: {exc}") from None
    except ValueError as exc:
        raise DueUnknown(str(exc)) from None


def due_dates(period: Days, triggers: list[int], calendar: ProductionCalendar) -> list[date]:
    """Due dates of one day-count period for many trigger ordinals at once (the batch path)."""
    base, table = calendar.first_ordinal, calendar.due_ordinals(period.n, period.working)
    dues = [table[t - base] if 0 <= t - base < len(table) else -1 for t in triggers]
    if dues and min(dues) < 0:
        bad = triggers[dues.index(min(dues))]
        raise DateNotCovered(bad, calendar.first_year, calendar.last_year)
    cache = _date_cache()
    return [cache[d] if d in cache else date.fromordinal(d) for d in dues]


@cache
def _date_cache() -> dict[int, date]:
    start = date(2000, 1, 1).toordinal()
    return {o: date.fromordinal(o) for o in range(start, start + 40 * 366)}


def judge(
    due: date | Due,
    as_of: date,
    calendar: ProductionCalendar,
    claims: tuple[Claim, ...] = (),
    sighting: Sighting | None = None,
    trigger: date | None = None,
) -> Verdict:
    """The verdict for one obligation due on ``due``, as of ``as_of``."""
    if not isinstance(due, Due):
        due = Due.on(due)
    if claims:
        problem = _invalid_claim(due.last, claims, trigger)
        if problem is not None:
            return problem
    standing = next((c for c in claims if _consistent(c, sighting)), None)
    notes = [n for c in claims if c is not standing and (n := _disagrees(c, standing, sighting))]
    if standing is not None:
        verdict = _from_claim(due, calendar, standing, sighting)
    elif sighting is not None and (sighting.first_seen or sighting.last_absent or sighting.checked):
        verdict = _from_sighting(due, as_of, calendar, sighting)
    else:
        verdict = _no_evidence(due, as_of)
    if claims and verdict.declared is None:
        verdict = verdict._replace(declared=claims[0].day)
    if not notes:
        return verdict
    return verdict._replace(reason="; ".join([verdict.reason, *notes]))


def _invalid_claim(due: date, claims: tuple[Claim, ...], trigger: date | None) -> Verdict | None:
    for claim in claims:
        if claim.day is None:
            return Verdict(
                "invalid_data",
                f"дата исполнения «{claim.raw}» ({source_ru(claim.source)}) не является датой",
                due=due,
                done_source=claim.source,
            )
        if trigger is not None and claim.day < trigger:
            return Verdict(
                "invalid_data",
                f"дата исполнения {ru(claim.day)} ({source_ru(claim.source)}) "
                f"раньше даты события {ru(trigger)}, от которого считается срок",
                due=due,
                done=claim.day,
                done_source=claim.source,
                declared=claim.day,
            )
    return None


def _consistent(claim: Claim, seen: Sighting | None) -> bool:
    if claim.day is None:
        return False
    if seen is None:
        return True
    if seen.last_absent is not None and claim.day < seen.last_absent:
        return False
    return seen.first_seen is None or claim.day <= seen.first_seen


def _late(due: date, done: date, calendar: ProductionCalendar) -> tuple[int, int | None]:
    try:
        working = calendar.working_days_between(due, done)
    except DateNotCovered:
        working = None
    return (done - due).days, working


def due_ru(due: Due) -> str:
    """The due date, or its bounds when the trigger is undated."""
    if due.first == due.last:
        return f"срок {ru(due.last)}"
    return f"срок от {ru(due.first)} до {ru(due.last)} (дата {_event_ru(due)} неизвестна)"


def _event_ru(due: Due) -> str:
    return EVENTS_RU.get(due.event or "", due.event or "события")


def _condition(due: Due, done: date, calendar: ProductionCalendar) -> str:
    """In words: the latest trigger date for which ``done`` is late, i.e. when it is on time."""
    if due.trigger_first is None or due.trigger_last is None or due.period is None:
        return ""
    day = due.trigger_first
    while day <= due.trigger_last:
        try:
            if due_date(due.period, day, calendar) >= done:
                return f": в срок, если дата {_event_ru(due)} не ранее {ru(day)}"
        except (DateNotCovered, ValueError):
            return ""
        day = date.fromordinal(day.toordinal() + 1)
    return ""


def _classify(
    due: Due, low: date | None, high: date | None, as_of: date, calendar: ProductionCalendar
) -> tuple[str, int | None, int | None, str]:
    """(status, days late at least, at most, condition) for a done interval [low, high]."""
    if high is not None and high <= due.first:
        return "on_time", None, None, ""
    if low is not None and low > due.last:
        if high is None:
            return "overdue", (low - due.last).days, (as_of - due.first).days, ""
        return "late", (low - due.last).days, (high - due.first).days, ""
    if high is None:
        return "", None, None, ""
    at_least = max(0, (low - due.last).days) if low is not None else 0
    condition = _condition(due, high, calendar) if low == high else ""
    return "unknown", at_least, (high - due.first).days, condition


def _from_claim(
    due: Due, calendar: ProductionCalendar, claim: Claim, seen: Sighting | None
) -> Verdict:
    done = claim.day
    assert done is not None  # judge() returned invalid_data for undated claims
    status, at_least, at_most, condition = _classify(due, done, done, done, calendar)
    reason = f"исполнено {ru(done)} ({source_ru(claim.source)}), {due_ru(due)}"
    days = working = None
    if status == "late":
        days, working = _late(due.last, done, calendar)
        shown = "?" if working is None else working
        bound = "" if due.first == due.last else "не менее "
        reason += f": опоздание {bound}{days} дн. ({shown} раб. дн.)"
    elif status == "unknown":
        reason += condition or ": срок внутри промежутка"
    if seen is not None:
        reason += f"; краулер: {_interval_ru(seen)} — согласуется"
    return Verdict(
        status, reason, due.last, done, claim.source, days, working, done,
        *_bounds(seen), at_least, at_most,
    )  # fmt: skip


def _interval_ru(seen: Sighting) -> str:
    if seen.first_seen is None:
        return f"не обнаружено при проверке {ru(seen.last_absent or seen.checked)}"
    return f"размещено в промежутке [{ru(seen.last_absent)}; {ru(seen.first_seen)}]"


def _bounds(seen: Sighting | None) -> tuple[date | None, date | None]:
    if seen is None:
        return None, None
    return seen.last_absent or (seen.checked if seen.first_seen is None else None), seen.first_seen


def _from_sighting(due: Due, as_of: date, calendar: ProductionCalendar, seen: Sighting) -> Verdict:
    low = seen.last_absent or (seen.checked if seen.first_seen is None else None)
    status, at_least, at_most, _ = _classify(due, low, seen.first_seen, as_of, calendar)
    not_before, not_after = _bounds(seen)
    common = {"not_before": not_before, "not_after": not_after, "done_source": "crawler"}
    if status == "on_time":
        reason = f"впервые обнаружено {ru(seen.first_seen)}, {due_ru(due)}"
        return Verdict(status, reason, due.last, seen.first_seen, **common)
    if status == "overdue":
        reason = f"не обнаружено при проверке {ru(low)}, {due_ru(due)} истёк"
        return Verdict(status, reason, due.last, late_min=at_least, late_max=at_most, **common)
    if status == "late":
        days, working = _late(due.last, low, calendar)
        reason = (
            f"отсутствовало ещё {ru(low)}, после срока {ru(due.last)}; обнаружено "
            f"{ru(seen.first_seen)}: опоздание не менее {days} дн."
        )
        return Verdict(
            status, reason, due.last, seen.first_seen, days_late=days,
            working_days_late=working, late_min=at_least, late_max=at_most, **common,
        )  # fmt: skip
    if status == "unknown":
        reason = (
            f"размещено в промежутке [{ru(seen.last_absent)}; "
            f"{ru(seen.first_seen)}], {due_ru(due)}: внутри промежутка"
        )
        return Verdict(
            status, reason, due.last, seen.first_seen, late_min=at_least, late_max=at_most,
            **common,
        )  # fmt: skip
    # Absent at a check on or before the due date, not seen since: not yet late on the evidence.
    verdict = _no_evidence(due, as_of)
    reason = f"{verdict.reason}; не обнаружено при проверке {ru(low)}"
    return verdict._replace(reason=reason, not_before=not_before)


def _no_evidence(due: Due, as_of: date) -> Verdict:
    if due.last >= as_of:
        return Verdict("pending", f"{due_ru(due)} не наступил на {ru(as_of)}", due.last)
    return Verdict("unknown", f"нет сведений об исполнении; {due_ru(due)} истёк", due.last)


def _disagrees(claim: Claim, standing: Claim | None, seen: Sighting | None) -> str | None:
    day = claim.day
    if day is None:
        return None
    if seen is not None and seen.last_absent is not None and day < seen.last_absent:
        return (
            f"противоречит: {source_ru(claim.source)} указывает {ru(day)}, "
            f"но {ru(seen.last_absent)} краулер этого не обнаружил"
        )
    if seen is not None and seen.first_seen is not None and day > seen.first_seen:
        return (
            f"противоречит: {source_ru(claim.source)} указывает {ru(day)}, но краулер обнаружил "
            f"это уже {ru(seen.first_seen)}"
        )
    if standing is not None and standing.day != day:
        return f"{source_ru(claim.source)} указывает другую дату: {ru(day)}"
    return None
