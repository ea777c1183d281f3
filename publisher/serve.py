"""Serving a publication with Datasette, read-only (immutable)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from publisher.errors import PublishError
from publisher.publish import SITE_DB


def datasette_command(out: Path, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    """The datasette command line that serves the publication in ``out``."""
    database = Path(out) / SITE_DB
    if not database.exists():
        raise PublishError(f"{database} does not exist: run `nokwatch publish` first")
    return [sys.executable, "-m", "datasette", "serve", "-i", str(database),
            "--metadata", str(Path(out) / "metadata.json"), "--host", host, "--port", str(port),
            "--setting", "suggest_facets", "off", "--setting", "default_facet_size", "30"]


def serve(out: Path, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Replace this process with Datasette serving ``out`` until interrupted."""
    command = datasette_command(out, host, port)
    os.execv(command[0], command)
