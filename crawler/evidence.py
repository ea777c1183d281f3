"""Content-addressed copies of the documents findings rest on: ``evidence/ab/<sha256>.<ext>``.

The store is the data directory's ``evidence/`` folder by default. Crawl workers on other machines
are given it by URL (``NOKWATCH_EVIDENCE_URL``): a shared directory (a path or ``file://``), or any
filesystem fsspec knows (``s3://bucket/prefix`` with s3fs installed, for an S3-compatible bucket).
Each copy is written once under its hash, so any number of workers may share one store.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from publisher.errors import InputError
from publisher.layout import Layout

_EXTENSIONS = {
    "text/html": "html",
    "application/pdf": "pdf",
    "application/rtf": "rtf",
    "text/rtf": "rtf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.oasis.opendocument.text": "odt",
    "text/plain": "txt",
}


class EvidenceStore:
    """Where a crawl writes evidence: a data directory's folder, a shared one, or a bucket."""

    def __init__(self, data_dir: Path, url: str = "") -> None:
        self.data_dir = Path(data_dir)
        self.url = url
        split = urlsplit(url)
        self.local = not url or split.scheme in ("", "file")
        self.folder = Path(split.path if split.scheme == "file" else url) if url else None
        self.fs = None
        if not self.local:
            try:
                import fsspec  # an existing storage library, installed where users have a bucket
            except ImportError as exc:
                raise InputError(f"evidence store {url}: install fsspec (and s3fs) for it") from exc
            self.fs = fsspec.filesystem(split.scheme)

    def put(self, sha256: str, body: bytes, content_type: str) -> str:
        """Write the body once under its hash; return where the release finds it."""
        relative = Layout(self.data_dir).evidence_file(sha256, _EXTENSIONS.get(content_type, "bin"))
        inside = relative.relative_to(Layout(self.data_dir).evidence.name)
        if self.fs is not None:
            target = f"{self.url.rstrip('/')}/{inside.as_posix()}"
            if not self.fs.exists(target):
                self.fs.pipe_file(target, body)
            return target
        target = (self.folder / inside) if self.folder else self.data_dir / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(body)
            temporary.replace(target)  # atomic: a reader never sees half a file
        # a shared folder is the data directory's evidence/ seen from the worker's machine
        return relative.as_posix()
