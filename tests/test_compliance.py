"""Compliance from the store: what proves an obligation done, whose clock, which law applies."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from publisher.deadlines.compliance import compute_compliance, profile_obligations
from publisher.deadlines.profiles import load_profile, load_profiles
from publisher.deadlines.timezones import region_zone
from publisher.registry.reports import import_report
from publisher.store import Store
from publisher.vocab import region_names

D = date
AS_OF = D(2026, 11, 22)
REPORT = Path(__file__).parents[1] / "publisher/data/tomsk-2014-report.csv"


def _institution(store: Store, key: str = "fed-1", **fields: str) -> None:
    row = {"id": key, "name": "Школа № 1", "region": "RU-TOM", "sphere": "education",
           "kind": "institution", "assessment_date": "2024-02-01"}  # fmt: skip
    store.upsert("institutions", [{**row, **fields}])


def _observe(store: Store, item: str, *checks: tuple, key: str = "fed-1") -> None:
    """checks: (checked_at, status[, sha256[, declared_date[, search_end]]])."""
    rows = []
    for n, (when, status, *rest) in enumerate(checks):
        sha = rest[0] if rest else None
        declared = rest[1] if len(rest) > 1 else None
        search_end = rest[2] if len(rest) > 2 else None
        rows.append({"run_id": f"r{n}", "institution_id": key, "item": item, "status": status,
                     "checked_at": when, "sha256": sha, "declared_date": declared,
                     "search_end": search_end, "detector_version": "plan-3"})  # fmt: skip
    store.add_observations(rows)


def _rows(store: Store, as_of: date = AS_OF, profiles: dict | None = None) -> dict[str, dict]:
    compute_compliance(store, as_of, profiles=profiles)
    return {r["obligation"]: r for r in store.rows("compliance")}


# Point 2: what was on the site before the event that starts the period cannot fulfil it.
@pytest.mark.parametrize(
    "checks, status",
    [
        # An old plan seen before the assessment of 15.01.2024, and the same document after it.
        ((("2023-06-01T09:00:00Z", "found", "A"),), "unknown"),
        ((("2023-06-01T09:00:00Z", "found", "A"), ("2024-02-10T09:00:00Z", "found", "A")),
         "unknown"),
        # A new document, approved after the event (05.02.2024), first seen 10.02: on time.
        ((("2023-06-01T09:00:00Z", "found", "A"),
          ("2024-02-10T09:00:00Z", "found", "B", "2024-02-05")), "on_time"),
    ],
)  # fmt: skip
def test_a_sighting_before_the_trigger_is_not_done(
    fresh_db: Store, checks: tuple, status: str
) -> None:
    _institution(fresh_db, assessment_date="2024-01-15")
    _observe(fresh_db, "improvement_plan", *checks)
    assert _rows(fresh_db)["plan_posted"]["status"] == status


SURVEY_PROFILE = """profile: survey-test
version: "1"
title: t
document: d
selects: {assessment_from: 2015-01-01}
rules:
  - obligation: survey_form
    who: institution
    period: "I квартал 2016 г."
    basis: {item: "3"}
    description: d
    done: {finding: survey_form, finding_date: first_seen_at}
  - obligation: bus_gov_link
    who: institution
    period: "I квартал 2016 г."
    basis: {item: "3"}
    description: d
    done: {finding: bus_gov_link, finding_date: first_seen_at}
