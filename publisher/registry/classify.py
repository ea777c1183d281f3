"""Where a register institution belongs: region (from OKTMO) and sphere (from OKVED or name).

Region: the longest ``oktmo_prefix`` of ``data/regions.csv`` that starts the OKTMO code. Two digits
name the region (the OKATO/OKTMO region code); the autonomous okrugs inside a region have three
(Nenets 118 inside Arkhangelsk 11, Khanty-Mansi 718 and Yamal-Nenets 719 inside Tyumen 71).

Sphere, first rule that decides:
1. the main OKVED code: 85 education (but 85.41 "дополнительное образование" with a sports name is
   sport), 86 health, 87-88 social, 90-91 culture, 93.1 sport;
2. the full name, by keywords, in this order: sport, social, education, health, culture (so
   "спортивная школа" is sport and "школа-интернат" is education, "дом-интернат" social);
3. otherwise none: the institution is outside the registry's five spheres and is not imported
   (the sync counts it as out of scope). There is no fallback guess.
"""

from __future__ import annotations

import csv
import re
from functools import cache

from publisher.vocab import DATA

_OKVED_SPHERES = (
    ("85", "education"),
    ("86", "health"),
    ("87", "social"),
    ("88", "social"),
    ("90", "culture"),
    ("91", "culture"),
    ("93.1", "sport"),
)
_NAME_SPHERES = (
    ("sport", r"спорт|физкультур|физической культур|олимпийск|стадион|бассейн"),
    ("social", r"социальн|дом-интернат|психоневрологическ|для престарелых|реабилитационн"),
    (
        "education",
        r"школ|гимнази|лице[йя]|детский сад|детского сада|образовательн|колледж|техникум",
    ),
    ("health", r"больниц|поликлиник|госпитал|диспансер|медицинск|здравоохранени|родильн|санатори"),
    ("culture", r"культур|библиотек|музе[йя]|театр|филармони|концертн|клуб|цирк"),
)
_NAME_PATTERNS = tuple((sphere, re.compile(pattern)) for sphere, pattern in _NAME_SPHERES)


@cache
def _prefixes() -> tuple[tuple[str, str], ...]:
    """(OKTMO prefix, ISO code) pairs, longest prefix first."""
    with (DATA / "regions.csv").open(encoding="utf-8", newline="") as handle:
        pairs = [(row["oktmo_prefix"], row["code"]) for row in csv.DictReader(handle)]
    return tuple(sorted((p for p in pairs if p[0]), key=lambda p: -len(p[0])))


def region_for_oktmo(oktmo: str | None) -> str | None:
    """The ISO 3166-2 code of the region an OKTMO code lies in; None if it names none we know."""
    code = (oktmo or "").strip()
    return _region_for_digits(code[:3]) if code.isdigit() else None


@cache
def _region_for_digits(start: str) -> str | None:
    for prefix, region in _prefixes():
        if start.startswith(prefix):
            return region
    return None


def _okved_sphere(okved: str, name: str) -> str | None:
    digits = okved.replace(".", "")
    for prefix, sphere in _OKVED_SPHERES:
        if digits.startswith(prefix.replace(".", "")):
            if sphere == "education" and digits.startswith("8541") and "спорт" in name:
                return "sport"
            return sphere
    return None


def sphere_for(okved: str | None, name: str | None) -> str | None:
    """The sphere of a register institution by the rules above; None when none decides."""
    text = (name or "").lower().replace("ё", "е")
    if okved:
        sphere = _okved_sphere(okved.strip(), text)
        if sphere:
            return sphere
    for sphere, pattern in _NAME_PATTERNS:
        if pattern.search(text):
            return sphere
    return None
