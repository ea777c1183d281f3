"""The verdict engine: due dates from events and rules, verdicts from evidence. Pure functions.

Evidence comes in two kinds, never merged silently:

- a ``Sighting`` by the crawler is an interval: the item was posted in (last_absent, first_seen];
- a ``Claim`` is a date someone states (a regional report, the document itself), with its source.

A sighting decides where it can; a claim decides where there is no sighting; where the two
disagree the reason says so. ``DueUnknown`` is internal control flow (a due date cannot be
computed), turned into an ``unknown`` or ``invalid_data`` verdict, never shown as an error.
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

STATUSES = ("on_time", "late", "overdue", "pending", "unknown", "invalid_data")
EVENTS_RU = {
    "proposals_received": "поступления предложений учредителю",
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
    """A verdict with what it rests on (a tuple: a million of them must be cheap to make)."""

    status: str
    reason: str
    due: date | None = None
    done: date | None = None
    done_source: str | None = None
    days_late: int | None = None
    working_days_late: int | None = None


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


def trigger_of(
    profile: Profile, rule: Rule, events: dict[str, Claim], calendar: ProductionCalendar
) -> date | None:
    """The date the rule's period counts from: an event's date, or another rule's due date."""
    if rule.trigger is None:
        return None
    if rule.trigger.startswith("due:"):
        previous = profile.rule(rule.trigger.removeprefix("due:"))
        return due_of(profile, previous, events, calendar)
    if rule.trigger not in events:
        # The triggering act is itself an obligation of this profile and nobody dated it: count
        # from its last lawful day, the latest the trigger could lawfully have happened.
        previous = profile.rule_done_by(rule.trigger)
        if previous is not None:
            return due_of(profile, previous, events, calendar)
    return event_date(events, rule.trigger)


def event_of(profile: Profile, rule: Rule, events: dict[str, Claim]) -> date | None:
    """The date of the event that starts the rule's chain of ``due:`` triggers."""
    while rule.trigger is not None and rule.trigger.startswith("due:"):
        rule = profile.rule(rule.trigger.removeprefix("due:"))
    if rule.trigger is None:
        return None
    if rule.trigger not in events and profile.rule_done_by(rule.trigger) is not None:
        return None  # undated: trigger_of counts from that obligation's last lawful day
    return event_date(events, rule.trigger)


def due_of(
    profile: Profile, rule: Rule, events: dict[str, Claim], calendar: ProductionCalendar
) -> date:
    """The rule's last lawful day for this institution's events."""
    return _due(rule.period, trigger_of(profile, rule, events, calendar), calendar)


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
    due: date,
    as_of: date,
    calendar: ProductionCalendar,
    claims: tuple[Claim, ...] = (),
    sighting: Sighting | None = None,
    trigger: date | None = None,
) -> Verdict:
    """The verdict for one obligation due on ``due``, as of ``as_of``."""
    if claims:
        problem = _invalid_claim(due, claims, trigger)
        if problem is not None:
            return problem
    verdict = _from_sighting(due, as_of, calendar, sighting) if sighting else None
    if verdict is None:
        verdict = _from_claim(due, calendar, claims[0]) if claims else _no_evidence(due, as_of)
    # One claim and no sighting: the claim gave the verdict, there is nothing to disagree with.
    if not claims or (sighting is None and len(claims) == 1):
        return verdict
    return _with_disagreements(verdict, claims, sighting)


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
            )
    return None


def _late(due: date, done: date, calendar: ProductionCalendar) -> tuple[int, int | None]:
    try:
        working = calendar.working_days_between(due, done)
    except DateNotCovered:
        working = None
    return (done - due).days, working


