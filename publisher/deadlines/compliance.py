"""Compliance: every selected profile's obligations judged for every institution in the store.

Which profiles apply is decided by the data, as each profile's ``selects`` says:

- ``reported_sources``: an institution whose dates came from that report
  (``reported_events.source``) is judged by the profile, from that report's dates;
- ``assessment_from``: an institution with an ``assessment_date`` on or after that day is judged by
  the profile, with the crawler's findings as evidence;
- ``spheres`` (with ``sport_if_educational``): the law's scope, by the registry's sphere.

Every rule of a selected profile gives rows: a verdict where its fulfilment can be observed,
``not_judged`` (with the reason) where it cannot — recurring occurrences, standing duties, acts
nobody dates. Profiles that select nobody are published as profile-wide obligations
(``profile_obligations``).

What proves an obligation done is item-specific (``PROOF``): a ``live`` survey form, a ``found``
link to the institution's own bus.gov.ru card, a ``found`` current plan. A successful check
without that proof is absence (``ABSENT``); anything else (unreachable, robots, an incomplete crawl)
is no evidence, never absence. Observations are dated in the institution's region's time zone.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from publisher.deadlines.periods import Fixed, NoDeadline, Recurring, Standing, occurrences
from publisher.deadlines.profiles import Profile, Rule, load_profiles
from publisher.deadlines.timezones import local_date, region_zone
from publisher.deadlines.verdicts import (
    Claim,
    Due,
    DueUnknown,
    Sighting,
    Verdict,
    due_of,
    event_of,
    judge,
    ru,
    trigger_span,
)
from publisher.deadlines.workcalendar import ProductionCalendar, default_calendar

PROOF = {"improvement_plan": ("found",), "survey_form": ("live",), "bus_gov_link": ("found",)}
ABSENT = ("not_found", "outdated", "broken", "mismatch", "generic")


def is_absence(row: dict) -> bool:
    """Whether an observation shows the item missing: an ``ABSENT`` status from a search that was
    complete. A broken form, another card or last cycle's plan seen by a search cut short (budget,
    failed page, robots, javascript) is no proof that the right one is not elsewhere on the site.
    Rows from before the search was recorded (no ``search_end``) are taken as they were judged."""
    return row["status"] in ABSENT and (row.get("search_end") or "complete") == "complete"


ITEMS_RU = {
    "improvement_plan": "план",
    "survey_form": "анкета",
    "bus_gov_link": "ссылка на карточку bus.gov.ru",
}
# An assessment is repeated at least once in three years (Federal law 392-ФЗ: «не чаще чем один
# раз в год и не реже чем один раз в три года»): what the crawler sees later than that after a due
# date belongs to a later cycle and says nothing about this one.
CYCLE = timedelta(days=3 * 366)
# «ДО» in capitals only: «до» is also a preposition.
EDUCATIONAL = re.compile(r"[Оо]бразовательн|дополнительного образования|\bДО\b")
READINGS_RU = {
    "decree-days-working": "нерабочие дни по указам 2020-2021 — рабочие (обзоры ВС РФ № 1 и № 2 2020 г.)",
    "decree-days-off": "нерабочие дни по указам 2020-2021 — нерабочие (выбор профиля)",
}


class ComplianceStore(Protocol):
    """The two store methods compliance needs."""

    def rows(self, resource: str) -> Iterator[dict]: ...

    def replace_compliance(self, rows: object) -> int: ...


Observations = dict[str, list[dict]]  # item → its observations, oldest first


def _claim(row: dict) -> Claim:
    day = date.fromisoformat(row["date"]) if row.get("date") else None
    return Claim(f"report:{row['source']}", day, row.get("raw"))


def _reported(store: ComplianceStore) -> dict[str, dict[str, dict[str, Claim]]]:
    by_institution: dict[str, dict[str, dict[str, Claim]]] = defaultdict(dict)
    for row in store.rows("reported_events"):
        by_institution[row["institution_id"]].setdefault(row["source"], {})[row["event"]] = _claim(
            row
        )
    return by_institution


def _observations(store: ComplianceStore) -> dict[str, Observations]:
    by_institution: dict[str, Observations] = defaultdict(lambda: defaultdict(list))
    for row in store.rows("observations"):
        by_institution[row["institution_id"]][row["item"]].append(row)
    for items in by_institution.values():
        for rows in items.values():
            rows.sort(key=lambda r: (r["checked_at"], r["run_id"]))
    return by_institution


def in_scope(profile: Profile, institution: dict) -> bool:
    """Whether the law behind the profile covers the institution's sphere."""
    sphere = institution.get("sphere")
    if not profile.spheres or sphere in profile.spheres:
        return True
    return bool(
        sphere == "sport"
        and profile.sport_if_educational
        and EDUCATIONAL.search(institution.get("name") or "")
    )


