"""Shared fixtures: a fresh store, a running fixture web."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nokwatch.demo import FixtureWeb, demo_sites
from publisher.store import Store

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def fresh_db(tmp_path: Path) -> Iterator[Store]:
    """An empty store in a temporary data directory."""
    store = Store(tmp_path / "data" / "nokwatch.db")
    yield store
    store.close()


@pytest.fixture(scope="session")
def demo_web() -> Iterator[FixtureWeb]:
    """The demo region's simulated sites, served on loopback for the whole session."""
    with FixtureWeb(demo_sites()) as web:
        yield web
