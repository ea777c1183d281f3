"""Hard limits on every SQLite connection Datasette opens: anonymous SQL cannot exhaust the host.

Datasette's ``sql_time_limit_ms`` works through a progress handler, which runs between SQLite's
steps; one step (``randomblob(450000000)``, a huge ``printf`` width, ``zeroblob``) cannot be
interrupted and once took 2 GB and 6 s. So no string or blob may grow beyond ``MAX_LENGTH``
(SQLite refuses it at once: "string or blob too big"), SQLite's heap is capped for the process, and
an authorizer refuses functions that leak process internals or run unbounded in one step.
"""

from __future__ import annotations

import sqlite3

from datasette import hookimpl

MAX_LENGTH = 5_000_000  # bytes in one value; the longest published cell is a few kilobytes
MAX_SQL_LENGTH = 100_000  # characters in one statement
MAX_COLUMNS = 500
MAX_LIKE_PATTERN = 1_000  # characters in a LIKE/GLOB pattern (matching is recursive on each %)
HEAP_LIMIT = 512 * 1024**2  # SQLite's memory in the whole Datasette process (memory maps excluded)
# fts3_tokenizer(name) returns a pointer (an address in the process); load_extension loads code;
# printf('%.*c', 2000000000, 'x') loops 6 s inside one step, beyond the time limit's reach.
REFUSED_FUNCTIONS = frozenset({"fts3_tokenizer", "load_extension", "printf", "format"})


def _authorize(action: int, arg1, arg2, database, source) -> int:
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in REFUSED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def limit(conn: sqlite3.Connection) -> None:
    """Put nokwatch's limits on one connection."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_LENGTH)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_LENGTH)
    conn.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, MAX_COLUMNS)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, MAX_LIKE_PATTERN)
    conn.execute(f"PRAGMA hard_heap_limit = {HEAP_LIMIT}")
    conn.set_authorizer(_authorize)


@hookimpl
def prepare_connection(conn, database):
    limit(conn)
