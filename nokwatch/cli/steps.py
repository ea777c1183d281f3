"""The steps of the main job as commands: ``crawl``, ``deadlines``, ``publish``, ``serve``, ``run``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from crawler.run import CrawlSummary
from nokwatch.cli.context import DEMO_HELP, pass_workspace, reported
from nokwatch.workspace import Workspace

# What a newcomer opens first once Datasette is up.
OPEN_FIRST = (
    ("/", "home: downloads, ready-made queries, chart"),
    ("/nokwatch/compliance?_facet=status", "verdicts per obligation"),
    ("/nokwatch/findings?_facet=item&_facet=status", "what the crawler found on each site"),
    ("/nokwatch/institutions", "the registry"),
)


def _finished(summary: CrawlSummary) -> None:
    """A run that failed as a whole (the proxy or uplink down) judged no site: exit 1."""
    if summary.status == "failed":
        raise click.ClickException(
            f"обход {summary.run_id} не состоялся (the crawl failed): {summary.note or 'see its log'}"
        )


@click.command()
@click.option("--region", "regions", multiple=True, help="Only this region (ISO code); repeatable.")
@click.option("--institution", "ids", multiple=True, help="Only this institution id; repeatable.")
@click.option("--demo/--no-demo", default=False, help=DEMO_HELP)
@click.option(
    "--resume",
    metavar="RUN_ID",
    default=None,
    help="Finish an interrupted run: audit only the sites it has not stored yet.",
)
@click.option(
    "--processes",
    type=click.IntRange(min=1),
    default=None,
    help="Crawl processes on this machine (default: $NOKWATCH_PROCESSES or one per core).",
)
@click.option(
    "--broker",
    metavar="URL",
    envvar="NOKWATCH_BROKER",
    default=None,
    help="Send the run to `nokwatch worker`s on this Redis broker (redis://HOST:PORT/DB) and "
    "store their results here.",
)
@pass_workspace
def crawl(
    ws: Workspace,
    regions: tuple[str, ...],
    ids: tuple[str, ...],
    demo: bool,
    resume: str | None,
    processes: int | None,
    broker: str | None,
) -> None:
    """Check institution websites now and store what was seen (honours http_proxy).

    Example: nokwatch crawl --region RU-TOM --institution tom-2014-05
    """
    with reported():
        summary = ws.crawl(
            regions, ids, demo=demo, resume=resume, processes=processes, broker=broker or None
        )
        _finished(summary)


@click.command()
@click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Judge deadlines as of this date (default: today).",
)
@pass_workspace
def deadlines(ws: Workspace, as_of: datetime | None) -> None:
    """Compute due dates and verdicts for every obligation.

    Example: nokwatch deadlines --as-of 2014-05-01
    """
    with reported():
        ws.deadlines(as_of.date() if as_of else None)


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also copy the release here (DIR/datapackage.json is the national package).",
)
@click.option(
    "--keep",
    type=click.IntRange(min=2),
    default=None,
    help="Then delete all but the N newest releases (default: keep every release).",
)
@pass_workspace
def publish(ws: Workspace, out: Path | None, keep: int | None) -> None:
    """Publish a new release: national and regional packages, validated, zipped, with Datasette.

    The release is written to DATA_DIR/releases/<version>/ (never overwritten) and
    DATA_DIR/releases/latest then points to it.

    Example: nokwatch publish --out site/
    """
    with reported():
        ws.publish(out, keep=keep)


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A release folder (or `publish --out` copy) to serve (default: the latest).",
)
@click.option("--release", "version", default=None, help="Serve this release version, e.g. 1.2.0.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@pass_workspace
def serve(ws: Workspace, out: Path | None, version: str | None, host: str, port: int) -> None:
    """Serve a release with Datasette, read-only (immutable), until Ctrl-C.

    Example: nokwatch serve --release 1.0.0 --port 8001
    """
    with reported():
        folder = ws.releases.folder(out or version)
        click.echo(f"Datasette: http://{host}:{port}/ (serving {folder.resolve()})")
        for path, what in OPEN_FIRST:
            click.echo(f"  http://{host}:{port}{path}  {what}")
        ws.serve(folder, host, port)


@click.command()
@click.option("--demo/--no-demo", default=False, show_default=True, help=DEMO_HELP)
@click.option("--serve/--no-serve", "then_serve", default=True, show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@click.pass_context
def run(click_ctx: click.Context, demo: bool, then_serve: bool, port: int) -> None:
    """The main job: crawl → deadlines → publish → serve.

    Example: nokwatch run --demo
    """
    ws: Workspace = click_ctx.find_object(Workspace)
    with reported():
        _finished(ws.crawl(demo=demo))
        ws.deadlines()
        ws.publish()
    if then_serve:
        click_ctx.invoke(serve, out=ws.releases.latest(), host="127.0.0.1", port=port)
