"""``nokwatch dispute``: claims that a document is where nokwatch did not look, and re-checks."""

from __future__ import annotations

import click

from nokwatch.cli.context import DEMO_HELP, pass_workspace, reported
from nokwatch.disputes import ITEMS
from nokwatch.workspace import Workspace


@click.group()
def dispute() -> None:
    """Disputes: file a claim, re-check it, serve the form.

    Example: nokwatch dispute add demo-06 --item improvement_plan --url URL --note TEXT
    """


@dispute.command()
@click.argument("institution_id")
@click.option("--item", type=click.Choice(ITEMS), default="improvement_plan", show_default=True)
@click.option("--url", required=True, help="Where the document is (the institution's own site).")
@click.option("--note", default="", help="Why, in the claimant's words (published).")
@click.option("--demo/--no-demo", default=False, help=DEMO_HELP)
@pass_workspace
def add(ws: Workspace, institution_id: str, item: str, url: str, note: str, demo: bool) -> None:
    """Record a claim and re-check the site at once, starting from URL; print the outcome.

    A claim changes no verdict by itself: only what the re-check observes does.

    Example: nokwatch dispute add demo-06 --item improvement_plan --url http://sadik-06.demo.nokwatch.test/plan.html
    """
    with reported():
        outcome = ws.disputes.add(institution_id, item, url, note, demo=demo)
    click.echo(f"{outcome.dispute_id}: {outcome.event}")


@dispute.command()
@click.argument("dispute_id")
@click.option("--demo/--no-demo", default=False, help=DEMO_HELP)
@pass_workspace
def recheck(ws: Workspace, dispute_id: str, demo: bool) -> None:
    """Re-check a dispute again (e.g. one left unverified because the site was down).

    Example: nokwatch dispute recheck d-20260101T000000Z-abc123
    """
    with reported():
        outcome = ws.disputes.recheck(dispute_id, demo=demo)
    click.echo(f"{outcome.dispute_id}: {outcome.event}")


@dispute.command()
@click.argument("dispute_id")
@pass_workspace
def show(ws: Workspace, dispute_id: str) -> None:
    """Print a dispute's log: the claim, each re-check and its outcome.

    Example: nokwatch dispute show d-20260101T000000Z-abc123
    """
    with reported():
        events = ws.disputes.events(dispute_id)
    for row in events:
        click.echo(f"{row['seq']} {row['at']} {row['event']}: {row['reason']}")
        if row["verdicts"]:
            click.echo(f"    {row['verdicts']}")


@dispute.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8002, show_default=True, type=int)
@click.option("--demo/--no-demo", default=False, help=DEMO_HELP)
@pass_workspace
def serve(ws: Workspace, host: str, port: int, demo: bool) -> None:
    """Serve the dispute form beside Datasette (it writes disputes only), until Ctrl-C.

    Claims need a region's token from DATA_DIR/dispute-tokens.yaml (RU-XXX: [token, ...]).

    Example: nokwatch dispute serve --port 8002
    """
    from nokwatch.disputeform import serve as serve_form

    click.echo(f"dispute form: http://{host}:{port}/ (tokens: {ws.layout.dispute_tokens})")
    with reported():
        serve_form(ws, host, port, demo)