def _from_claim(due: date, calendar: ProductionCalendar, claim: Claim) -> Verdict:
    done = claim.day
    assert done is not None  # judge() returned invalid_data for undated claims
    if done <= due:
        return Verdict(
            "on_time",
            f"исполнено {ru(done)} ({source_ru(claim.source)}), срок {ru(due)}",
            due,
            done,
            claim.source,
        )
    days, working = _late(due, done, calendar)
    shown = "?" if working is None else working
    return Verdict(
        "late",
        f"исполнено {ru(done)} ({source_ru(claim.source)}), срок {ru(due)}: опоздание "
        f"{days} дн. ({shown} раб. дн.)",
        due,
        done,
        claim.source,
        days,
        working,
    )


def _from_sighting(
    due: date, as_of: date, calendar: ProductionCalendar, seen: Sighting
) -> Verdict | None:
    source = "crawler"
    if seen.first_seen is not None and seen.first_seen <= due:
        return Verdict(
            "on_time",
            f"впервые обнаружено {ru(seen.first_seen)}, срок {ru(due)}",
            due=due,
            done=seen.first_seen,
            done_source=source,
        )
    if seen.last_absent is not None and seen.last_absent > due:
        return _late_sighting(due, calendar, seen)
    if seen.first_seen is not None:
        return Verdict(
            "unknown",
            f"размещено в промежутке ({ru(seen.last_absent)}; "
            f"{ru(seen.first_seen)}], срок {ru(due)} внутри промежутка",
            due=due,
            done=seen.first_seen,
            done_source=source,
        )
    if due >= as_of:
        return None
    if seen.checked is not None and seen.checked > due:
        return Verdict(
            "overdue",
            f"не обнаружено при проверке {ru(seen.checked)}, срок {ru(due)} истёк",
            due=due,
            done_source=source,
        )
    return None


def _late_sighting(due: date, calendar: ProductionCalendar, seen: Sighting) -> Verdict:
    assert seen.last_absent is not None
    if seen.first_seen is None:
        return Verdict(
            "overdue",
            f"не обнаружено при проверке {ru(seen.last_absent)}, срок {ru(due)} истёк",
            due=due,
            done_source="crawler",
        )
    days, working = _late(due, seen.last_absent, calendar)
    reason = (
        f"отсутствовало ещё {ru(seen.last_absent)}, после срока {ru(due)}; обнаружено "
        f"{ru(seen.first_seen)}: опоздание не менее {days} дн."
    )
    return Verdict("late", reason, due, seen.first_seen, "crawler", days, working)


def _no_evidence(due: date, as_of: date) -> Verdict:
    if due >= as_of:
        return Verdict("pending", f"срок {ru(due)} не наступил на {ru(as_of)}", due)
    return Verdict("unknown", f"нет сведений об исполнении; срок {ru(due)} истёк", due)


def _disagrees(claim: Claim, verdict: Verdict, seen: Sighting | None) -> str | None:
    day = claim.day
    if seen is not None and seen.last_absent is not None and day <= seen.last_absent:
        return (
            f"противоречит: {source_ru(claim.source)} указывает {ru(day)}, "
            f"но {ru(seen.last_absent)} краулер этого не обнаружил"
        )
    if seen is not None and seen.first_seen is not None and day > seen.first_seen:
        return (
            f"противоречит: {source_ru(claim.source)} указывает {ru(day)}, но краулер обнаружил "
            f"это уже {ru(seen.first_seen)}"
        )
    if verdict.done_source != claim.source and verdict.done and verdict.done != day:
        return f"{source_ru(claim.source)} указывает другую дату: {ru(day)}"
    return None


def _with_disagreements(
    verdict: Verdict, claims: tuple[Claim, ...], seen: Sighting | None
) -> Verdict:
    notes = [n for c in claims if c.day is not None and (n := _disagrees(c, verdict, seen))]
    if not notes:
        return verdict
    reason = "; ".join([verdict.reason, *notes])
    return Verdict(
        verdict.status,
        reason,
        verdict.due,
        verdict.done,
        verdict.done_source,
        verdict.days_late,
        verdict.working_days_late,
    )
