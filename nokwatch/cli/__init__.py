"""The ``nokwatch`` command line: thin commands over the Workspace.

Each command parses its options, calls one Workspace method, and turns library errors into a
message and an exit code (``context.reported``). The commands live by topic in this folder and are
gathered here; none of them imports another.
"""

from __future__ import annotations

from pathlib import Path

import click

from nokwatch.cli.context import reported
from nokwatch.cli.dispute import dispute
from nokwatch.cli.notice import notice
from nokwatch.cli.registry import registry, report
from nokwatch.cli.service import jobs, service
from nokwatch.cli.steps import crawl, deadlines, publish, run, serve
from nokwatch.cli.worker import worker
from nokwatch.workspace import Workspace
from publisher.version import __version__

__all__ = ["main", "reported"]


@click.group()
@click.version_option(__version__, prog_name="nokwatch")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Data directory (default: $NOKWATCH_DATA_DIR or ./data).",
)
@click.option("--empty", is_flag=True, help="Start a new data directory without the bundled data.")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, empty: bool) -> None:
    """nokwatch: who publishes what the НОК rules require, and when.

    Example: nokwatch run --demo
    """
    ctx.obj = Workspace(data_dir, bundled=not empty, echo=click.echo)


for command in (
    registry,
    report,
    crawl,
    deadlines,
    publish,
    serve,
    run,
    service,
    jobs,
    dispute,
    notice,
    worker,
):
    main.add_command(command)
