"""The release CHANGELOG lists what the bus.gov.ru sync recorded since the previous release."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.registry.busgov.sync import sync_registry
from publisher.registry.local import set_local_value
from publisher.release.build import publish
from publisher.store import Store
from tests.busgov_samples import sample_institution, write_zip
from tests.publishing_data import sample_store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = sample_store(tmp_path / "data")
    yield opened
    opened.close()


def _changelog(store: Store) -> str:
    return (publish(store).out / "CHANGELOG.md").read_text(encoding="utf-8")


def test_registry_changes_since_the_previous_release_are_in_its_changelog(store, tmp_path) -> None:
    sync_registry(store, write_zip(tmp_path / "a.zip", [sample_institution(1)]))
    assert "Реестр bus.gov.ru" not in _changelog(store)  # a first release lists no changes
    v2 = [sample_institution(1, version=2, founder="Администрация Города Томска")]
    sync_registry(store, write_zip(tmp_path / "b.zip", [*v2, sample_institution(2)]))
    text = _changelog(store)
    assert "## Реестр bus.gov.ru: новые учреждения (1)" in text
    assert "- RU-TOM · Муниципальное бюджетное" in text and "(`bus-69000002`)" in text
    assert "## Реестр bus.gov.ru: изменённые сведения (1)" in text
    founder = (
        "founder: Департамент общего образования Томской области → Администрация Города Томска"
    )
    assert f"(`bus-69000001`) — {founder}" in text
    set_local_value(store, "bus-69000002", "website", "https://school2.tomsk.ru")
    later = [v2[0], sample_institution(2, version=2, www="school2.org")]
    sync_registry(store, write_zip(tmp_path / "c.zip", later), complete=True)
    text = _changelog(store)
    assert "новые учреждения" not in text and "изменённые сведения" not in text
    assert "## Реестр bus.gov.ru: расхождения с местными значениями (1)" in text
    sync_registry(store, write_zip(tmp_path / "d.zip", [v2[0]]), complete=True)
    text = _changelog(store)
    assert "## Реестр bus.gov.ru: закрытые учреждения (1)" in text and "bus-69000002" in text
