"""The ``worker`` command: crawl shards of runs sent through a broker, on this machine."""

from __future__ import annotations

import click

from nokwatch.cli.context import pass_workspace, reported
from nokwatch.workspace import Workspace


@click.command()
@click.option(
    "--broker",
    metavar="URL",
    envvar="NOKWATCH_BROKER",
    required=True,
    help="The Redis broker the coordinator sends shards to (redis://HOST:PORT/DB).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=None,
    help="Shards crawled at once, each in a crawl process (default: one per core).",
)
@pass_workspace
def worker(ws: Workspace, broker: str, concurrency: int | None) -> None:
    """Crawl shards from `nokwatch crawl --broker` coordinators until stopped (SIGTERM, Ctrl-C).

    Evidence goes where the coordinator says ($NOKWATCH_EVIDENCE_URL overrides it on this machine,
    e.g. the shared folder mounted here); observations go back to the coordinator.

    Example: nokwatch worker --broker redis://10.0.0.5:6379/0 --concurrency 4
    """
    with reported():
        ws.worker(broker, concurrency)
