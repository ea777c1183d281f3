"""What the fixture web answers to one request."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class FixtureResponse:
    """What the fixture web answers to one request."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    stream: Callable[[], Iterable[bytes]] | None = None  # a body sent chunk by chunk (slow, huge)