def select_profiles(
    institution: dict, reports: dict[str, dict[str, Claim]], profiles: dict[str, Profile]
) -> list[tuple[Profile, dict[str, Claim]]]:
    """(profile, events) pairs that apply to one institution, per the profiles' ``selects``."""
    assessed = local_date(institution.get("assessment_date"))
    base = {"assessment": Claim("registry", assessed)} if assessed else {}
    chosen = []
    for profile in profiles.values():
        if not in_scope(profile, institution):
            continue
        for source, events in sorted(reports.items()):
            if source in profile.reported_sources:
                chosen.append((profile, {**base, **events}))
        if assessed and profile.assessment_from and assessed >= profile.assessment_from:
            chosen.append((profile, base))
    return chosen


def _latest(rows: list[dict]) -> dict | None:
    return rows[-1] if rows else None


def with_declared_events(
    profile: Profile,
    events: dict[str, Claim],
    seen: Observations,
    calendar: ProductionCalendar,
) -> dict[str, Claim]:
    """Events completed from dates the documents declare, where no report gave them.

    A document dated before the event its period counts from is last cycle's: it dates nothing.
    """
    found = dict(events)
    for rule in profile.rules:
        latest = _latest(seen.get(rule.finding or "", []))
        if rule.finding_date != "declared_date" or not latest or not rule.done_event:
            continue
        if rule.done_event in found or latest["status"] not in PROOF.get(rule.finding or "", ()):
            continue
        declared = local_date(latest.get("declared_date"))
        if declared and not _before_trigger(profile, rule, found, calendar, declared):
            found[rule.done_event] = Claim("document", declared)
    return found


def _before_trigger(
    profile: Profile, rule: Rule, events: dict[str, Claim], calendar: ProductionCalendar, day: date
) -> bool:
    try:
        span = trigger_span(profile, rule, events, calendar)
    except DueUnknown:
        return False
    return span is not None and day < span[0]


def sighting(
    rows: list[dict], item: str, zone: ZoneInfo, since: date | None, until: date | None
) -> Sighting | None:
    """The crawler's interval for an item's proof, counting only what this cycle can show.

    A proof seen before ``since`` (the earliest trigger) is last cycle's document; the same
    document (by hash, else URL) seen again later is still not this cycle's, unless it is dated
    on or after ``since``.
    """
    proof_statuses = PROOF.get(item, ("found",))
    old: set[str] = set()
    last_absent = None
    for row in rows:
        day = local_date(row["checked_at"], zone)
        assert day is not None  # checked_at is required
        if until is not None and day > until:
            break
        declared = local_date(row.get("declared_date"))
        fresh = since is None or (declared is not None and declared >= since)
        key = row.get("sha256") or row.get("url") or ""
        if row["status"] in proof_statuses and not fresh:
            if day < since:
                old.add(key)
                continue
            if key in old:
                last_absent = day  # last cycle's document still there: this one's is not
                continue
        if row["status"] in proof_statuses:
            return Sighting(first_seen=day, last_absent=last_absent)
        if is_absence(row):
            last_absent = day
    return Sighting(None, last_absent) if last_absent else None


# What the crawler says when it could not look: never absence (not in ABSENT), and an ``unknown``
# verdict names it.
NOT_LOOKED = {
    "site_unreachable": "сайт недоступен",
    "blocked_by_robots": "раздел закрыт robots.txt",
    "incomplete": "поиск по сайту не завершён",
}


