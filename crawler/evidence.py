"""Content-addressed copies of the documents findings rest on: ``evidence/ab/<sha256>.<ext>``."""

from __future__ import annotations

import os
from pathlib import Path

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


def store_evidence(root: Path, sha256: str, body: bytes, content_type: str) -> str:
    """Write the body once under its hash; return its path relative to the data directory."""
    extension = _EXTENSIONS.get(content_type, "bin")
    relative = Layout(root).evidence_file(sha256, extension)
    target = root / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(body)
        temporary.replace(target)  # atomic: a reader never sees half a file
    return relative.as_posix()
