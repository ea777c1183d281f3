"""The data directory: where the store, evidence, releases and logs live, and what a new one holds.

A new data directory starts with the bundled data: the 23 Tomsk institutions of the 2014 report
(with the dates the region reported) and the simulated demo region served by the fixture web.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from nokwatch.demo import demo_registry_rows
from publisher.registry.table import import_rows
from publisher.store import Store

DEFAULT = Path("data")
BUNDLED = Path(__file__).resolve().parent.parent / "publisher" / "data"
TOMSK_REPORT = BUNDLED / "tomsk-2014-report.csv"


def resolve(path: str | os.PathLike[str] | None) -> Path:
    """The data directory (absolute): the given path, else $NOKWATCH_DATA_DIR, else ./data."""
    return Path(path or os.environ.get("NOKWATCH_DATA_DIR") or DEFAULT).absolute()


@dataclass
class Opened:
    """An open store, and what was loaded into it because the directory was new."""

    store: Store
    loaded: list[str] = field(default_factory=list)  # one line per bundled data set loaded


def open_store(data_dir: Path, empty: bool = False) -> Opened:
    """Open (creating if needed) the store of ``data_dir``; a new one gets the bundled data."""
    path = Path(data_dir) / "nokwatch.db"
    new = not path.exists()
    store = Store(path)
    opened = Opened(store)
    if new and not empty:
        opened.loaded = load_bundled(store)
    return opened


def load_bundled(store: Store) -> list[str]:
    """Load the Tomsk 2014 report and the demo region into the store; say what was loaded."""
    from publisher.deadlines.compliance import compute_compliance
    from publisher.registry.reports import import_report

    tomsk = import_report(store, TOMSK_REPORT)
    demo = import_rows(store, enumerate(demo_registry_rows(), start=2), "demo-region (simulated)")
    # The report's verdicts need no crawl: a first `nokwatch publish` already carries them.
    verdicts = compute_compliance(store, date.today())
    return [
        f"Tomsk 2014 report: {tomsk.institutions.inserted} institutions, {tomsk.events.inserted} "
        f"reported dates ({len(tomsk.warnings)} cells kept as defects)",
        f"simulated demo region RU-DEMO: {demo.stored.inserted} sites (fixture web)",
        f"{verdicts} verdicts from the reported dates and the registry (before any crawl)",
    ]
