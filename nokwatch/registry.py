"""``Workspace.registry``: the registry of institutions, as a user of a data directory sees it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.registry.busgov.report import SyncReport
from publisher.registry.reports import ReportImport
from publisher.registry.table import ImportReport

if TYPE_CHECKING:
    from nokwatch.workspace import Workspace

PathLike = str | os.PathLike[str]


class Registry:
    """Imports (registry tables, regional reports), the bus.gov.ru sync, and local values."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def import_file(self, path: PathLike) -> ImportReport:
        """Import institutions from a registry table; bad rows are reported, good rows stored."""
        from publisher.registry.table import import_registry

        with self.workspace.store() as store:
            return import_registry(store, Path(path))

    def import_report(self, path: PathLike, source: str | None = None) -> ReportImport:
        """Import a region's report table (CSV or XLSX): institutions and their reported dates."""
        from publisher.registry.reports import import_report

        with self.workspace.store() as store:
            return import_report(store, Path(path), source)

    def sync(self, source: PathLike, complete: bool | None = None) -> SyncReport:
        """Follow the bus.gov.ru register (ZIP, XML, folder or passport URL), in one transaction."""
        from publisher.registry.busgov.sync import sync_registry

        with self.workspace.store() as store:
            return sync_registry(store, source, complete=complete)

    def set_local(self, institution_id: str, field: str, value: str, note: str = "") -> None:
        """Give an institution our own value of a register field; later syncs keep it."""
        from publisher.registry.local import set_local_value

        with self.workspace.store() as store:
            set_local_value(store, institution_id, field, value, note)

    def clear_local(self, institution_id: str, field: str) -> str | None:
        """Drop a local value; the register's last value (restored), if any."""
        from publisher.registry.local import clear_local_value

        with self.workspace.store() as store:
            return clear_local_value(store, institution_id, field)

    def local_values(self, conflicts_only: bool = False) -> list[dict]:
        """Every local value (only those the register disagrees with, if asked)."""
        from publisher.registry.local import local_overrides

        with self.workspace.store() as store:
            return local_overrides(store, conflicts_only=conflicts_only)
