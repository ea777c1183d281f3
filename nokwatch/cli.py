"""The ``nokwatch`` command line: thin commands over the library.

Each command parses its options, calls one library function, and turns library errors into a
message and an exit code.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import click

from nokwatch import __version__, datadir
from nokwatch.steps import crawl_step, deadline_step, publish_step
from publisher.errors import NokwatchError
from publisher.registry.table import RejectedRow
from publisher.store import Store, UpsertReport


class Context:
    """Global options shared by every command."""

    def __init__(self, data_dir: Path, empty: bool) -> None:
        self.data_dir = data_dir
        self.empty = empty

    @contextlib.contextmanager
    def store(self) -> Iterator[Store]:
        opened = datadir.open_store(self.data_dir, empty=self.empty)
        for line in opened.loaded:
            click.echo(f"new data directory {self.data_dir}: loaded {line}")
        try:
            yield opened.store
        finally:
            opened.store.close()

    def prepare(self) -> None:
        """Create the data directory, with the bundled data, before a step that opens it itself."""
        with self.store():
            return

    @property
    def publication(self) -> Path:
        """The latest release (``DATA_DIR/releases/latest``)."""
        return self.data_dir / "releases" / "latest"


pass_context = click.make_pass_decorator(Context)

DEMO_HELP = (
    "Offline demo: serve the simulated demo region on loopback and send every request through it; "
    "real sites are then recorded as unreachable (no network), never as absent."
)

# What a newcomer opens first once Datasette is up.
OPEN_FIRST = (
    ("/", "home: downloads, ready-made queries, chart"),
    ("/nokwatch/compliance?_facet=status", "verdicts per obligation"),
    ("/nokwatch/findings?_facet=item&_facet=status", "what the crawler found on each site"),
    ("/nokwatch/institutions", "the registry"),
)


@contextlib.contextmanager
def reported() -> Iterator[None]:
    """Turn library errors into a clear message and exit code 1."""
    try:
        yield
    except NokwatchError as exc:
        raise click.ClickException(str(exc)) from exc


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

    Example: nokwatch run
    """
    ctx.obj = Context(datadir.resolve(data_dir), empty)


@main.group()
def registry() -> None:
    """The registry of institutions.

    Example: nokwatch registry import institutions.csv
    """


@registry.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Exit with status 2 when any row was rejected.")
@pass_context
def registry_import(ctx: Context, file: Path, strict: bool) -> None:
    """Import institutions from a CSV table (id, name, region, sphere, founder, website, ...).

    Example: nokwatch registry import tomsk-schools.csv
    """
    from publisher.registry.table import import_registry

    with reported(), ctx.store() as store:
        report = import_registry(store, file)
    _print_import(report.rows, report.stored, report.errors, strict)


@registry.command("sync")
@click.argument("source")
@click.option(
    "--complete/--partial",
    default=None,
    help="Whether SOURCE lists every institution of the register, so that those missing "
    "from it are closed (default: complete for a passport URL, partial otherwise).",
)
@pass_context
def registry_sync(ctx: Context, source: str, complete: bool | None) -> None:
    """Follow the bus.gov.ru register: a ZIP of XML documents, an XML file, a folder or a passport URL.

    Example: nokwatch registry sync ~/Downloads/bus-gov-institutions.zip
    """
    from publisher.registry.busgov.sync import sync_registry

    with reported(), ctx.store() as store:
        result = sync_registry(store, source, complete=complete)
    click.echo(result.summary())


def _print_import(rows: int, stored: UpsertReport, errors: list[RejectedRow], strict: bool) -> None:
    for error in errors:
        click.echo(f"rejected {error}", err=True)
    click.echo(
        f"{rows} rows read: {stored.inserted} new, {stored.updated} updated, "
        f"{stored.unchanged} unchanged, {len(errors)} rejected"
    )
    if strict and errors:
        raise SystemExit(2)


@main.group()
def report() -> None:
    """Regional report tables: the dates a region says its institutions did things.

    Example: nokwatch report import tomsk-2014.xlsx
    """


