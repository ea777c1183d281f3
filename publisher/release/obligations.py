"""The ``obligations`` resource: what each institution must do, by when, on what legal basis.

Derived from the deadline engine's ``compliance`` rows (their due dates) and the regulation
profiles (who must act, what the rule says, the period as the regulation writes it), plus the
duties of profiles that select no institution (``profile_obligations``), published profile-wide.
"""

from __future__ import annotations

from collections.abc import Iterator

from publisher.deadlines.compliance import profile_obligations
from publisher.deadlines.profiles import Profile, load_profiles
from publisher.store import Store


def _rule_fields(profile: Profile | None, obligation: str) -> dict:
    if profile is None:
        return {}
    try:
        rule = profile.rule(obligation)
    except KeyError:
        return {"document": profile.document}
    return {
        "who": rule.who,
        "description": rule.description,
        "period_text": rule.period_text,
        "document": profile.document,
        "note": rule.note or None,
        "confirmed": rule.confirmed,
    }


def obligation_rows(store: Store, profiles: dict[str, Profile] | None = None) -> Iterator[dict]:
    """One row per compliance row: its due date and the rule behind it, without the verdict."""
    profiles = profiles if profiles is not None else load_profiles()
    for row in store.rows("compliance"):
        yield {
            "institution_id": row["institution_id"],
            "profile": row["profile"],
            "obligation": row["obligation"],
            "period": row["period"],
            "trigger_date": row["trigger_date"],
            "due_date": row["due_date"],
            "legal_basis": row["legal_basis"],
            "judged": row["status"] != "not_judged",
            **_rule_fields(profiles.get(row["profile"]), row["obligation"]),
        }
    yield from profile_obligations(profiles)