def _not_looked(verdict: Verdict, latest: dict | None) -> Verdict:
    """An ``unknown`` verdict saying why the latest check could not look."""
    status = (latest or {}).get("status")
    if verdict.status != "unknown" or latest is None or status not in NOT_LOOKED:
        return verdict
    why = NOT_LOOKED[status] + (f": {latest['error']}" if latest.get("error") else "")
    return verdict._replace(reason=f"{verdict.reason}; последняя проверка: {why}")


def _evidence(
    rule: Rule,
    events: dict[str, Claim],
    seen: Observations,
    zone: ZoneInfo,
    since: date | None,
    until: date | None,
) -> tuple[tuple[Claim, ...], Sighting | None, str]:
    claims = [events[rule.done_event]] if rule.done_event in events else []
    rows = seen.get(rule.finding or "", [])
    latest = _latest(rows)
    if latest is None:
        return tuple(claims), None, ""
    detector = latest.get("detector_version") or ""
    if rule.finding_date == "declared_date":
        return tuple(claims), None, detector
    return tuple(claims), sighting(rows, rule.finding or "", zone, since, until), detector


def judge_rule(
    profile: Profile,
    rule: Rule,
    events: dict[str, Claim],
    seen: Observations,
    as_of: date,
    calendar: ProductionCalendar,
    zone: ZoneInfo,
) -> tuple[date | None, Verdict, str]:
    """(trigger event's date, verdict, detector version) for one rule of one institution."""
    try:
        trigger = event_of(profile, rule, events, calendar)
        due = due_of(profile, rule, events, calendar)
    except DueUnknown as exc:
        claims, _, detector = _evidence(rule, events, seen, zone, None, None)
        return None, _undue(exc, claims), detector
    claims, found, detector = _evidence(rule, events, seen, zone, trigger, due.last + CYCLE)
    verdict = judge(due, as_of, calendar, claims, found, trigger)
    verdict = _blame_the_approval(rule, verdict, seen, zone)
    return trigger, _not_looked(verdict, _latest(seen.get(rule.finding or "", []))), detector


def _blame_the_approval(
    rule: Rule, verdict: Verdict, seen: Observations, zone: ZoneInfo
) -> Verdict:
    """A plan found but undated: the missing date is the approval's, not the posting's."""
    latest = _latest(seen.get(rule.finding or "", []))
    if rule.finding_date != "declared_date" or verdict.done or latest is None:
        return verdict
    if latest["status"] not in PROOF.get(rule.finding or "", ()) or latest.get("declared_date"):
        return verdict
    when = ru(local_date(latest["checked_at"], zone))
    reason = (
        f"{ITEMS_RU.get(rule.finding or '', 'документ')} размещён (краулер, {when}), но дата "
        f"утверждения в документе не указана; {verdict.reason}"
    )
    return verdict._replace(reason=reason)


def _undue(exc: DueUnknown, claims: tuple[Claim, ...]) -> Verdict:
    status = "invalid_data" if exc.invalid else "unknown"
    done = next((c for c in claims if c.day), None)
    if done is None:
        return Verdict(status, exc.reason)
    reason = f"{exc.reason}; исполнено {done.day:%d.%m.%Y} по данным источника"
    return Verdict(status, reason, done=done.day, done_source=done.source, declared=done.day)


def judge_standing(rule: Rule, seen: Observations, as_of: date, zone: ZoneInfo) -> Verdict:
    """A standing duty, by the latest check of each item that can prove it (any one suffices).

    It is unmet only when every item's latest check looked and found it missing; an item whose
    latest check could not look (or looked only part of the site) leaves the verdict ``unknown``."""
    met, missing, unlooked = [], [], []
    for item in rule.findings:
        rows = [
            r for r in seen.get(item, []) if (local_date(r["checked_at"], zone) or as_of) <= as_of
        ]
        if not rows:
            unlooked.append(f"{ITEMS_RU[item]} — не проверялось")
            continue
        row = rows[-1]
        text = f"{ITEMS_RU[item]} — {row['status']} ({ru(local_date(row['checked_at'], zone))})"
        if row["status"] in PROOF[item]:
            met.append(text)
        elif is_absence(row):
            missing.append(text)
        else:
            unlooked.append(text + (f", {row['search_end']}" if row.get("search_end") else ""))
    if met:
        return Verdict("on_time", "исполняется при последней проверке: " + "; ".join(met),
                       done_source="crawler")  # fmt: skip
    if missing and not unlooked:
        return Verdict("overdue", "не исполняется при последней проверке: " + "; ".join(missing),
                       done_source="crawler")  # fmt: skip
    return Verdict("unknown", "исполнение не установить — последняя проверка не смогла посмотреть: "
                   + "; ".join(unlooked + missing))  # fmt: skip


