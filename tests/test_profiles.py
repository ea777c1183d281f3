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
        else:
            assert isinstance(rule.period, NoDeadline)


def test_tomsk_obligation_ids() -> None:
    judged = [r.obligation for r in load_profiles()["tomsk-2013"].rules if r.done_event]
    assert judged == ["proposals_sent", "plan_approved", "plan_posted"]


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
