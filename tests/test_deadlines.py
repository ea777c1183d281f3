"""The verdict engine: evidence rules in tables, and the hand-checked Tomsk 2014 verdicts pinned."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from publisher.deadlines.compliance import compute_compliance
from publisher.deadlines.periods import Days
from publisher.deadlines.profiles import PROFILE_DIR, load_profile
from publisher.deadlines.verdicts import Claim, Due, Sighting, judge
from publisher.deadlines.workcalendar import default_calendar
from publisher.registry.reports import import_report
from publisher.store import Store

D = date
CAL = default_calendar()
REPORT = Path(__file__).parents[1] / "publisher/data/tomsk-2014-report.csv"
AS_OF = D(2026, 11, 22)
R = "report:tomsk-2014-report"


@pytest.mark.parametrize(
    "claims, sighting, status, days, working, done_source",
    [
        ((Claim(R, D(2014, 3, 11)),), None, "on_time", None, None, R),
        ((Claim(R, D(2014, 3, 12)),), None, "late", 1, 1, R),
        ((Claim(R, D(2014, 3, 17)),), None, "late", 6, 4, R),
        ((), Sighting(D(2014, 3, 9), D(2014, 3, 4)), "on_time", None, None, "crawler"),
        ((), Sighting(D(2014, 3, 25), D(2014, 3, 20)), "late", 9, 7, "crawler"),
        ((), Sighting(D(2014, 3, 14), D(2014, 3, 4)), "unknown", None, None, "crawler"),
        ((), Sighting(None, D(2014, 4, 1), D(2014, 4, 1)), "overdue", None, None, "crawler"),
        ((), None, "unknown", None, None, None),
        ((Claim(R, None, "110.03.2014"),), None, "invalid_data", None, None, R),
        ((Claim(R, D(2014, 2, 1)),), None, "invalid_data", None, None, R),
    ],
)
def test_verdicts(claims, sighting, status, days, working, done_source) -> None:
    # Due 11.03.2014: 08.03 (Saturday, holiday) moved past Sunday and the art. 112 day off 10.03.
    verdict = judge(D(2014, 3, 11), AS_OF, CAL, claims, sighting, trigger=D(2014, 2, 21))
    assert (verdict.status, verdict.days_late, verdict.working_days_late) == (status, days, working)
    assert verdict.done_source == done_source
    assert verdict.reason


def test_not_yet_due_is_pending() -> None:
    verdict = judge(D(2026, 12, 1), AS_OF, CAL)
    assert verdict.status == "pending" and "не наступил" in verdict.reason


def test_crawler_evidence_decides_and_the_contradicting_report_is_named() -> None:
    # The report says posted 10.03, but the crawler still saw no plan on 20.03.
    claims = (Claim(R, D(2014, 3, 10)),)
    verdict = judge(D(2014, 3, 11), AS_OF, CAL, claims, Sighting(D(2014, 3, 25), D(2014, 3, 20)))
    assert verdict.status == "late" and verdict.done_source == "crawler"
    assert "противоречит: отчёт tomsk-2014-report указывает 10.03.2014" in verdict.reason


# Point 4: a report date consistent with the crawler's interval stands; one it contradicts gives
# way. Due 19.03.2014.
@pytest.mark.parametrize(
    "posted, seen, status, source, words",
    [
        (D(2014, 3, 10), Sighting(D(2014, 4, 1), D(2014, 3, 1)), "on_time", R,
         "краулер: размещено в промежутке [01.03.2014; 01.04.2014] — согласуется"),
        (D(2014, 3, 1), Sighting(D(2014, 4, 1), D(2014, 3, 1)), "on_time", R, "согласуется"),
        (D(2014, 3, 25), Sighting(D(2014, 4, 1), D(2014, 3, 1)), "late", R, "опоздание 6 дн."),
        (D(2014, 2, 25), Sighting(D(2014, 4, 1), D(2014, 3, 1)), "unknown", "crawler",
         "противоречит: отчёт tomsk-2014-report указывает 25.02.2014"),
    ],
)  # fmt: skip
def test_a_report_date_consistent_with_the_crawler_stands_and_the_row_says_both(
    posted: date, seen: Sighting, status: str, source: str, words: str
) -> None:
    verdict = judge(D(2014, 3, 19), AS_OF, CAL, (Claim(R, posted),), seen)
    assert (verdict.status, verdict.done_source, verdict.declared) == (status, source, posted)
    assert (verdict.not_before, verdict.not_after) == (D(2014, 3, 1), D(2014, 4, 1))
    assert words in verdict.reason and "другую дату" not in verdict.reason


# Point 1: item 15 counts from the undated «выработка предложений», somewhere between the receipt
# (25.01.2014) and the last lawful day of item 14 (10.02.2014): due between 10.02 and 25.02.
ITEM_15 = Due(
    D(2014, 2, 10), D(2014, 2, 25), D(2014, 1, 25), D(2014, 2, 10), "proposals_considered", Days(15)
)


@pytest.mark.parametrize(
    "sent, status, late_min, late_max, words",
    [
        (D(2014, 2, 5), "on_time", None, None, "срок от 10.02.2014 до 25.02.2014"),
        (D(2014, 2, 13), "unknown", 0, 3, "в срок, если дата выработки предложений учредителем "
         "не ранее 29.01.2014"),
        (D(2014, 2, 27), "late", 2, 17, "опоздание не менее 2 дн."),
    ],
)  # fmt: skip
def test_an_undated_trigger_bounds_the_verdict(
    sent: date, status: str, late_min: int | None, late_max: int | None, words: str
) -> None:
    verdict = judge(ITEM_15, AS_OF, CAL, (Claim(R, sent),), trigger=D(2014, 1, 25))
    assert (verdict.status, verdict.late_min, verdict.late_max) == (status, late_min, late_max)
    assert words in verdict.reason and verdict.due == D(2014, 2, 25)


def test_overdue_says_how_late_as_of_the_as_of_date() -> None:
    verdict = judge(D(2014, 3, 11), D(2014, 5, 1), CAL, (), Sighting(None, D(2014, 4, 1)))
    assert (verdict.status, verdict.late_min, verdict.late_max) == ("overdue", 21, 51)


def test_interval_is_shown_when_evidence_cannot_tell() -> None:
    verdict = judge(D(2014, 3, 11), AS_OF, CAL, (), Sighting(D(2014, 3, 14), D(2014, 3, 4)))
    assert "[04.03.2014; 14.03.2014]" in verdict.reason


@pytest.mark.parametrize(
    "posted, status",
    [
        # Due 21.02.2014 + 15 days = 08.03 (Saturday) → 11.03 (ГК ст. 193 + ТК ст. 112: 10.03 off).
        (D(2014, 3, 10), "on_time"),  # tom-2014-10 as reported: late without art. 193
        (D(2014, 3, 11), "on_time"),  # on time only because 10.03.2014 was a day off
        (D(2014, 3, 12), "late"),
    ],
)
def test_the_holiday_calendar_changes_the_verdict(posted: date, status: str) -> None:
    verdict = judge(D(2014, 3, 11), AS_OF, CAL, (Claim(R, posted),), trigger=D(2014, 2, 21))
    assert verdict.status == status


# Hand-checked: (institution, proposals_sent, plan_approved, plan_posted) as status[/days late].
# tom-2014-05 … 10 (culture): received 25.01, sent 13.02, 19 days later: on time only if the
# proposals were worked out on or after 29.01, which nobody dated — a violation is not established.
TOMSK = {
    "tom-2014-01": ("on_time", "on_time", "late/35"),
    "tom-2014-02": ("on_time", "on_time", "on_time"),
    "tom-2014-03": ("on_time", "on_time", "on_time"),
    "tom-2014-04": ("on_time", "on_time", "on_time"),
    "tom-2014-05": ("unknown", "on_time", "late/2"),
    "tom-2014-06": ("unknown", "on_time", "late/7"),
    "tom-2014-07": ("unknown", "on_time", "late/7"),
    "tom-2014-08": ("unknown", "on_time", "on_time"),
    "tom-2014-09": ("unknown", "invalid_data", "invalid_data"),
    "tom-2014-10": ("unknown", "on_time", "on_time"),
    "tom-2014-11": ("on_time", "on_time", "on_time"),
    "tom-2014-12": ("on_time", "on_time", "on_time"),
    "tom-2014-13": ("on_time", "on_time", "on_time"),
    "tom-2014-14": ("on_time", "on_time", "late/41"),
    "tom-2014-15": ("on_time", "on_time", "late/54"),
    "tom-2014-16": ("on_time", "on_time", "on_time"),
    "tom-2014-17": ("on_time", "on_time", "on_time"),
    "tom-2014-18": ("on_time", "on_time", "on_time"),
    "tom-2014-19": ("on_time", "on_time", "on_time"),
    "tom-2014-20": ("on_time", "on_time", "on_time"),
    "tom-2014-21": ("on_time", "on_time", "on_time"),
    "tom-2014-22": ("on_time", "on_time", "on_time"),
    "tom-2014-23": ("on_time", "on_time", "on_time"),
}
# Due dates where the calendar matters (hand-counted; 08.03 Sat, 09.03 Sun, 10.03 day off).
TOMSK_DUE = {
    ("tom-2014-03", "plan_approved"): "2014-03-11",  # 07.02 + 30 = 09.03 (Sun) → 11.03
    ("tom-2014-05", "plan_approved"): "2014-03-17",  # 13.02 + 30 = 15.03 (Sat) → 17.03
    ("tom-2014-10", "plan_posted"): "2014-03-11",  # 21.02 + 15 = 08.03 (holiday) → 11.03
    ("tom-2014-11", "proposals_sent"): "2014-03-03",  # 30.01 + 15 + 15 = 01.03 (Sat) → 03.03
    ("tom-2014-14", "plan_posted"): "2014-03-17",  # 01.03 + 15 = 16.03 (Sun) → 17.03
    ("tom-2014-20", "proposals_sent"): "2014-03-04",  # 31.01 + 15 = 15.02 (Sat) → 17.02; + 15
}


@pytest.fixture(scope="module")
def tomsk(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict]:
    with Store(tmp_path_factory.mktemp("tomsk") / "nokwatch.db") as store:
        import_report(store, REPORT)
        compute_compliance(store, AS_OF)
        rows = {(r["institution_id"], r["obligation"]): r for r in store.rows("compliance")}
        return {key: row for key, row in rows.items() if row["status"] != "not_judged"}


def test_tomsk_2014_has_69_verdicts(tomsk: dict) -> None:
    assert len(tomsk) == 69


def test_tomsk_item_15_states_the_condition(tomsk: dict) -> None:
    row = tomsk[("tom-2014-05", "proposals_sent")]
    assert (
        "в срок, если дата выработки предложений учредителем не ранее 29.01.2014" in row["reason"]
    )
    assert (row["due_date"], row["days_late_min"], row["days_late_max"]) == ("2014-02-25", 0, 3)


@pytest.mark.parametrize("institution", sorted(TOMSK))
def test_tomsk_2014_verdicts(tomsk: dict, institution: str) -> None:
    for obligation, expected in zip(
        ("proposals_sent", "plan_approved", "plan_posted"), TOMSK[institution], strict=True
    ):
        row = tomsk[(institution, obligation)]
        status, _, days = expected.partition("/")
        assert (row["status"], row["days_late"]) == (status, int(days) if days else None), row
        assert row["methodology"].startswith("tomsk-2013@2; calendar ru-2013-2026@")
        assert row["reason"] and row["legal_basis"].startswith("Распоряжение Губернатора")


@pytest.mark.parametrize("key, due", sorted(TOMSK_DUE.items()))
def test_tomsk_due_dates_follow_the_calendar(tomsk: dict, key: tuple[str, str], due: str) -> None:
    assert tomsk[key]["due_date"] == due


def test_tomsk_not_a_date_is_invalid_data_and_the_rest_is_published(tomsk: dict) -> None:
    approved = tomsk[("tom-2014-09", "plan_approved")]
    assert "«110.03.2014»" in approved["reason"] and "не является датой" in approved["reason"]
    posted = tomsk[("tom-2014-09", "plan_posted")]
    assert posted["done_date"] == "2014-03-17" and posted["due_date"] is None
    assert tomsk[("tom-2014-09", "proposals_sent")]["done_source"] == R


def test_tomsk_late_rows_carry_working_days(tomsk: dict) -> None:
    row = tomsk[("tom-2014-01", "plan_posted")]
    assert (row["due_date"], row["days_late"], row["working_days_late"]) == ("2014-03-19", 35, 25)


def _observe(
    store: Store,
    run: str,
    when: str,
    status: str,
    declared: str | None = None,
    error: str | None = None,
) -> None:
    store.add_observations(
        [
            {
                "run_id": run,
                "institution_id": "fed-1",
                "item": "improvement_plan",
                "status": status,
                "checked_at": when,
                "declared_date": declared,
                "error": error,
                "detector_version": "plan-3",
            }
        ]
    )


def test_federal_profile_is_chosen_by_assessment_date_and_judged_on_crawler_evidence(
    tmp_path: Path,
) -> None:
    with Store(tmp_path / "nokwatch.db") as store:
        store.upsert(
            "institutions",
            [
                {"id": "fed-1", "name": "Школа", "region": "RU-TOM", "sphere": "education",
                 "kind": "institution", "assessment_date": "2024-02-01"},
                {"id": "old-1", "name": "Школа", "region": "RU-TOM", "sphere": "education",
                 "kind": "institution", "assessment_date": "2016-02-01"},
            ],
        )  # fmt: skip
        _observe(store, "r1", "2024-03-04T09:00:00Z", "not_found")
        _observe(store, "r2", "2024-03-20T09:00:00Z", "found", declared="2024-02-27")
        compute_compliance(store, D(2026, 11, 22))
        rows = {r["obligation"]: r for r in store.rows("compliance")}
    assert set(rows) == {"plan_approved", "plan_posted", "opinion_means"}  # old-1 not selected
    approved, posted = rows["plan_approved"], rows["plan_posted"]
    assert approved["profile"] == "federal-2018"
    # Assessed 01.02.2024; results received between then and 01.04.2024 (two months): the plan
    # is due between 01.03.2024 (Friday) and 02.05.2024 (01.05 a holiday); it declares 27.02.2024.
    assert (approved["due_date"], approved["status"], approved["done_source"]) == (
        "2024-05-02",
        "on_time",
        "document",
    )
    # Approved 27.02 + 5 working days = 05.03.2024; absent 04.03, seen 20.03: cannot tell.
    assert (posted["due_date"], posted["status"]) == ("2024-03-05", "unknown")
    assert "[04.03.2024; 20.03.2024]" in posted["reason"]
    assert posted["methodology"].endswith("detectors plan-3")
    assert "не сверен" in posted["legal_basis"]


def test_batch_due_dates_equal_one_by_one() -> None:
    from publisher.deadlines.periods import Days, due_date
    from publisher.deadlines.verdicts import due_dates

    triggers = [D(2013, 1, 1).toordinal() + n for n in range(0, 5000, 7)]
    for period in (Days(15), Days(5, working=True)):
        expected = [due_date(period, date.fromordinal(t), CAL) for t in triggers]
        assert due_dates(period, triggers, CAL) == expected


def test_batch_due_dates_past_the_calendar_are_not_guessed() -> None:
    from publisher.deadlines.periods import Days
    from publisher.deadlines.verdicts import due_dates
    from publisher.errors import DateNotCovered

    with pytest.raises(DateNotCovered):
        due_dates(Days(15), [D(2026, 12, 25).toordinal()], CAL)


def _federal_store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "nokwatch.db")
    store.upsert(
        "institutions",
        [
            {
                "id": "fed-1",
                "name": "Школа",
                "region": "RU-TOM",
                "sphere": "education",
                "kind": "institution",
                "assessment_date": "2024-02-01",
            }
        ],
    )
    return store


def test_an_unreachable_site_is_no_evidence_of_absence(tmp_path: Path) -> None:
    with _federal_store(tmp_path) as store:
        _observe(store, "r1", "2026-11-20T09:00:00Z", "site_unreachable")
        compute_compliance(store, D(2026, 11, 22))
        rows = {r["obligation"]: r for r in store.rows("compliance")}
    assert rows["plan_posted"]["status"] != "overdue"
    assert rows["plan_posted"]["done_source"] != "crawler"


@pytest.mark.parametrize(
    ("status", "error", "why"),
    [
        ("site_unreachable", "dns", "сайт недоступен: dns"),
        ("incomplete", "budget_pages", "поиск по сайту не завершён: budget_pages"),
        ("incomplete", "javascript", "поиск по сайту не завершён: javascript"),
        ("blocked_by_robots", "Disallow: /sveden/", "закрыт robots.txt: Disallow: /sveden/"),
    ],
)
def test_a_search_that_could_not_look_is_unknown_and_says_why(
    tmp_path: Path, status: str, error: str, why: str
) -> None:
    with _federal_store(tmp_path) as store:
        _observe(store, "r1", "2026-11-20T09:00:00Z", status, error=error)
        compute_compliance(store, D(2026, 11, 22))
        posted = next(r for r in store.rows("compliance") if r["obligation"] == "plan_posted")
    assert posted["status"] == "unknown" and posted["done_source"] != "crawler"
    assert why in posted["reason"]


def test_a_site_checked_and_without_the_plan_is_overdue(tmp_path: Path) -> None:
    with _federal_store(tmp_path) as store:
        _observe(store, "r1", "2026-11-20T09:00:00Z", "not_found")
        compute_compliance(store, D(2026, 11, 22))
        posted = next(r for r in store.rows("compliance") if r["obligation"] == "plan_posted")
    assert (posted["status"], posted["done_source"]) == ("overdue", "crawler")
    assert "20.11.2026" in posted["reason"]


def test_an_outdated_plan_does_not_date_this_cycle(tmp_path: Path) -> None:
    with _federal_store(tmp_path) as store:
        _observe(store, "r1", "2026-11-20T09:00:00Z", "outdated", declared="2014-03-04")
        compute_compliance(store, D(2026, 11, 22))
        approved = next(r for r in store.rows("compliance") if r["obligation"] == "plan_approved")
    assert approved["status"] != "invalid_data" and approved["done_date"] != "2014-03-04"


def test_sightings_from_a_later_assessment_cycle_do_not_judge_an_old_report(tmp_path: Path) -> None:
    with Store(tmp_path / "nokwatch.db") as store:
        import_report(store, REPORT)
        store.add_observations(
            [
                {
                    "run_id": "r1",
                    "institution_id": "tom-2014-01",
                    "item": "improvement_plan",
                    "status": "not_found",
                    "checked_at": "2026-11-20T09:00:00Z",
                }
            ]
        )
        compute_compliance(store, AS_OF)
        posted = next(
            r
            for r in store.rows(
                "compliance", "institution_id = 'tom-2014-01' AND obligation = 'plan_posted'"
            )
        )
    assert (posted["status"], posted["days_late"], posted["done_source"]) == ("late", 35, R)


@pytest.mark.parametrize(
    ("closed_at", "expected"),
    [
        # Approval due by 02.05.2024 at the latest and posting by 13.05.2024: a closing on
        # 20.02.2024 or 05.03.2024 comes before either could be owed for certain. The standing
        # duty (a means to give an opinion) was never checked before the closing.
        ("2024-02-20", {"opinion_means": "unknown"}),
        ("2024-03-05", {"opinion_means": "unknown"}),
        # Closed long after: judged as of the closing, 01.06.2024 — posting overdue then.
        (
            "2024-06-01",
            {"plan_approved": "unknown", "plan_posted": "overdue", "opinion_means": "unknown"},
        ),
    ],
)
def test_a_closed_institution_is_judged_as_of_its_closing(
    tmp_path: Path, closed_at: str, expected: dict
) -> None:
    with _federal_store(tmp_path) as store:
        store.upsert("institutions", [{"id": "fed-1", "closed_at": closed_at}], merge=True)
        _observe(store, "r1", "2024-05-20T09:00:00Z", "not_found")
        compute_compliance(store, D(2026, 11, 22))
        rows = {r["obligation"]: r["status"] for r in store.rows("compliance")}
    assert rows == expected


SPRING_2020 = (
    "id,name,region,sphere,founder,website,received,sent,approved,posted,source_line\n"
    "t-1,Школа,RU-TOM,education,Департамент,http://t-1.example/,20.02.2020,06.03.2020,"
    "20.04.2020,24.04.2020,1\n"
)


def _spring_2020(tmp_path: Path, profiles: dict | None = None) -> dict[str, dict]:
    path = tmp_path / "report.csv"
    path.write_text(SPRING_2020, encoding="utf-8")
    with Store(tmp_path / "nokwatch.db") as store:
        import_report(store, path, source="tomsk-2014-report")
        compute_compliance(store, AS_OF, profiles=profiles)
        return {r["obligation"]: r for r in store.rows("compliance")}


def test_the_decree_days_do_not_move_the_end_of_a_period(tmp_path: Path) -> None:
    # Sent 06.03.2020 + 30 days = 05.04 (Sunday) → 06.04.2020; approved 20.04: 14 days late.
    approved = _spring_2020(tmp_path)["plan_approved"]
    assert (approved["due_date"], approved["status"], approved["days_late"]) == (
        "2020-04-06",
        "late",
        14,
    )
    assert "decree-days-working" in approved["methodology"]
    assert "ВС РФ" in approved["methodology"]


def test_a_profile_may_choose_the_other_reading_explicitly(tmp_path: Path) -> None:
    text = (Path(PROFILE_DIR) / "tomsk-2013.yaml").read_text(encoding="utf-8")
    (tmp_path / "tomsk-2013.yaml").write_text(
        text + 'calendar: {decree_days: "off"}\n', encoding="utf-8"
    )
    profiles = {"tomsk-2013": load_profile(tmp_path / "tomsk-2013.yaml")}
    approved = _spring_2020(tmp_path, profiles)["plan_approved"]
    assert (approved["due_date"], approved["status"]) == ("2020-05-12", "on_time")
    assert "decree-days-off" in approved["methodology"]
