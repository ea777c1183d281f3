"""Packages on disk: national and regional, valid, partitioned by region, zipped, formula-safe."""

from __future__ import annotations

import csv
import hashlib
import json
import zipfile
from datetime import date
from pathlib import Path

import frictionless
import pytest

from publisher.csvsafe import neutralise
from publisher.release.build import Publication
from publisher.release.packages import text_fields
from tests.publishing_data import FORMULA_NAME, published_once


def release_date(release: Publication) -> str:
    """The day a release was made (its ``created`` timestamp's date)."""
    return json.loads((release.out / "release.json").read_text("utf-8"))["created"][:10]


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Publication:
    return published_once(tmp_path_factory.getbasetemp() / "publishing")


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_one_package_per_region_each_valid(release: Publication) -> None:
    # Publishing validates regional packages by descriptor and integrity only (docs/data.md):
    # the full frictionless validation of every one of them here proves the construction.
    assert release.packages == (
        "datapackage.json",
        "regions/RU-OMS/datapackage.json",
        "regions/RU-TOM/datapackage.json",
    )
    for relative in release.packages:
        report = frictionless.validate(str(release.out / relative))
        assert report.valid, report.flatten(["type", "message"])
    tom = json.loads((release.out / "regions/RU-TOM/datapackage.json").read_text("utf-8"))
    assert tom["name"] == "nokwatch-ru-tom" and tom["x-region"] == "RU-TOM"
    assert "Томская область" in tom["title"] and tom["version"] == release.version
    assert tom["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"


@pytest.mark.parametrize(
    "resource", ["institutions", "observations", "compliance", "findings", "obligations", "changes"]
)
def test_regional_packages_partition_the_national_rows(release: Publication, resource: str) -> None:
    # Profile-wide obligations (no institution) are national only, like the national KPI rows.
    national = [
        r for r in _rows(release.out / "data" / f"{resource}.csv") if r.get("institution_id", "-")
    ]
    regional = [
        row
        for region in ("RU-OMS", "RU-TOM")
        for row in _rows(release.out / "regions" / region / "data" / f"{resource}.csv")
    ]
    assert national and sorted(map(str, national)) == sorted(map(str, regional))


def test_every_regional_package_carries_all_crawls_and_no_national_kpi(
    release: Publication,
) -> None:
    crawls = _rows(release.out / "data" / "crawls.csv")
    tom = release.out / "regions" / "RU-TOM" / "data"
    assert _rows(tom / "crawls.csv") == crawls
    assert {row["region"] for row in _rows(tom / "kpi.csv")} == {"RU-TOM"}
    assert "RU" in {row["region"] for row in _rows(release.out / "data" / "kpi.csv")}


def test_descriptors_carry_size_hash_licence_and_methodology(release: Publication) -> None:
    descriptor = json.loads(release.descriptor.read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        content = (release.out / resource["path"]).read_bytes()
        assert resource["bytes"] == len(content)
        assert resource["hash"] == "sha256:" + hashlib.sha256(content).hexdigest()
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["x-methodology"] == {
        "verdicts": ["tomsk-2013@1; test"],
        "detectors": ["detectors-1"],
    }


def test_each_package_is_zipped_and_the_zip_validates(release: Publication, tmp_path: Path) -> None:
    manifest = json.loads((release.out / "release.json").read_text(encoding="utf-8"))
    assert [p["zip"] for p in manifest["packages"]] == [
        f"downloads/{name}-{release.version}.zip"
        for name in ("nokwatch", "nokwatch-ru-oms", "nokwatch-ru-tom")
    ]
    with zipfile.ZipFile(release.out / manifest["packages"][2]["zip"]) as archive:
        archive.extractall(tmp_path)
    assert frictionless.validate(str(tmp_path / "datapackage.json")).valid
    assert len(_rows(tmp_path / "data" / "institutions.csv")) == 3


def test_a_name_that_is_a_formula_is_neutralised_in_the_csv(release: Publication) -> None:
    names = {row["id"]: row["name"] for row in _rows(release.out / "data" / "institutions.csv")}
    assert names["tom-2"] == "'" + FORMULA_NAME
    compliance = _rows(release.out / "data" / "compliance.csv")
    released = date.fromisoformat(release_date(release))
    overdue = str((released - date(2026, 3, 10)).days)  # counted to the release date
    assert {(row["status"], row["days_late"]) for row in compliance} == {
        ("on_time", ""),
        ("late", "5"),
        ("overdue", overdue),
    }
    assert {row["institution_id"]: row["name"] for row in compliance}["oms-1"] == "КЦСОН «Забота»"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+2", "'=1+2"),
        ("+7 999", "'+7 999"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("МБОУ = школа", "МБОУ = школа"),
        ("", ""),
    ],
)
def test_neutralise(value: str, expected: str) -> None:
    assert neutralise(value) == expected


def test_only_free_text_columns_are_neutralised() -> None:
    assert "name" in text_fields("institutions")
    assert "sphere" not in text_fields("institutions")  # an enum: our own codes
    assert "days_late" not in text_fields("compliance")  # a number stays a number
