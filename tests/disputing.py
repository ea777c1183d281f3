"""Helpers for dispute tests: an institution whose plan sits at an address no page links to."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from nokwatch import Workspace
from nokwatch.demo import FixtureWeb, SiteSpec
from nokwatch.demo.sites import UNLINKED_PLAN
from publisher.store import Store
from tests.crawling import FAST, registry

TODAY = date.today()
HIDDEN = SiteSpec(
    "shkola-hidden.fix.nokwatch.test",
    "Школа № 7 (тест)",
    "education",
    plan="unlinked",
    plan_approved=TODAY - timedelta(days=100),
)
PLAN_URL = HIDDEN.url.rstrip("/") + UNLINKED_PLAN
IID = "fix-0000"
REGION = "RU-NVS"


def hidden_plan_workspace(root: Path) -> Workspace:
    """A data directory whose one institution was assessed recently and hides its plan."""
    data = root / "data"
    data.mkdir(parents=True)
    registry(data, [HIDDEN])
    with Store(data / "nokwatch.db") as store:
        assessed = (TODAY - timedelta(days=130)).isoformat()
        store.db.execute("UPDATE institutions SET assessment_date = ?", (assessed,))
    return Workspace(data, bundled=False)


@contextlib.contextmanager
def hidden_web() -> Iterator[FixtureWeb]:
    """The hidden-plan site on loopback, with this process's proxy variables pointing at it."""
    with FixtureWeb([HIDDEN]) as web, pytest.MonkeyPatch.context() as patch:
        for name in ("http_proxy", "https_proxy"):
            patch.setenv(name, web.proxy_url)
        patch.setenv("no_proxy", "127.0.0.1,localhost")  # a test's own servers on loopback
        for name, value in FAST.items():
            patch.setenv(name, value)
        yield web


def verdict(ws: Workspace, obligation: str) -> dict:
    """The institution's verdict of one obligation."""
    with ws.store() as store:
        rows = store.rows("compliance", "institution_id = ? AND obligation = ?", [IID, obligation])
        return next(rows)


def dispute_rows(ws: Workspace) -> list[dict]:
    """Every row of the disputes log."""
    with ws.store() as store:
        return list(store.rows("disputes"))
