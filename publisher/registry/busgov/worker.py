"""Register documents parsed in a worker process while the sync writes the database.

Parsing (lxml and reading the fields) is most of a register-sized sync's time, and the database
writes must stay in the parent (one transaction). So the parent reads and inflates the documents,
sends them in chunks to one worker process, and takes back the records in file order while the
worker parses the next chunks. At most `IN_FLIGHT` chunks wait, so memory stays bounded.

The worker gets a snapshot of the applied versions; a document newer than the snapshot but applied
meanwhile (a positionId twice in one file) is parsed in vain and then skipped by the sync.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from publisher.lifeline import die_with_parent
from publisher.registry.busgov.parser import Applied, parse_bytes
from publisher.registry.busgov.sources import Document, Item, read_documents

CHUNK = 200  # documents per message: about 0.5 MiB each way
IN_FLIGHT = 4
# Below this file size (about 5,000 documents) starting a worker (~0.5 s) is not worth it.
WORKER_BYTES = 5 * 1024 * 1024

_applied: Applied = {}


def worth_a_worker(path: Path) -> bool:
    """Whether a source is big enough, and the machine has a second core, to parse in a worker."""
    if (os.cpu_count() or 1) < 2:
        return False
    path = Path(path)
    files = path.iterdir() if path.is_dir() else [path]
    return sum(f.stat().st_size for f in files if f.is_file()) >= WORKER_BYTES


def _remember(parent: int, applied: Applied) -> None:
    global _applied
    die_with_parent(parent)
    _applied = applied


def _parse(documents: list[Document]) -> list[Item]:
    return [item for d in documents for item in parse_bytes(d.data, d.source, d.name, _applied)]


def _batches(units: Iterable[Document | Item]) -> Iterator[list[Document] | list[Item]]:
    """Runs of documents, up to CHUNK at a time, and runs of ready items, in order."""
    documents: list[Document] = []
    for unit in units:
        if isinstance(unit, Document):
            documents.append(unit)
            if len(documents) < CHUNK:
                continue
        if documents:
            yield documents
            documents = []
        if not isinstance(unit, Document):
            yield [unit]
    if documents:
        yield documents


def read_positions_in_worker(path: Path, applied: Applied) -> Iterator[Item]:
    """`read_positions`, the same items in the same order, with the parsing in a worker process."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        1, context, initializer=_remember, initargs=(os.getpid(), dict(applied))
    ) as pool:
        pending: deque[Future[list[Item]] | list[Item]] = deque()
        for batch in _batches(read_documents(path)):
            parsed = batch and isinstance(batch[0], Document)
            pending.append(pool.submit(_parse, batch) if parsed else batch)
            while len(pending) > IN_FLIGHT:
                yield from _result(pending.popleft())
        while pending:
            yield from _result(pending.popleft())


def _result(entry: Future[list[Item]] | list[Item]) -> list[Item]:
    return entry.result() if isinstance(entry, Future) else entry
