"""Every profile loads, every rule's period parses and counts, and every profile is documented."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from publisher.deadlines.periods import (
    RELATIVE,
    Fixed,
    NoDeadline,
    Recurring,
    Standing,
    Within,
    due_date,
    occurrences,
)
from publisher.deadlines.profiles import PROFILE_DIR, load_profile, load_profiles
from publisher.deadlines.workcalendar import default_calendar
from publisher.errors import ProfileError

DOCS = Path(__file__).parents[1] / "docs/profiles.md"
FILES = sorted(PROFILE_DIR.glob("*.yaml"))
EXPECTED = {"tomsk-2013", "mintrud-2016", "omsk-2013", "tula-2013", "federal-2018"}


def test_the_shipped_profiles() -> None:
    assert set(load_profiles()) == EXPECTED


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_rule_has_basis_description_and_a_countable_period(path: Path) -> None:
    profile = load_profile(path)
    assert profile.id == path.stem and profile.version
    for rule in profile.rules:
        assert rule.legal_basis and rule.description and rule.who
        if isinstance(rule.period, RELATIVE):
            assert due_date(rule.period, date(2014, 2, 21), default_calendar()) > date(2014, 2, 21)
        elif isinstance(rule.period, Fixed):
            assert due_date(rule.period, None, default_calendar()) >= rule.period.day
        elif isinstance(rule.period, Recurring):
            assert occurrences(rule.period, date(2013, 1, 1), date(2018, 12, 31))
        elif isinstance(rule.period, Standing):
            assert rule.period.first is None or rule.period.first.year >= 2013
        else:
            assert isinstance(rule.period, NoDeadline)


def test_tomsk_obligation_ids() -> None:
    judged = [r.obligation for r in load_profiles()["tomsk-2013"].rules if r.done_event]
    assert judged == ["proposals_sent", "plan_approved", "plan_posted"]


def test_tomsk_item_15_counts_from_the_undated_working_out_of_proposals() -> None:
    profile = load_profiles()["tomsk-2013"]
    assert profile.rule("proposals_sent").trigger == "proposals_considered"
    assert "19" in profile.rule("plan_execution_posted").legal_basis


def test_mintrud_items_8_and_9_count_from_the_councils_information_within_the_window() -> None:
    profile = load_profiles()["mintrud-2016"]
    for obligation in ("results_published", "plan_approved"):
        rule = profile.rule(obligation)
        assert rule.trigger == "council_information_received"
        assert isinstance(rule.period, Within) and rule.period.quarter == 4
    meetings = profile.rule("council_meetings").period
    assert len(occurrences(meetings, date(2016, 1, 1), date(2025, 12, 31))) == 12


def test_standing_duties_set_no_yearly_date() -> None:
    profiles = load_profiles()
    assert profiles["omsk-2013"].rule("media_support").period == Standing()
    assert profiles["tula-2013"].rule("information_posted").period == Standing(date(2013, 12, 31))


def test_omsk_iii_2_is_development_not_approval() -> None:
    profile = load_profiles()["omsk-2013"]
    assert "plan_approved" not in {r.obligation for r in profile.rules}
    assert profile.rule("plan_developed").description.startswith("Разработка")


def test_federal_marks_what_is_unconfirmed() -> None:
    assert not any(r.confirmed for r in load_profiles()["federal-2018"].rules)


@pytest.mark.parametrize("profile_id", sorted(EXPECTED))
def test_every_profile_is_documented(profile_id: str) -> None:
    headings = re.findall(r"^## (\S+)$", DOCS.read_text(encoding="utf-8"), flags=re.M)
    assert profile_id in headings, f"{profile_id} has no section in docs/profiles.md"


RULE = """profile: bad
version: "1"
title: t
document: d
rules:
  - {obligation: ok_rule, who: x, period: "2013 год", basis: {item: "1"}, description: d}
"""


@pytest.mark.parametrize(
    "replacement, message",
    [
        ('period: "когда-нибудь"', r"правило 2 \(second\).*не распознан"),
        ('period: "15 дней"', r"правило 2 \(second\).*trigger не указан"),
        ('period: "2013 год", trigger: "due:nothing"', r"неизвестное правило «nothing»"),
    ],
)
def test_errors_name_file_and_rule(tmp_path: Path, replacement: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    second = (
        f"  - {{obligation: second, who: x, {replacement}, basis: {{item: '2'}}, description: d}}\n"
    )
    path.write_text(RULE + second, encoding="utf-8")
    with pytest.raises(ProfileError, match=r"bad\.yaml.*" + message):
        load_profile(path)


def test_duplicate_obligation_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(RULE + RULE.splitlines()[-1] + "\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="уникальным snake_case"):
        load_profile(path)
