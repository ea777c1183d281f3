"""What every command shares: the Workspace of ``--data-dir``, and how library errors are shown."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import click

from nokwatch.workspace import Workspace
from publisher.errors import NokwatchError, UnknownTarget

DEMO_HELP = (
    "Offline demo: load the fictional demo region, serve it on loopback and send every request "
    "through it; real sites are then recorded as unreachable (no network), never as absent."
)


@contextlib.contextmanager
def reported() -> Iterator[None]:
    """Turn library errors into a clear message: exit 2 for an unknown target, else 1."""
    try:
        yield
    except UnknownTarget as exc:
        raise click.UsageError(str(exc)) from exc
    except NokwatchError as exc:
        raise click.ClickException(str(exc)) from exc


pass_workspace = click.make_pass_decorator(Workspace)
