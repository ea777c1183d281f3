"""Compliance: every selected profile's obligations judged for every institution in the store.

Which profiles apply is decided by the data, as each profile's ``selects`` says:

- ``reported_sources``: an institution whose dates came from that report
  (``reported_events.source``) is judged by the profile, from that report's dates;
- ``assessment_from``: an institution with an ``assessment_date`` on or after that day is judged by
  the profile, counting from the assessment date, with the crawler's findings as evidence.

Rules with no way to observe their fulfilment (no ``done`` event or finding) and recurring rules
are documented in the profiles but not judged here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Protocol

from publisher.deadlines.periods import NoDeadline, Recurring
from publisher.deadlines.profiles import Profile, Rule, load_profiles
from publisher.deadlines.verdicts import (
    Claim,
    DueUnknown,
    Sighting,
    Verdict,
    due_of,
    event_of,
    judge,
)
from publisher.deadlines.workcalendar import ProductionCalendar, default_calendar

# Crawler times are UTC; deadlines are civil dates. Moscow time is the one clock for all regions.
LOCAL_OFFSET = timedelta(hours=3)


class ComplianceStore(Protocol):
    """The three store methods compliance needs."""

    def rows(self, resource: str) -> Iterator[dict]: ...

    def findings(self) -> Iterator[dict]: ...

    def replace_compliance(self, rows: object) -> int: ...


def local_date(value: str | None) -> date | None:
    """A stored ISO datetime (``…Z``) or date as a Moscow-time civil date."""
    if not value:
        return None
    if "T" not in value:
        return date.fromisoformat(value)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (moment + LOCAL_OFFSET).date()


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


def _findings(store: ComplianceStore) -> dict[str, dict[str, dict]]:
    by_institution: dict[str, dict[str, dict]] = defaultdict(dict)
    for row in store.findings():
        by_institution[row["institution_id"]][row["item"]] = row
    return by_institution


def select_profiles(
    institution: dict, reports: dict[str, dict[str, Claim]], profiles: dict[str, Profile]
) -> list[tuple[Profile, dict[str, Claim]]]:
    """(profile, events) pairs that apply to one institution, per the profiles' ``selects``."""
    assessed = local_date(institution.get("assessment_date"))
    base = {"assessment": Claim("registry", assessed)} if assessed else {}
    chosen = []
    for profile in profiles.values():
        for source, events in sorted(reports.items()):
            if source in profile.reported_sources:
                chosen.append((profile, {**base, **events}))
        if assessed and profile.assessment_from and assessed >= profile.assessment_from:
            chosen.append((profile, base))
    return chosen


def with_declared_events(
    profile: Profile, events: dict[str, Claim], findings: dict[str, dict]
) -> dict[str, Claim]:
    """Events completed from dates the documents declare, where no report gave them."""
    found = dict(events)
    for rule in profile.rules:
        finding = findings.get(rule.finding or "")
        if rule.finding_date != "declared_date" or not finding or rule.done_event in found:
            continue
        if finding.get("status") != SEEN_AS_DONE:
            continue
        declared = local_date(finding.get("declared_date"))
        if declared and rule.done_event:
            found[rule.done_event] = Claim("document", declared)
    return found


def judged_rules(profile: Profile) -> list[Rule]:
    """The rules whose fulfilment nokwatch can observe and date once."""
    return [
        r
        for r in profile.rules
        if (r.done_event or r.finding) and not isinstance(r.period, Recurring | NoDeadline)
    ]


# An assessment is repeated at least once in three years (Federal law 392-ФЗ: «не чаще чем один
# раз в год и не реже чем один раз в три года»): what the crawler sees later than that after a due
# date belongs to a later cycle and says nothing about this one.
CYCLE = timedelta(days=3 * 366)
SEEN_AS_DONE = "found"  # an outdated plan is last cycle's: its dates are not this cycle's
# What the crawler says when it could not look: never absence (publisher.store.ABSENT_STATUSES
# leaves them out), and an ``unknown`` verdict names it.
NOT_LOOKED = {
    "site_unreachable": "сайт недоступен",
    "blocked_by_robots": "раздел закрыт robots.txt",
    "incomplete": "поиск по сайту не завершён",
}


def _not_looked(verdict: Verdict, finding: dict | None) -> Verdict:
    """An ``unknown`` verdict saying why the latest check could not look."""
    status = (finding or {}).get("status")
    if verdict.status != "unknown" or status not in NOT_LOOKED:
        return verdict
    why = NOT_LOOKED[status] + (f": {finding['error']}" if finding.get("error") else "")
    return verdict._replace(reason=f"{verdict.reason}; последняя проверка: {why}")


