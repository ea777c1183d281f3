"""The Datasette database and its metadata: derived from the descriptors, indexed, queryable."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

import datapackages
from publisher.release.build import Publication
from publisher.site.database import build_site_db, compound_indexes, facet_columns, site_columns
from publisher.site.metadata import canned_queries
from tests.publishing_data import FORMULA_NAME, published_once


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Publication:
    return published_once(tmp_path_factory.getbasetemp() / "publishing")


@pytest.fixture
def db(release: Publication) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(f"file:{release.database}?mode=ro", uri=True)
    yield connection
    connection.close()


def _query(db: sqlite3.Connection, name: str, **params: str) -> list[dict]:
    cursor = db.execute(canned_queries()[name]["sql"], params)
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor]


@pytest.mark.parametrize("name", datapackages.resource_names())
def test_tables_match_the_table_schemas(db: sqlite3.Connection, name: str) -> None:
    columns = [row[1] for row in db.execute(f'PRAGMA table_info("{name}")')]
    assert columns == site_columns(name)
    assert columns[: len(datapackages.field_names(name))] == datapackages.field_names(name)
    indexed = {row[1] for row in db.execute(f'PRAGMA index_list("{name}")')}
    assert {f"{name}_{column}" for column in facet_columns(name)} <= indexed


def test_rows_are_typed_and_joined_to_their_institution(db: sqlite3.Connection) -> None:
    row = db.execute(
        "SELECT http_status, region, sphere FROM observations WHERE institution_id ="
        " 'oms-1' LIMIT 1"
    ).fetchone()
    assert row == (None, "RU-OMS", "social")
    assert db.execute(
        "SELECT typeof(days_late) FROM compliance WHERE days_late IS NOT NULL"
    ).fetchone() == ("integer",)
    assert db.execute(
        "SELECT violation FROM changes WHERE institution_id = 'tom-2'"
    ).fetchone() == (1,)


def test_names_are_searchable_and_formula_safe(db: sqlite3.Connection) -> None:
    found = db.execute(
        "SELECT i.id FROM institutions_fts f JOIN institutions i ON i.rowid ="
        " f.rowid WHERE institutions_fts MATCH 'Забота'"
    ).fetchall()
    assert found == [("oms-1",)]
    name = db.execute("SELECT name FROM institutions WHERE id = 'tom-2'").fetchone()[0]
    assert name == "'" + FORMULA_NAME  # Datasette's own CSV export is as safe as the package's


def test_canned_queries_answer(db: sqlite3.Connection) -> None:
    overdue = {r["Регион"]: r for r in _query(db, "overdue_plans_by_region")}
    assert (overdue["RU-OMS"]["Просрочено"], overdue["RU-OMS"]["С опозданием"]) == (1, 1)
    assert overdue["RU-TOM"]["Просрочено"] == 1
    no_form = {r["id"]: r["survey_form"] for r in _query(db, "no_live_survey_form")}
    assert no_form == {
        "tom-1": "broken",
        "tom-2": "broken",
        "oms-1": "not_found",
        "oms-2": "site_unreachable",
    }
    assert [r["id"] for r in _query(db, "wrong_bus_gov_card")] == ["oms-1"]
    ranking = _query(db, "region_ranking")
    # shares are of checked sites: oms-2 could not be checked, so it is out of RU-OMS's shares
    assert [(r["Место"], r["Регион"], r["Проверено сайтов"]) for r in ranking] == [
        (1, "RU-OMS", "1 из 2"),
        (1, "RU-TOM", "2 из 2"),
    ]
    worst = _query(db, "worst_offenders", region="")
    assert [r["Дней просрочки"] for r in worst] == sorted(
        (r["Дней просрочки"] for r in worst), reverse=True
    )
    assert worst and all(r["Дней просрочки"] > 0 for r in worst)
    assert {r["Регион"] for r in _query(db, "worst_offenders", region="RU-TOM")} == {"RU-TOM"}
    changes = _query(db, "changes_since_last_release")
    assert changes[0]["violation"] == 1
    assert {(r["institution_id"], r["subject"]) for r in _query(db, "new_violations")} == {
        ("tom-2", "tomsk-2013:plan_posted"),
        ("tom-1", "survey_form"),
    }


def test_metadata_describes_every_column_and_carries_the_licence(release: Publication) -> None:
    metadata = json.loads((release.out / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["license"] == "Creative Commons Attribution 4.0"
    assert metadata["source"] and metadata["license_url"].startswith("https://creativecommons")
    tables = metadata["databases"]["nokwatch"]["tables"]
    assert set(tables) == set(datapackages.resource_names())
    for name, table in tables.items():
        assert table["title"] and table["description"]
        assert list(table["columns"]) == site_columns(name)
        assert all(len(text) > 3 for text in table["columns"].values())
    assert tables["findings"]["facets"][:3] == ["region", "sphere", "founder"]
    # a million rows: two facets by default, the others one click away (and indexed)
    assert tables["observations"]["facets"] == ["region", "status"]
    assert tables["observations"]["columns"]["region"].endswith("(из реестра учреждений)")
    queries = metadata["databases"]["nokwatch"]["queries"]
    assert set(queries) == set(canned_queries()) and len(queries) == 7
    assert all(q["license_url"] == metadata["license_url"] for q in queries.values())
    assert all(
        q["title"] and q["description"] and q["sql"].startswith(("SELECT", "WITH"))
        for q in queries.values()
    )


def test_a_big_table_answers_filtered_facets_from_its_indexes(
    release: Publication, tmp_path: Path
) -> None:
    path = tmp_path / "big.db"
    build_site_db(release.out, path, big_table=1)  # every table counts as big here
    db = sqlite3.connect(path)
    indexed = {row[1] for row in db.execute('PRAGMA index_list("observations")')}
    assert {"observations_status_region", "observations_item_status"} <= indexed
    assert ("status", "run_id", "institution_id", "item") in compound_indexes("observations")
    # the queries Datasette runs for ?status=broken: facet counts and the first page, in key order
    facet = (
        "SELECT region, count(*) FROM (SELECT * FROM observations WHERE status = 'broken')"
        " WHERE region IS NOT NULL GROUP BY region"
    )
    page = (
        "SELECT * FROM observations WHERE status = 'broken' ORDER BY run_id, institution_id, item"
    )
    plans = [" ".join(r[3] for r in db.execute("EXPLAIN QUERY PLAN " + q)) for q in (facet, page)]
    db.close()
    assert "COVERING INDEX observations_status_region" in plans[0]
    assert "observations_status_run_id_institution_id_item" in plans[1] and "TEMP" not in plans[1]


def test_home_page_figures_count_checked_sites_only(db: sqlite3.Connection) -> None:
    from publisher.site.pages import headline

    db.row_factory = sqlite3.Row
    figures = headline(db)
    # oms-2 could not be checked: 3 of 4 sites checked; tom-1's survey form broke in this release,
    # so none meets all three: a real 0 %, of checked sites
    assert (figures["institutions"], figures["checked"], figures["compliant"]) == (4, 3, 0)
    assert figures["share"] == 0.0 and figures["overdue"] == 2


def test_search_finds_institutions_and_findings_by_part_of_a_word(db: sqlite3.Connection) -> None:
    from publisher.site.pages import search

    db.row_factory = sqlite3.Row
    assert [r["id"] for r in search(db, "ЗАБОТ")["institutions"]] == ["oms-1"]
    assert {r["institution_id"] for r in search(db, "oms-1.example")["findings"]} == {"oms-1"}
    assert search(db, "за")["too_short"]