def not_judged(rule: Rule, due: date | None, why: str) -> Verdict:
    """A published obligation nokwatch does not judge, and why."""
    return Verdict("not_judged", why, due=due)


def rule_verdicts(
    profile: Profile,
    rule: Rule,
    events: dict[str, Claim],
    seen: Observations,
    as_of: date,
    calendar: ProductionCalendar,
    zone: ZoneInfo,
) -> Iterator[tuple[str, date | None, Verdict, str]]:
    """(period, trigger date, verdict, detector) for every occurrence of one rule."""
    period = rule.period
    if isinstance(period, NoDeadline):
        yield "once", None, not_judged(rule, None, f"срок не установлен: «{period.text}»"), ""
    elif isinstance(period, Recurring):
        for label, end in occurrences(period, date(period.first_year or as_of.year, 1, 1), as_of):
            due = calendar.next_working_day(end) if calendar.covers(end) else None
            why = "повторяющаяся обязанность: исполнение не наблюдается"
            yield label, None, not_judged(rule, due, why), ""
    elif isinstance(period, Standing):
        if period.first is not None:
            yield str(period.first.year), None, _once(profile, rule, events, seen, as_of,
                                                      calendar, zone)[1], ""  # fmt: skip
        if rule.findings:
            yield "standing", None, judge_standing(rule, seen, as_of, zone), ""
        else:
            yield "standing", None, not_judged(rule, None, "постоянная обязанность без срока"), ""
    else:
        trigger, verdict, detector = _once(profile, rule, events, seen, as_of, calendar, zone)
        yield "once", trigger, verdict, detector


def _once(
    profile: Profile,
    rule: Rule,
    events: dict[str, Claim],
    seen: Observations,
    as_of: date,
    calendar: ProductionCalendar,
    zone: ZoneInfo,
) -> tuple[date | None, Verdict, str]:
    if rule.done_event or rule.findings:
        return judge_rule(profile, rule, events, seen, as_of, calendar, zone)
    try:
        trigger = event_of(profile, rule, events, calendar)
        due: Due | None = due_of(profile, rule, events, calendar)
    except DueUnknown:
        trigger, due = None, None
    why = "исполнение не наблюдается: ни отчёт, ни проверка сайта не дают его даты"
    return trigger, not_judged(rule, due.last if due else None, why), ""


