"""Helpers for crawler tests: a data directory with a registry, a crawl through a fixture web."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from nokwatch.demo import FixtureWeb, SiteSpec
from publisher.registry.table import import_rows, parse_institution
from publisher.store import Store
from tests.generated_sites import registry_rows

FAST = {"NOKWATCH_DOWNLOAD_TIMEOUT": "3"}  # the slow site's trickle is cut after 3 s, not 30


def registry(
    data_dir: Path, sites: list[SiteSpec], raw: dict[str, str] | None = None
) -> list[dict]:
    """Import the sites into the data directory's registry; ``raw`` id → website rows are stored as
    they are (the registry import would reject ``localhost``, a bus.gov.ru sync or an edit may not)."""
    rows = registry_rows(sites)
    with Store(data_dir / "nokwatch.db") as store:
        report = import_rows(store, enumerate(rows, start=2), "fixture")
        assert not report.errors, report.errors
        records = []
        for iid, website in (raw or {}).items():
            template = {
                **registry_rows([SiteSpec("placeholder.test", "Учреждение", "education")])[0]
            }
            record = parse_institution({**template, "id": iid}, "test")
            records.append({**record, "website": website})
        store.upsert("institutions", records)
    return rows


def proxy_env(web: FixtureWeb, **extra: str) -> dict[str, str]:
    """Environment for a crawl through the fixture web."""
    return {"http_proxy": web.proxy_url, "https_proxy": web.proxy_url, **FAST, **extra}


def observations(
    data_dir: Path, run_id: str | None = None
) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(institution_id, item) → (status, error), of one run or of all."""
    db = sqlite3.connect(data_dir / "nokwatch.db")
    where, params = ("WHERE run_id = ?", [run_id]) if run_id else ("", [])
    rows = db.execute(
        f"SELECT institution_id, item, status, error FROM observations {where}", params
    )
    result = {(i, item): (status, error) for i, item, status, error in rows}
    db.close()
    return result