def _evidence(
    rule: Rule, events: dict[str, Claim], findings: dict[str, dict]
) -> tuple[tuple[Claim, ...], Sighting | None, str]:
    claims = [events[rule.done_event]] if rule.done_event in events else []
    finding = findings.get(rule.finding or "")
    if finding is None:
        return tuple(claims), None, ""
    detector = finding.get("detector_version") or ""
    if rule.finding_date == "declared_date":
        declared = local_date(finding.get("declared_date"))
        document = Claim("document", declared)
        usable = declared and finding.get("status") == SEEN_AS_DONE and document not in claims
        return tuple(claims + ([document] if usable else [])), None, detector
    first_seen = local_date(finding.get("first_seen_at"))
    last_absent = local_date(finding.get("last_absent_at"))
    # A site that could not be checked has neither date: that is no evidence, never absence.
    if first_seen is None and last_absent is None:
        return tuple(claims), None, detector
    return tuple(claims), Sighting(first_seen=first_seen, last_absent=last_absent), detector


def _in_cycle(sighting: Sighting | None, due: date) -> Sighting | None:
    """The sighting if the crawler looked during this obligation's assessment cycle."""
    if sighting is None:
        return None
    earliest = min(d for d in (sighting.last_absent, sighting.first_seen) if d is not None)
    return sighting if earliest <= due + CYCLE else None


def judge_rule(
    profile: Profile,
    rule: Rule,
    events: dict[str, Claim],
    findings: dict[str, dict],
    as_of: date,
    calendar: ProductionCalendar,
) -> tuple[date | None, Verdict, str]:
    """(trigger event's date, verdict, detector version) for one rule of one institution."""
    claims, sighting, detector = _evidence(rule, events, findings)
    try:
        trigger = event_of(profile, rule, events)
        due = due_of(profile, rule, events, calendar)
    except DueUnknown as exc:
        return None, _undue(exc, claims), detector
    sighting = _in_cycle(sighting, due)
    verdict = judge(due, as_of, calendar, claims, sighting, trigger)
    return trigger, _not_looked(verdict, findings.get(rule.finding or "")), detector


def _undue(exc: DueUnknown, claims: tuple[Claim, ...]) -> Verdict:
    status = "invalid_data" if exc.invalid else "unknown"
    done = next((c for c in claims if c.day), None)
    if done is None:
        return Verdict(status, exc.reason)
    reason = f"{exc.reason}; исполнено {done.day:%d.%m.%Y} по данным источника"
    return Verdict(status, reason, done=done.day, done_source=done.source)


def compliance_row(
    institution_id: str,
    profile: Profile,
    rule: Rule,
    trigger: date | None,
    verdict: Verdict,
    methodology: str,
) -> dict:
    """One row of the published ``compliance`` resource."""
    basis = rule.legal_basis + ("" if rule.confirmed else " (срок не сверен с первичным текстом)")
    return {
        "institution_id": institution_id,
        "profile": profile.id,
        "obligation": rule.obligation,
        "period": "once",
        "trigger_date": trigger.isoformat() if trigger else None,
        "due_date": verdict.due.isoformat() if verdict.due else None,
        "done_date": verdict.done.isoformat() if verdict.done else None,
        "done_source": verdict.done_source,
        "status": verdict.status,
        "days_late": verdict.days_late,
        "working_days_late": verdict.working_days_late,
        "reason": verdict.reason,
        "legal_basis": basis,
        "methodology": methodology,
    }


def methodology(profile: Profile, calendar: ProductionCalendar, detector: str) -> str:
    """Profile, calendar and detector versions: what reproduces a verdict."""
    return f"{profile.label}; calendar {calendar.version}; detectors {detector or '-'}"


def compliance_rows(
    store: ComplianceStore,
    as_of: date,
    calendar: ProductionCalendar,
    profiles: dict[str, Profile],
) -> Iterator[dict]:
    """Every verdict row for the store's institutions, as of a day."""
    reported, findings = _reported(store), _findings(store)
    for institution in store.rows("institutions"):
        key = institution["id"]
        seen = findings.get(key, {})
        # A closed institution is judged as of its closing; what falls due later is not owed.
        closed = local_date(institution.get("closed_at"))
        day = min(as_of, closed) if closed else as_of
        for profile, reports in select_profiles(institution, reported.get(key, {}), profiles):
            events = with_declared_events(profile, reports, seen)
            for rule in judged_rules(profile):
                trigger, verdict, detector = judge_rule(profile, rule, events, seen, day, calendar)
                if closed and verdict.due and verdict.due > closed:
                    continue  # fell due after the institution closed: no obligation
                yield compliance_row(
                    key, profile, rule, trigger, verdict, methodology(profile, calendar, detector)
                )


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
