"""``nokwatch notice``: a notice of violation an official can send (HTML and PDF)."""

from __future__ import annotations

from pathlib import Path

import click

from nokwatch.cli.context import pass_workspace, reported
from nokwatch.workspace import Workspace


@click.command()
@click.argument("institution_id", required=False)
@click.option("--region", default=None, help="All the region's notices in one ZIP (ISO code).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write here (default: DATA_DIR/notices).",
)
@click.option("--pdf/--no-pdf", default=True, show_default=True, help="Also print a PDF.")
@pass_workspace
def notice(
    ws: Workspace, institution_id: str | None, region: str | None, out: Path | None, pdf: bool
) -> None:
    """Write a notice of violation for an institution, or a region's notices as one ZIP.

    Only verdicts that establish a violation (overdue, late) make a notice; an institution with
    none gets a refusal that names its verdicts.

    Example: nokwatch notice demo-06 --out notices/
    """
    if not institution_id and not region:
        raise click.UsageError("name an INSTITUTION_ID or a --region")
    with reported():
        ws.notice(institution_id, region, out, pdf)
