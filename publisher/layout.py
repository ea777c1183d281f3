"""The data directory's layout: the one module that names its files and folders.

The ``Workspace`` (``nokwatch.workspace``) holds a ``Layout``; lower layers receive one (or the
path it gives them) and never spell a path of the data directory themselves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT = Path("data")
ENVIRONMENT = "NOKWATCH_DATA_DIR"


@dataclass(frozen=True)
class Layout:
    """Where everything of one data directory lives."""

    root: Path

    @classmethod
    def resolve(cls, path: str | os.PathLike[str] | None = None) -> Layout:
        """The given directory, else ``$NOKWATCH_DATA_DIR``, else ``./data`` (made absolute)."""
        return cls(Path(path or os.environ.get(ENVIRONMENT) or DEFAULT).absolute())

    @property
    def store(self) -> Path:
        """The SQLite store of everything observed and judged."""
        return self.root / "nokwatch.db"

    @property
    def evidence(self) -> Path:
        """Content-addressed copies of the documents findings rest on."""
        return self.root / "evidence"

    def evidence_file(self, sha256: str, extension: str) -> Path:
        """One stored copy, relative to the data directory: ``evidence/ab/<sha256>.<ext>``."""
        return Path(self.evidence.name) / sha256[:2] / f"{sha256}.{extension}"

    @property
    def releases(self) -> Path:
        """Published releases, one folder per version, never overwritten."""
        return self.root / "releases"

    @property
    def latest(self) -> Path:
        """The link to the newest release."""
        return self.releases / "latest"

    @property
    def crawl_jobs(self) -> Path:
        """One folder per crawl run: its registry slice, log and Scrapy stats."""
        return self.root / "crawl-jobs"

    def crawl_job(self, run_id: str) -> Path:
        """The folder of one crawl run."""
        return self.crawl_jobs / run_id

    @property
    def dispute_tokens(self) -> Path:
        """Who may file disputes through the web form: tokens per region (YAML, kept private)."""
        return self.root / "dispute-tokens.yaml"

    @property
    def notices(self) -> Path:
        """Notices written by ``nokwatch notice`` when no ``--out`` is given."""
        return self.root / "notices"

    @property
    def scheduler_db(self) -> Path:
        """The scheduled service's job store and history."""
        return self.root / "scheduler.db"

    @property
    def service_lock(self) -> Path:
        """Held by the one service running on this directory."""
        return self.root / "service.lock"

    @property
    def logs(self) -> Path:
        """The service's and Datasette's logs."""
        return self.root / "logs"

    @property
    def service_log(self) -> Path:
        """The scheduled service's structured log (JSON lines, rotated)."""
        return self.logs / "service.log"

    @property
    def datasette_log(self) -> Path:
        """The output of the Datasette beside the service."""
        return self.logs / "datasette.log"
