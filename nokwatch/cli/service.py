"""The ``service`` and ``jobs`` commands: the scheduled service and its jobs."""

from __future__ import annotations

from pathlib import Path

import click

from nokwatch.cli.context import reported
from nokwatch.workspace import Workspace
from schedules.config import Schedule, load_schedule, resolve
from schedules.jobs import SKIPPED

schedules_option = click.option(
    "--schedules",
    "schedules_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory of schedule files (default: $NOKWATCH_SCHEDULES or the bundled schedules/).",
)


def _schedule(ws: Workspace, schedules_dir: Path | None) -> Schedule:
    return load_schedule(resolve(schedules_dir), ws.path)


@click.command()
@schedules_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Datasette's address.")
@click.option("--port", default=8001, show_default=True, type=int, help="Datasette's port.")
@click.option(
    "--serve/--no-serve",
    default=True,
    show_default=True,
    help="Serve the latest publication with Datasette beside the scheduler.",
)
@click.option(
    "--run-now",
    "run_now",
    multiple=True,
    metavar="JOB",
    help="Also run this job once right after start; repeatable.",
)
@click.pass_obj
def service(
    ws: Workspace,
    schedules_dir: Path | None,
    host: str,
    port: int,
    serve: bool,
    run_now: tuple[str, ...],
) -> None:
    """Run every job on its schedule, unattended, until SIGTERM or Ctrl-C.

    Example: nokwatch service --schedules schedules/ --port 8001
    """
    from schedules.service import Service

    with reported():
        schedule = _schedule(ws, schedules_dir)
        for job_id in run_now:
            schedule.job(job_id)
        ws.prepare()
        Service(ws, schedule, host, port, serve, run_now).run()


@click.group(invoke_without_command=True)
@schedules_option
@click.pass_context
def jobs(click_ctx: click.Context, schedules_dir: Path | None) -> None:
    """List the service's jobs: schedule, next run, last run, outcome and duration.

    Example: nokwatch jobs
    """
    click_ctx.meta["schedules_dir"] = schedules_dir
    if click_ctx.invoked_subcommand is not None:
        return
    from schedules.listing import job_table

    ws: Workspace = click_ctx.obj
    with reported():
        rows = job_table(ws.path, _schedule(ws, schedules_dir))
    head = ("JOB", "SCHEDULE", "NEXT RUN", "LAST RUN", "OUTCOME", "DURATION")
    table = [head, *[(r.id, r.when, r.next_run, r.last_run, r.outcome, r.duration) for r in rows]]
    widths = [max(len(line[i]) for line in table) for i in range(len(head))]
    for line, row in zip(table, [None, *rows], strict=True):
        text = "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        # The whole first line of the last outcome: an operator needs the error, path and all.
        detail = row.detail.splitlines()[0] if row and row.detail else ""
        click.echo(f"{text}  {detail}".rstrip())


@jobs.command("run")
@click.argument("job_id")
@click.pass_context
def jobs_run(click_ctx: click.Context, job_id: str) -> None:
    """Run one job now, in the foreground, with the same function the service runs.

    Example: nokwatch jobs run crawl:RU-DEMO
    """
    from schedules.listing import run_now
    from schedules.logs import setup_logging

    ws: Workspace = click_ctx.obj
    with reported():
        schedule = _schedule(ws, click_ctx.meta["schedules_dir"])
        schedule.job(job_id)
        ws.prepare()
        setup_logging(ws.path)
        outcome, detail = run_now(ws, schedule, job_id)
    click.echo(f"{job_id} {outcome}: {detail.removeprefix(SKIPPED)}")
