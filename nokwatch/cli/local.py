"""The ``registry local`` commands: our own values of register fields, kept through every sync."""

from __future__ import annotations

import click

from nokwatch.cli.context import pass_workspace, reported
from nokwatch.workspace import Workspace
from publisher.registry.local import SYNCED_FIELDS

field_argument = click.argument("field", type=click.Choice(SYNCED_FIELDS))


@click.group()
def local() -> None:
    """Local values: a website found by hand, a region's own name or founder; syncs keep them.

    Example: nokwatch registry local list --conflicts
    """


@local.command("set")
@click.argument("institution_id", metavar="ID")
@field_argument
@click.argument("value")
@click.option("--note", default="", help="Why this value is ours (where it was found).")
@pass_workspace
def local_set(ws: Workspace, institution_id: str, field: str, value: str, note: str) -> None:
    """Give an institution a local value of a register field; later syncs keep it.

    Example: nokwatch registry local set tom-2014-05 website https://school5.tomsk.ru --note "found by hand"
    """
    with reported():
        ws.registry.set_local(institution_id, field, value, note)
    click.echo(f"{institution_id} {field}: local value set")


@local.command("clear")
@click.argument("institution_id", metavar="ID")
@field_argument
@pass_workspace
def local_clear(ws: Workspace, institution_id: str, field: str) -> None:
    """Drop a local value: the field follows the register again (its last value is restored).

    Example: nokwatch registry local clear tom-2014-05 website
    """
    with reported():
        restored = ws.registry.clear_local(institution_id, field)
    shown = (
        f"register value {restored}" if restored is not None else "value kept (no register value)"
    )
    click.echo(f"{institution_id} {field}: local value cleared; {shown}")


def _line(row: dict) -> str:
    line = f"{row['institution_id']}\t{row['field']}\t{row['value'] or ''}"
    if row["conflict"]:
        line += f"\tCONFLICT: register says {row['register_value'] or '(nothing)'}"
    return line + (f"\t# {row['note']}" if row["note"] else "")


@local.command("list")
@click.option("--conflicts", is_flag=True, help="Only local values the register disagrees with.")
@pass_workspace
def local_list(ws: Workspace, conflicts: bool) -> None:
    """List local values (ID, field, value; the register's value where they conflict).

    Example: nokwatch registry local list --conflicts
    """
    with reported():
        rows = ws.registry.local_values(conflicts_only=conflicts)
    for row in rows:
        click.echo(_line(row))
    click.echo(f"{len(rows)} local values" + (" in conflict" if conflicts else ""), err=True)
