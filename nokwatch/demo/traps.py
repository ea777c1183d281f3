"""Responses that hurt crawlers: endless slow bodies, gzip bombs, huge files, broken markup."""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from functools import cache

from nokwatch.demo.response import FixtureResponse

BOMB_MEMBER = 64 * 1024 * 1024  # zeros per gzip member
BOMB_MEMBERS = 16  # 1 GiB once inflated
HUGE_FILE = 50 * 1024 * 1024
SLOW_SECONDS = 120.0  # a trickle stops eventually, so a forgotten test cannot hang for ever


@cache
def _gzip_member() -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1024 * 1024)
    parts = [compressor.compress(chunk) for _ in range(BOMB_MEMBER // len(chunk))]
    return b"".join(parts) + compressor.flush()


def gzip_bomb() -> FixtureResponse:
    """An HTML page of 1 GiB of zeros, gzip-encoded into about a megabyte (concatenated members)."""
    body = _gzip_member() * BOMB_MEMBERS
    return FixtureResponse(
        200, body, (("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"))
    )


def _zeros(total: int) -> Iterator[bytes]:
    chunk = bytes(256 * 1024)
    for _ in range(total // len(chunk)):
        yield chunk


def huge_file() -> FixtureResponse:
    """A 50 MB "document": more than any plan is, more than the crawler may download."""
    return FixtureResponse(
        200,
        b"",
        (("Content-Type", "application/pdf"), ("Content-Length", str(HUGE_FILE))),
        lambda: _zeros(HUGE_FILE),
    )


def _trickle() -> Iterator[bytes]:
    yield b"<!DOCTYPE html><html><body>"
    deadline = time.monotonic() + SLOW_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.5)
        yield b" "


def slow_page() -> FixtureResponse:
    """A page that never finishes: a byte every half second, behind a promise of 10 MB."""
    return FixtureResponse(
        200,
        b"",
        (("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(10_000_000))),
        _trickle,
    )


def break_markup(page: str) -> str:
    """The same page, broken the ways old CMS templates break it (the links must still be found)."""
    return (
        page.replace("<ul>", "<ul><li><b><i>незакрытые теги<table><tr><td>", 1)
        .replace("</body>", '<div class="x" style=\'<p>\x00\x01 \ufffd</span></div></form>', 1)
        .replace(
            "<head>",
            '<head><meta http-equiv="Content-Type" content="text/html; charset=">'
            "<script>document.write('<a href=\"</script>",
            1,
        )
    )
