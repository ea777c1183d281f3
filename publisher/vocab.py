"""Controlled vocabularies of the registry: regions (ISO 3166-2) and spheres, with Russian names."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"

SPHERES: dict[str, tuple[str, ...]] = {
    "education": ("образование", "общее образование", "профессиональное образование"),
    "culture": ("культура",),
    "sport": ("спорт", "физическая культура и спорт", "физическая культура"),
    "health": ("здравоохранение", "охрана здоровья", "медицина"),
    "social": ("социальное обслуживание", "социальная защита", "социальные услуги"),
}


def _key(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("ё", "е").replace("Ё", "Е").lower().split())


@cache
def _regions() -> dict[str, str]:
    """Every accepted spelling (code, Russian name, English name) → ISO code."""
    lookup: dict[str, str] = {}
    with (DATA / "regions.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for spelling in (row["code"], row["name_ru"], row["name_en"]):
                lookup[_key(spelling)] = row["code"]
    return lookup


@cache
def region_names() -> dict[str, str]:
    """ISO code → Russian name."""
    with (DATA / "regions.csv").open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["name_ru"] for row in csv.DictReader(handle)}


@cache
def fictional_regions() -> frozenset[str]:
    """Regions of invented data (the demo): labelled as such, never in national figures."""
    with (DATA / "regions.csv").open(encoding="utf-8", newline="") as handle:
        return frozenset(r["code"] for r in csv.DictReader(handle) if r["fictional"] == "true")


def region_code(raw: str) -> str:
    """The ISO 3166-2 code for a code or a Russian/English region name; ValueError if unknown."""
    code = _regions().get(_key(raw))
    if code is None:
        raise ValueError(
            f"неизвестный регион «{raw}» (unknown region: use an ISO 3166-2 code such as RU-TOM)"
        )
    return code


def sphere_code(raw: str) -> str:
    """The sphere code for an English code or a Russian name; ValueError if unknown."""
    key = _key(raw)
    for code, names in SPHERES.items():
        if key == code or key in names:
            return code
    known = ", ".join(SPHERES)
    raise ValueError(f"неизвестная сфера «{raw}» (unknown sphere: one of {known})")
