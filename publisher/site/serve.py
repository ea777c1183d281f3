"""Serving a release with Datasette, read-only (immutable), with nokwatch's templates and plugin."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from publisher.errors import PublishError
from publisher.release.build import SITE_DB
from publisher.site import PLUGINS, TEMPLATES

SETTINGS = {
    "suggest_facets": "off",  # suggestions run a query per column: too slow on a million rows
    "default_facet_size": "30",
    "facet_time_limit_ms": "1000",
    "sql_time_limit_ms": "3000",
    "default_page_size": "50",
}


def datasette_command(release: Path, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    """The datasette command line that serves the release (or publication) folder ``release``."""
    folder = Path(release).resolve()
    database = folder / SITE_DB
    if not database.exists():
        raise PublishError(f"{database}: нет файла (does not exist): run `nokwatch publish` first")
    command = [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        "-i",
        str(database),
        "--metadata",
        str(folder / "metadata.json"),
        "--host",
        host,
        "--port",
        str(port),
        "--template-dir",
        str(TEMPLATES),
        "--plugins-dir",
        str(PLUGINS),
    ]
    for name, value in SETTINGS.items():
        command += ["--setting", name, value]
    return command


def serve(release: Path, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Replace this process with Datasette serving ``release`` until interrupted."""
    command = datasette_command(release, host, port)
    os.execv(command[0], command)