"""


# Point 3: what proves an obligation done is item-specific (due 31.03.2016).
@pytest.mark.parametrize(
    "item, checks, status, source",
    [
        ("survey_form", (("2016-03-01T09:00:00Z", "broken"),), "unknown", None),
        ("survey_form", (("2016-03-01T09:00:00Z", "live"),), "on_time", "crawler"),
        ("survey_form", (("2016-03-01T09:00:00Z", "broken"), ("2016-04-05T09:00:00Z", "broken"),
                         ("2016-04-20T09:00:00Z", "live")), "late", "crawler"),
        ("survey_form", (("2016-04-05T09:00:00Z", "broken"),), "overdue", "crawler"),
        ("bus_gov_link", (("2016-03-01T09:00:00Z", "mismatch"),), "unknown", None),
        ("bus_gov_link", (("2016-03-01T09:00:00Z", "generic"),), "unknown", None),
        ("bus_gov_link", (("2016-04-05T09:00:00Z", "generic"),), "overdue", "crawler"),
        ("bus_gov_link", (("2016-03-01T09:00:00Z", "found"),), "on_time", "crawler"),
        # Could not look: never absence.
        ("survey_form", (("2016-04-05T09:00:00Z", "site_unreachable"),), "unknown", None),
        ("survey_form", (("2016-04-05T09:00:00Z", "blocked_by_robots"),), "unknown", None),
        ("survey_form", (("2016-04-05T09:00:00Z", "incomplete"),), "unknown", None),
        # A defect seen by a search cut short: the right form or card may be where it did not look.
        ("survey_form", (("2016-04-05T09:00:00Z", "broken", None, None, "budget_pages"),),
         "unknown", None),
        ("bus_gov_link", (("2016-04-05T09:00:00Z", "generic", None, None, "page_failed"),),
         "unknown", None),
        ("bus_gov_link", (("2016-04-05T09:00:00Z", "mismatch", None, None, "blocked_by_robots"),),
         "unknown", None),
        ("survey_form", (("2016-04-05T09:00:00Z", "broken", None, None, "complete"),),
         "overdue", "crawler"),
    ],
)  # fmt: skip
def test_only_an_item_specific_proof_counts_as_done(
    fresh_db: Store, tmp_path: Path, item: str, checks: tuple, status: str, source: str | None
) -> None:
    (tmp_path / "survey-test.yaml").write_text(SURVEY_PROFILE, encoding="utf-8")
    profiles = {"survey-test": load_profile(tmp_path / "survey-test.yaml")}
    _institution(fresh_db, assessment_date="2015-06-01")
    _observe(fresh_db, item, *checks)
    row = _rows(fresh_db, profiles=profiles)[item]
    assert (row["status"], row["done_source"]) == (status, source), row["reason"]


# Point 5: each observation is dated in the institution's region's time zone (ГК РФ ст. 194).
# Approved 27.02.2024 (the document), posting due 05.03.2024; absent at 13:00 UTC on 05.03,
# seen at 14:00 UTC.
@pytest.mark.parametrize(
    "region, status",
    [
        ("RU-KGD", "on_time"),  # 15:00 and 16:00 on 05.03 in Kaliningrad
        ("RU-MOW", "on_time"),  # 16:00 and 17:00 on 05.03 in Moscow
        ("RU-KAM", "late"),  # 01:00 and 02:00 on 06.03 in Kamchatka: absent after the last day
    ],
)
def test_observations_are_dated_in_the_regions_time_zone(
    fresh_db: Store, region: str, status: str
) -> None:
    _institution(fresh_db, region=region)
    _observe(
        fresh_db,
        "improvement_plan",
        ("2024-03-05T13:00:00Z", "not_found"),
        ("2024-03-05T14:00:00Z", "found", "A", "2024-02-27"),
    )
    assert _rows(fresh_db)["plan_posted"]["status"] == status


def test_every_region_has_a_time_zone_from_kaliningrad_to_kamchatka() -> None:
    zones = {code: region_zone(code).key for code in region_names()}
    assert zones["RU-KGD"] == "Europe/Kaliningrad" and zones["RU-KAM"] == "Asia/Kamchatka"
    assert zones["RU-TOM"] == "Asia/Tomsk" and zones["RU-MOW"] == "Europe/Moscow"
    assert len(set(zones.values())) >= 20


# Point 7: 392-ФЗ covers culture, health care, education, social services — not sport, unless
# the sports organisation is an educational one.
@pytest.mark.parametrize(
    "sphere, name, judged",
    [
        ("education", "Школа № 1", True),
        ("sport", "Спортивная школа № 3 (демо)", False),
        ("sport", "МБУ ДО «Спортивная школа № 1»", True),
        ("sport", "Учреждение дополнительного образования «ДЮСШ»", True),
        ("culture", "Библиотека", True),
    ],
)
def test_federal_scope_leaves_sport_out_unless_educational(
    fresh_db: Store, sphere: str, name: str, judged: bool
) -> None:
    _institution(fresh_db, sphere=sphere, name=name)
    assert bool(_rows(fresh_db)) is judged


# Point 9: the registry's assessment date is not the day the results are received (a month for
# the council, a month for the authority): the plan is due a month after receipt, between
# 01.03.2024 and 03.05.2024.
@pytest.mark.parametrize(
    "declared, status, words",
    [
        ("2024-02-27", "on_time", "срок от 01.03.2024 до"),
        ("2024-03-20", "unknown", "в срок, если дата получения результатов независимой оценки "
         "не ранее 20.02.2024"),
        ("2024-05-20", "late", "опоздание не менее"),
    ],
)  # fmt: skip
def test_federal_approval_is_bounded_by_the_chain_to_receipt(
    fresh_db: Store, declared: str, status: str, words: str
) -> None:
    _institution(fresh_db)
    _observe(fresh_db, "improvement_plan", ("2024-06-01T09:00:00Z", "found", "A", declared))
    row = _rows(fresh_db)["plan_approved"]
    assert row["status"] == status and words in row["reason"], row["reason"]
    assert row["confirmed"] is False or row["confirmed"] == 0


def test_federal_posting_is_not_overdue_before_the_latest_lawful_day(fresh_db: Store) -> None:
    # Assessed 01.02.2024, nothing seen on 20.03.2024: the results may have arrived as late as
    # 01.04, so the plan may still lawfully be unposted.
    _institution(fresh_db)
    _observe(fresh_db, "improvement_plan", ("2024-03-20T09:00:00Z", "not_found"))
    rows = _rows(fresh_db, as_of=D(2024, 3, 21))
    assert rows["plan_posted"]["status"] == "pending"
    assert rows["plan_approved"]["status"] == "pending"


def test_federal_rules_name_the_founder_and_the_bus_gov_order() -> None:
    profile = load_profiles()["federal-2018"]
    assert profile.rule("plan_approved").who == "founder"
    assert "116н" in profile.rule("plan_posted").legal_basis
    assert not any(r.confirmed for r in profile.rules)


# Point 10: recurring and authority duties are published, occurrences not judged are marked.
def test_profile_wide_duties_are_published_with_their_periods() -> None:
    rows = list(profile_obligations(load_profiles()))
    meetings = [r for r in rows if (r["profile"], r["obligation"]) == ("mintrud-2016",
                                                                       "council_meetings")]  # fmt: skip
    assert len(meetings) == 12 and meetings[-1]["period"] == "2018-Q4"
    # 31.12.2018 (Monday) was a transferred day off: the due date moves forward (ГК ст. 193).
    assert meetings[-1]["due_date"] == "2019-01-09"
    keys = {(r["profile"], r["obligation"], r["period"]) for r in rows}
    assert ("omsk-2013", "plan_progress_reported", "recurring") in keys
    assert ("tula-2013", "information_posted", "2013") in keys
    assert ("tula-2013", "information_posted", "standing") in keys
    assert ("mintrud-2016", "assessed_list", "recurring") in keys
    assert all(r["institution_id"] is None and r["judged"] is False for r in rows)


def test_tomsk_duties_without_evidence_are_published_as_not_judged(fresh_db: Store) -> None:
    import_report(fresh_db, REPORT)
    compute_compliance(fresh_db, AS_OF)
    rows = list(fresh_db.rows("compliance", "institution_id = 'tom-2014-01'"))
    by = {(r["obligation"], r["period"]): r for r in rows}
    assert by[("proposals_considered", "once")]["status"] == "not_judged"
    execution = by[("plan_execution_posted", "standing")]
    assert execution["status"] == "not_judged" and "19" in execution["legal_basis"]


# Point 11: the duty to offer citizens a means to give their opinion, under today's rules.
@pytest.mark.parametrize(
    "survey, link, status",
    [
        ("live", None, "on_time"),
        ("broken", "found", "on_time"),
        ("broken", "generic", "overdue"),
        ("not_found", "mismatch", "overdue"),
        ("site_unreachable", None, "unknown"),
    ],
)
def test_the_means_to_give_an_opinion_is_judged(
    fresh_db: Store, survey: str, link: str | None, status: str
) -> None:
    _institution(fresh_db)
    _observe(fresh_db, "survey_form", ("2026-11-20T09:00:00Z", survey))
    if link:
        _observe(fresh_db, "bus_gov_link", ("2026-11-20T09:00:00Z", link))
    row = _rows(fresh_db)["opinion_means"]
    assert (row["status"], row["period"]) == (status, "standing"), row["reason"]


@pytest.mark.parametrize(
    "survey_checks, link_checks, status",
    [
        # Absent once, then the latest check could not look: no longer established.
        ((("2026-11-10T09:00:00Z", "not_found"), ("2026-11-20T09:00:00Z", "incomplete")),
         (("2026-11-20T09:00:00Z", "not_found"),), "unknown"),
        ((("2026-11-10T09:00:00Z", "not_found"), ("2026-11-20T09:00:00Z", "site_unreachable")),
         (("2026-11-10T09:00:00Z", "not_found"), ("2026-11-20T09:00:00Z", "site_unreachable")),
         "unknown"),
        # One means looked and missing, the other never checked: it may be the one offered.
        ((("2026-11-20T09:00:00Z", "not_found"),), (), "unknown"),
        # Both looked for, both missing: unmet.
        ((("2026-11-10T09:00:00Z", "incomplete"), ("2026-11-20T09:00:00Z", "not_found")),
         (("2026-11-20T09:00:00Z", "not_found"),), "overdue"),
    ],
)  # fmt: skip
def test_a_standing_duty_is_unmet_only_when_the_latest_checks_looked(
    fresh_db: Store, survey_checks: tuple, link_checks: tuple, status: str
) -> None:
    _institution(fresh_db)
    _observe(fresh_db, "survey_form", *survey_checks)
    if link_checks:
        _observe(fresh_db, "bus_gov_link", *link_checks)
    row = _rows(fresh_db)["opinion_means"]
    assert row["status"] == status, row["reason"]


# Point 12: the evidence published as what it is.
def test_a_row_shows_declared_date_observed_interval_and_bounds(fresh_db: Store) -> None:
    _institution(fresh_db)
    _observe(
        fresh_db,
        "improvement_plan",
        ("2024-03-04T09:00:00Z", "not_found"),
        ("2024-03-20T09:00:00Z", "found", "A", "2024-02-27"),
    )
    rows = _rows(fresh_db)
    posted, approved = rows["plan_posted"], rows["plan_approved"]
    assert (posted["done_not_before"], posted["done_not_after"]) == ("2024-03-04", "2024-03-20")
    assert approved["declared_date"] == "2024-02-27" and approved["done_source"] == "document"
    assert posted["status"] == "unknown" and posted["days_late_min"] == 0
    assert posted["days_late_max"] == 15  # seen 20.03, due 05.03 at the earliest
    assert approved["note"] and approved["confirmed"] in (0, False)
    assert "decree-days-working" in posted["methodology"]


# Point 13: an undated approval is blamed on the approval.
def test_an_undated_plan_blames_the_approval(fresh_db: Store) -> None:
    _institution(fresh_db)
    _observe(fresh_db, "improvement_plan", ("2024-03-20T09:00:00Z", "found", "A"))
    approved = _rows(fresh_db)["plan_approved"]
    assert "дата утверждения в документе не указана" in approved["reason"]


def test_the_tomsk_2014_on_time_share_names_the_regions_report(fresh_db: Store) -> None:
    from publisher.release.kpi import kpi_rows

    import_report(fresh_db, REPORT)
    compute_compliance(fresh_db, AS_OF)
    share = next(
        r
        for r in kpi_rows(fresh_db)
        if (r["region"], r["year"], r["indicator"]) == ("RU-TOM", 2014, "plan_on_time_share")
    )
    assert share["basis"] == "отчёт региона (tomsk-2014-report)"


def test_every_part_knows_the_same_could_not_look_statuses() -> None:
    from nokwatch import disputes
    from publisher.deadlines.compliance import NOT_LOOKED
    from publisher.release import kpi
    from publisher.site import database, pages
    from publisher.store import NOT_LOOKED_STATUSES

    assert "incomplete" in NOT_LOOKED_STATUSES
    assert set(NOT_LOOKED) == set(NOT_LOOKED_STATUSES)
    for uses in (kpi.UNCHECKABLE, database.UNCHECKED, pages.UNCHECKED, disputes.COULD_NOT_LOOK):
        assert uses is NOT_LOOKED_STATUSES
