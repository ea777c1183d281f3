"""Every CSV Datasette serves is formula-safe, whatever SQL produced it.

The published data neutralise cells a spreadsheet would run (``publisher.csvsafe``), but custom
SQL can undo that (``select substr(name, 2) …`` turned ``'=HYPERLINK(…)`` back into a live
formula). So the CSV responses themselves are rewritten as they stream: a cell that starts like a
formula gets the leading apostrophe, unless it is a plain number. Already neutralised cells start
with the apostrophe and are left as they are.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from urllib.parse import parse_qs

from datasette import hookimpl

from publisher.csvsafe import neutralise

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_QUOTE_OR_NEWLINE = re.compile(r'["\n]')


def safe_cell(cell: str) -> str:
    """The cell as a spreadsheet will show it without evaluating it; numbers untouched."""
    return cell if _NUMBER.fullmatch(cell) else neutralise(cell)


class CsvNeutraliser:
    """Rewrites a CSV text arriving in chunks, record by record (a quoted cell may span chunks)."""

    def __init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pending = ""

    def _complete(self) -> int:
        inside, end = False, 0
        for match in _QUOTE_OR_NEWLINE.finditer(self.pending):
            if match[0] == '"':
                inside = not inside
            elif not inside:
                end = match.end()
        return end

    def feed(self, chunk: bytes, final: bool = False) -> bytes:
        self.pending += self.decoder.decode(chunk, final)
        end = len(self.pending) if final else self._complete()
        complete, self.pending = self.pending[:end], self.pending[end:]
        if not complete:
            return b""
        out = io.StringIO()
        writer = csv.writer(out)
        for row in csv.reader(io.StringIO(complete, newline="")):
            writer.writerow([safe_cell(cell) for cell in row])
        return out.getvalue().encode("utf-8")


def is_csv(scope: dict) -> bool:
    """Does this request ask Datasette for CSV?"""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return scope.get("path", "").endswith(".csv") or query.get("_format") == ["csv"]


def neutralising(app):
    """ASGI middleware: CSV responses pass through a ``CsvNeutraliser``."""

    async def wrapped(scope, receive, send):
        if scope.get("type") != "http" or not is_csv(scope):
            return await app(scope, receive, send)
        neutraliser = CsvNeutraliser()

        async def rewrite(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"content-length"]
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                final = not message.get("more_body", False)
                message = {**message, "body": neutraliser.feed(message.get("body", b""), final)}
            await send(message)

        return await app(scope, receive, rewrite)

    return wrapped


@hookimpl
def asgi_wrapper(datasette):
    return neutralising