def compliance_row(
    institution_id: str | None,
    profile: Profile,
    rule: Rule,
    trigger: date | None,
    verdict: Verdict,
    methodology: str,
    period: str = "once",
) -> dict:
    """One row of the published ``compliance`` resource."""
    basis = rule.legal_basis + ("" if rule.confirmed else " (срок не сверен с первичным текстом)")
    return {
        "institution_id": institution_id,
        "profile": profile.id,
        "obligation": rule.obligation,
        "period": period,
        "trigger_date": _iso(trigger),
        "due_date": _iso(verdict.due),
        "done_date": _iso(verdict.done),
        "done_source": verdict.done_source,
        "status": verdict.status,
        "days_late": verdict.days_late,
        "working_days_late": verdict.working_days_late,
        "declared_date": _iso(verdict.declared),
        "done_not_before": _iso(verdict.not_before),
        "done_not_after": _iso(verdict.not_after),
        "days_late_min": verdict.late_min,
        "days_late_max": verdict.late_max,
        "reason": verdict.reason,
        "legal_basis": basis,
        "note": rule.note or None,
        "confirmed": rule.confirmed,
        "methodology": methodology,
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def methodology(profile: Profile, calendar: ProductionCalendar, detector: str) -> str:
    """Profile, calendar (and its reading of the decree days) and detector versions."""
    reading = READINGS_RU[calendar.reading]
    return f"{profile.label}; calendar {calendar.version} ({reading}); detectors {detector or '-'}"


def compliance_rows(
    store: ComplianceStore,
    as_of: date,
    calendar: ProductionCalendar,
    profiles: dict[str, Profile],
) -> Iterator[dict]:
    """Every verdict row for the store's institutions, as of a day."""
    reported, observed = _reported(store), _observations(store)
    for institution in store.rows("institutions"):
        key = institution["id"]
        seen = observed.get(key, {})
        zone = region_zone(institution.get("region"))
        # A closed institution is judged as of its closing; what falls due later is not owed.
        closed = local_date(institution.get("closed_at"))
        day = min(as_of, closed) if closed else as_of
        for profile, reports in select_profiles(institution, reported.get(key, {}), profiles):
            reading = calendar.with_reading(profile.decree_days_off)
            events = with_declared_events(profile, reports, seen, reading)
            for rule in profile.rules:
                for period, trigger, verdict, detector in rule_verdicts(
                    profile, rule, events, seen, day, reading, zone
                ):
                    if closed and verdict.due and verdict.due > closed:
                        continue  # fell due after the institution closed: no obligation
                    text = methodology(profile, reading, detector)
                    yield compliance_row(key, profile, rule, trigger, verdict, text, period)


def profile_obligations(profiles: dict[str, Profile] | None = None) -> Iterator[dict]:
    """Obligations of profiles that select no institution, published profile-wide.

    Bounded recurring duties give one row per occurrence; open-ended ones and standing duties one
    row each (``recurring`` / ``standing``), with the period as the regulation writes it.
    """
    profiles = profiles if profiles is not None else load_profiles()
    calendar = default_calendar()
    for profile in profiles.values():
        if profile.selects_anyone:
            continue
        reading = calendar.with_reading(profile.decree_days_off)
        for rule in profile.rules:
            for period, due in _profile_occurrences(rule, reading):
                yield obligation_row(None, profile, rule, period, None, due, judged=False)


def _profile_occurrences(
    rule: Rule, calendar: ProductionCalendar
) -> Iterator[tuple[str, date | None]]:
    period = rule.period
    if isinstance(period, Recurring) and period.first_year and period.last_year:
        start, end = date(period.first_year, 1, 1), date(period.last_year, 12, 31)
        for label, day in occurrences(period, start, end):
            yield label, calendar.next_working_day(day)
    elif isinstance(period, Recurring):
        yield "recurring", None
    elif isinstance(period, Standing):
        if period.first is not None:
            yield str(period.first.year), calendar.next_working_day(period.first)
        yield "standing", None
    elif isinstance(period, Fixed):
        yield "once", calendar.next_working_day(period.day)
    else:
        yield "once", None  # counted from an event nobody dates


def obligation_row(
    institution_id: str | None,
    profile: Profile,
    rule: Rule,
    period: str,
    trigger: str | None,
    due: date | str | None,
    judged: bool,
) -> dict:
    """One row of the published ``obligations`` resource."""
    return {
        "institution_id": institution_id,
        "profile": profile.id,
        "obligation": rule.obligation,
        "period": period,
        "who": rule.who,
        "description": rule.description,
        "trigger_date": trigger,
        "due_date": due.isoformat() if isinstance(due, date) else due,
        "period_text": rule.period_text,
        "legal_basis": rule.legal_basis,
        "document": profile.document,
        "judged": judged,
        "note": rule.note or None,
        "confirmed": rule.confirmed,
    }


def compute_compliance(
    store: ComplianceStore,
    as_of: date,
    calendar: ProductionCalendar | None = None,
    profiles: dict[str, Profile] | None = None,
) -> int:
    """Recompute every verdict as of ``as_of`` and replace the store's compliance; the row count."""
    calendar = calendar or default_calendar()
    profiles = profiles if profiles is not None else load_profiles()
    return store.replace_compliance(list(compliance_rows(store, as_of, calendar, profiles)))
