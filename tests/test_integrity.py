"""Regional packages' integrity checks: they pass where frictionless passes and catch a bad split."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import frictionless
import pytest

from publisher.release.build import Publication
from publisher.release.integrity import partition_errors, regional_errors
from publisher.release.packages import file_digest
from tests.publishing_data import published_once


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Publication:
    return published_once(tmp_path_factory.getbasetemp() / "publishing")


def _national_schemas(release: Publication) -> dict[str, dict]:
    resources = json.loads(release.descriptor.read_text("utf-8"))["resources"]
    return {r["name"]: r["schema"] for r in resources}


def _rows(release: Publication, region: str) -> dict[str, int]:
    manifest = json.loads((release.out / "release.json").read_text("utf-8"))
    return next(p["rows"] for p in manifest["packages"] if p["region"] == region)


@pytest.fixture
def tom(release: Publication, tmp_path: Path) -> Path:
    """A copy of the Tomsk package to tamper with."""
    shutil.copytree(release.out / "regions" / "RU-TOM", tmp_path / "RU-TOM")
    return tmp_path / "RU-TOM" / "datapackage.json"


def _append(descriptor: Path, resource: str, line: str) -> None:
    """Append a CSV line to a resource and describe the new file (so only the content is wrong)."""
    data = json.loads(descriptor.read_text("utf-8"))
    entry = next(r for r in data["resources"] if r["name"] == resource)
    path = descriptor.parent / entry["path"]
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    entry.update(bytes=path.stat().st_size, hash=f"sha256:{file_digest(path)}")
    descriptor.write_text(json.dumps(data, ensure_ascii=False), "utf-8")


@pytest.mark.parametrize("region", ["RU-OMS", "RU-TOM"])
def test_a_published_regional_package_passes_like_it_does_frictionless(
    release: Publication, region: str
) -> None:
    path = release.out / "regions" / region / "datapackage.json"
    assert frictionless.validate(str(path)).valid
    assert regional_errors(path, _rows(release, region), _national_schemas(release)) == []


def test_a_changed_byte_is_caught_by_size_and_hash(release: Publication, tom: Path) -> None:
    csv_path = tom.parent / "data" / "institutions.csv"
    csv_path.write_bytes(csv_path.read_bytes().replace(b"tom-1", b"tom-9"))
    errors = regional_errors(tom, _rows(release, "RU-TOM"), _national_schemas(release))
    assert len(errors) == 1 and "SHA-256" in errors[0]


def test_a_foreign_key_outside_the_region_is_caught(release: Publication, tom: Path) -> None:
    _append(tom, "findings", "oms-1,survey_form,live" + "," * 12)
    errors = regional_errors(tom, _rows(release, "RU-TOM"), _national_schemas(release))
    assert any("('oms-1',) is not in the region" in e for e in errors)
    assert any("rows on disk" in e for e in errors)  # one more than the writer counted


def test_a_table_schema_that_drifted_is_caught(release: Publication, tom: Path) -> None:
    schemas = _national_schemas(release)
    schemas["kpi"] = {**schemas["kpi"], "fields": schemas["kpi"]["fields"][:-1]}
    assert "table schemas differ" in regional_errors(tom, _rows(release, "RU-TOM"), schemas)[0]


def test_invalid_metadata_is_caught_by_frictionless(release: Publication, tom: Path) -> None:
    data = json.loads(tom.read_text("utf-8"))
    data["resources"][0]["schema"]["fields"][0]["type"] = "no-such-type"
    tom.write_text(json.dumps(data), "utf-8")
    errors = regional_errors(tom, _rows(release, "RU-TOM"), _national_schemas(release))
    assert errors and str(tom) in errors[0]


def test_regions_must_add_up_to_the_national_rows() -> None:
    national = {"observations": 10, "crawls": 2, "kpi": 5}
    regions = [
        {"observations": 6, "crawls": 2, "kpi": 2},
        {"observations": 4, "crawls": 2, "kpi": 2},
    ]
    assert partition_errors(national, regions, {"kpi": 1}) == []
    lost = [{"observations": 6, "crawls": 2, "kpi": 2}, {"observations": 3, "crawls": 1, "kpi": 2}]
    errors = partition_errors(national, lost, {"kpi": 1})
    assert [e.split(":")[0] for e in errors] == ["observations", "crawls"]
