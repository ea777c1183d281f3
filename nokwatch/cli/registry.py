"""The ``registry`` and ``report`` commands: institutions and the dates regions report."""

from __future__ import annotations

from pathlib import Path

import click

from nokwatch.cli.context import pass_workspace, reported
from nokwatch.cli.local import local
from nokwatch.workspace import Workspace
from publisher.registry.table import RejectedRow
from publisher.store import UpsertReport


@click.group()
def registry() -> None:
    """The registry of institutions.

    Example: nokwatch registry import institutions.csv
    """


@registry.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Exit with status 2 when any row was rejected.")
@pass_workspace
def registry_import(ws: Workspace, file: Path, strict: bool) -> None:
    """Import institutions from a CSV table (id, name, region, sphere, founder, website, ...).

    Example: nokwatch registry import tomsk-schools.csv
    """
    with reported():
        result = ws.registry.import_file(file)
    _print_import(result.rows, result.stored, result.errors, strict, result.format)


@registry.command("sync")
@click.argument("source")
@click.option(
    "--complete/--partial",
    default=None,
    help="Whether SOURCE lists every institution of the register, so that those missing "
    "from it are closed (default: complete for a passport URL, partial otherwise).",
)
@pass_workspace
def registry_sync(ws: Workspace, source: str, complete: bool | None) -> None:
    """Follow the bus.gov.ru register: a ZIP of XML documents, an XML file, a folder or a passport URL.

    Example: nokwatch registry sync ~/Downloads/bus-gov-institutions.zip
    """
    with reported():
        result = ws.registry.sync(source, complete=complete)
    click.echo(result.summary())


registry.add_command(local)


@click.group()
def report() -> None:
    """Regional report tables: the dates a region says its institutions did things.

    Example: nokwatch report import tomsk-2014.xlsx
    """


@report.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default=None, help="Name of the report (default: the file name).")
@click.option("--strict", is_flag=True, help="Exit with status 2 when any row was rejected.")
@pass_workspace
def report_import(ws: Workspace, file: Path, source: str | None, strict: bool) -> None:
    """Import a report table (CSV or XLSX): institutions and their reported dates.

    Example: nokwatch report import tomsk-2014-report.csv --source tomsk-2014-report
    """
    with reported():
        result = ws.registry.import_report(file, source)
    for warning in result.warnings:
        click.echo(f"kept as a data defect: {warning}", err=True)
    _print_import(result.rows, result.institutions, result.errors, strict, result.format)


def _print_import(
    rows: int, stored: UpsertReport, errors: list[RejectedRow], strict: bool, form: str
) -> None:
    for error in errors:
        click.echo(f"rejected {error}", err=True)
    click.echo(
        f"{rows} rows read ({form}): {stored.inserted} new, {stored.updated} updated, "
        f"{stored.unchanged} unchanged, {len(errors)} rejected"
    )
    if strict and errors:
        raise SystemExit(2)
