"""Evidence a release carries: the stored copies its findings rest on, linked into the release.

The store keeps each copy once, content-addressed (``evidence/ab/<sha256>.<ext>``). A release gets
a hard link to every copy its rows name (a copy where the file system cannot link), so it stays
verifiable after newer crawls and costs no disk beyond a directory entry per file. The published
``evidence`` column holds the copy's URL on the site, relative to its root: ``EVIDENCE_URL`` +
the stored path; the file's bytes hash to the row's ``sha256``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from publisher.layout import Layout

EVIDENCE_URL = "/-/release/"
WITH_EVIDENCE = ("findings", "observations")


@dataclass
class Carried:
    """The stored copies a release's rows name (paths relative to the data directory)."""

    paths: set[str]

    def published(self, rows: Iterable[dict]) -> Iterator[dict]:
        """Rows with ``evidence`` as a site URL; remembers each copy named."""
        for row in rows:
            path = row.get("evidence")
            if path:
                self.paths.add(path)
                row = {**row, "evidence": EVIDENCE_URL + path}
            yield row


def stored_path(url: str) -> str:
    """The path inside a release (and the data directory) of an evidence URL."""
    return url.removeprefix(EVIDENCE_URL)


def carry(data_dir: Path, release: Path, paths: Iterable[str]) -> tuple[int, int]:
    """Link (or copy) the named copies from the data directory into the release; (files, bytes)
    present. A copy missing from the store is left out: its URL will answer 404."""
    files = size = 0
    store = Layout(Path(data_dir)).evidence
    for path in sorted(paths):
        source, target = Path(data_dir) / path, Path(release) / path
        if not source.resolve().is_relative_to(store.resolve()) or not source.is_file():
            continue  # only the store's own copies are carried
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:  # another file system, or no hard links: a copy
            shutil.copyfile(source, target)
        files += 1
        size += source.stat().st_size
    return files, size
