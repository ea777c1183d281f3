"""Publishing: the store → a validated Frictionless package → the SQLite database Datasette serves."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import frictionless

from publisher.datasette_meta import datasette_metadata
from publisher.errors import PublishError
from publisher.package import write_package
from publisher.sitedb import build_site_db
from publisher.store import Store

SITE_DB = "nokwatch.db"


@dataclass(frozen=True)
class Publication:
    """A published package on disk."""

    out: Path
    rows: dict[str, int]

    @property
    def descriptor(self) -> Path:
        return self.out / "datapackage.json"

    @property
    def database(self) -> Path:
        return self.out / SITE_DB


def validation_errors(descriptor: Path, limit: int = 20) -> list[str]:
    """What ``frictionless validate`` finds wrong with a package (empty when it is valid)."""
    report = frictionless.validate(str(descriptor))
    messages = [f"{error.type}: {error.message}" for error in report.errors]
    for task in report.tasks:
        messages.extend(f"{task.name}: {error.message}" for error in task.errors)
    return messages[:limit]


def publish(store: Store, out: Path) -> Publication:
    """Write, validate and load the package into ``out``; PublishError if it does not validate."""
    out = Path(out)
    written = write_package(store, out)
    errors = validation_errors(written.path)
    if errors:
        raise PublishError(f"{written.path} does not validate:\n  " + "\n  ".join(errors))
    names = list(written.rows)
    build_site_db(store, out / SITE_DB, names)
    metadata = datasette_metadata(SITE_DB.removesuffix(".db"), names)
    (out / "metadata.json").write_text(json.dumps(metadata, ensure_ascii=False, indent=2), "utf-8")
    return Publication(out, written.rows)