@report.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default=None, help="Name of the report (default: the file name).")
@click.option("--strict", is_flag=True, help="Exit with status 2 when any row was rejected.")
@pass_context
def report_import(ctx: Context, file: Path, source: str | None, strict: bool) -> None:
    """Import a report table (CSV or XLSX): institutions and their reported dates.

    Example: nokwatch report import tomsk-2014-report.csv --source tomsk-2014-report
    """
    from publisher.registry.reports import import_report

    with reported(), ctx.store() as store:
        result = import_report(store, file, source)
    for warning in result.warnings:
        click.echo(f"kept as a data defect: {warning}", err=True)
    _print_import(result.rows, result.institutions, result.errors, strict)


@main.command()
@click.option("--region", "regions", multiple=True, help="Only this region (ISO code); repeatable.")
@click.option("--institution", "ids", multiple=True, help="Only this institution id; repeatable.")
@click.option(
    "--demo/--no-demo",
    default=False,
    help=DEMO_HELP,
)
@click.option(
    "--resume",
    metavar="RUN_ID",
    default=None,
    help="Finish an interrupted run: audit only the sites it has not stored yet.",
)
@pass_context
def crawl(
    ctx: Context, regions: tuple[str, ...], ids: tuple[str, ...], demo: bool, resume: str | None
) -> None:
    """Check institution websites now and store what was seen (honours http_proxy).

    Example: nokwatch crawl --region RU-TOM --institution tom-2014-05
    """
    with reported():
        ctx.prepare()
        crawl_step(ctx.data_dir, regions, ids, demo, click.echo, resume=resume)


@main.command()
@click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Judge deadlines as of this date (default: today).",
)
@pass_context
def deadlines(ctx: Context, as_of: datetime | None) -> None:
    """Compute due dates and verdicts for every obligation.

    Example: nokwatch deadlines --as-of 2014-05-01
    """
    day = as_of.date() if as_of else date.today()
    with reported(), ctx.store() as store:
        deadline_step(store, day, click.echo)


@main.command()
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
@pass_context
def publish(ctx: Context, out: Path | None, keep: int | None) -> None:
    """Publish a new release: national and regional packages, validated, zipped, with Datasette.

    The release is written to DATA_DIR/releases/<version>/ (never overwritten) and
    DATA_DIR/releases/latest then points to it.

    Example: nokwatch publish --out site/
    """
    with reported(), ctx.store() as store:
        publish_step(store, ctx.data_dir, out, click.echo, keep=keep)


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A release folder (or `publish --out` copy) to serve (default: the latest).",
)
@click.option("--release", "version", default=None, help="Serve this release version, e.g. 1.2.0.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@pass_context
def serve(ctx: Context, out: Path | None, version: str | None, host: str, port: int) -> None:
    """Serve a release with Datasette, read-only (immutable), until Ctrl-C.

    Example: nokwatch serve --release 1.0.0 --port 8001
    """
    from publisher.release.versions import release_path
    from publisher.site.serve import serve as serve_publication

    with reported():
        folder = out or (release_path(ctx.data_dir, version) if version else ctx.publication)
        click.echo(f"Datasette: http://{host}:{port}/ (serving {Path(folder).resolve()})")
        for path, what in OPEN_FIRST:
            click.echo(f"  http://{host}:{port}{path}  {what}")
        serve_publication(folder, host, port)


@main.command()
@click.option(
    "--demo/--no-demo",
    default=False,
    show_default=True,
    help=DEMO_HELP,
)
@click.option("--serve/--no-serve", "then_serve", default=True, show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@pass_context
def run(ctx: Context, demo: bool, then_serve: bool, port: int) -> None:
    """The main job: crawl → deadlines → publish → serve.

    Example: nokwatch run --demo
    """
    with reported():
        ctx.prepare()
        crawl_step(ctx.data_dir, (), (), demo, click.echo)
        with ctx.store() as store:
            deadline_step(store, date.today(), click.echo)
            publish_step(store, ctx.data_dir, None, click.echo)
    if then_serve:
        ctx_serve = click.get_current_context()
        ctx_serve.invoke(serve, out=ctx.publication, host="127.0.0.1", port=port)


from nokwatch.cli_registry import local  # noqa: E402 - registered after registry is defined
from nokwatch.cli_service import jobs, service  # noqa: E402 - registered after main is defined

main.add_command(service)
main.add_command(jobs)
registry.add_command(local)
