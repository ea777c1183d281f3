"""Releases: numbered, immutable folders under ``DATA_DIR/releases``, made atomically.

A release is built in a staging folder (``releases/.staging-*``) and renamed into place as
``releases/<version>`` only when complete; ``releases/latest`` (a symbolic link to the version's
folder) is switched last, by an atomic rename. A crash leaves the previous release and ``latest``
as they were; the next publish removes the leftover staging folder. One publish at a time (a lock).

Versions are semantic: the first release is 1.0.0; a change in any table schema (or the set of
resources) bumps the major version, any change in the published data the minor, and a re-publish
of identical data the patch.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from publisher.errors import PublishError
from publisher.layout import Layout

FIRST = "1.0.0"
VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")
UNVERSIONED = ("changes",)  # differs in every release by construction: not part of "data changed"
log = logging.getLogger(__name__)


def releases_dir(data_dir: Path) -> Path:
    """Where a data directory keeps its releases."""
    return Layout(Path(data_dir)).releases


def parse_version(text: str) -> tuple[int, int, int]:
    """``"1.2.3"`` → ``(1, 2, 3)``; PublishError for anything else."""
    match = VERSION.fullmatch(text)
    if not match:
        raise PublishError(f"{text!r} — не номер выпуска (not a release version)")
    return int(match[1]), int(match[2]), int(match[3])


def versions(data_dir: Path) -> list[str]:
    """Every release's version, oldest first."""
    root = releases_dir(data_dir)
    found = [p.name for p in root.iterdir() if VERSION.fullmatch(p.name)] if root.exists() else []
    return sorted(found, key=parse_version)


def latest(data_dir: Path) -> Path | None:
    """The folder ``releases/latest`` points to, or None before the first release."""
    link = Layout(Path(data_dir)).latest
    return link.resolve() if link.exists() else None


def release_path(data_dir: Path, version: str) -> Path:
    """The folder of one release; PublishError if there is none."""
    path = releases_dir(data_dir) / version
    if not path.is_dir():
        raise PublishError(f"нет выпуска {version} в {releases_dir(data_dir)} (no such release)")
    return path


def _fingerprint(descriptor: dict[str, Any]) -> tuple[dict, dict]:
    resources = [r for r in descriptor["resources"] if r["name"] not in UNVERSIONED]
    return (
        {r["name"]: r["schema"] for r in resources},
        {r["name"]: r.get("hash") for r in resources},
    )


def next_version(previous: dict[str, Any] | None, current: dict[str, Any]) -> tuple[str, str]:
    """(version, bump) for ``current`` after ``previous`` national descriptors."""
    if previous is None:
        return FIRST, "first"
    major, minor, patch = parse_version(previous["version"])
    (old_schemas, old_data), (new_schemas, new_data) = _fingerprint(previous), _fingerprint(current)
    if old_schemas != new_schemas:
        return f"{major + 1}.0.0", "major"
    if old_data != new_data:
        return f"{major}.{minor + 1}.0", "minor"
    return f"{major}.{minor}.{patch + 1}", "patch"


def previous_descriptor(data_dir: Path) -> dict[str, Any] | None:
    """The national descriptor of the latest release, if any."""
    folder = latest(data_dir)
    if folder is None:
        return None
    return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))


def uncommitted(data_dir: Path) -> list[str]:
    """Release folders renamed into place by a publish that was killed before ``latest`` moved."""
    current = latest(data_dir)
    if current is None:
        return versions(data_dir)
    newest = parse_version(current.name)
    return [v for v in versions(data_dir) if parse_version(v) > newest]


def recover(data_dir: Path, say: Callable[[str], None] | None = None) -> list[str]:
    """Remove what a killed publish left (staging folders, uncommitted releases); call under the
    publish lock. The versions removed, each also reported through ``say``."""
    root = releases_dir(data_dir)
    removed = uncommitted(data_dir)
    for version in removed:
        message = (
            f"выпуск {version} не был завершён (publish прерван до переключения latest): удалён, "
            f"latest остаётся {latest(data_dir).name if latest(data_dir) else '—'}"
        )
        log.warning(message)
        if say is not None:
            say(message)
        # Out of the versions' namespace first (atomic), so a kill while deleting leaves a leftover
        # the next publish removes, never a half-deleted release.
        os.rename(root / version, root / f".staging-removed-{version}")
    for leftover in [*root.glob(".staging-*"), *root.glob(".latest-*")]:
        if leftover.is_symlink() or leftover.is_file():
            leftover.unlink(missing_ok=True)
        else:
            shutil.rmtree(leftover, ignore_errors=True)
    return removed


@contextmanager
def staging(data_dir: Path, say: Callable[[str], None] | None = None) -> Iterator[Path]:
    """A fresh staging folder, under the publish lock, after recovering from any killed publish;
    removed unless it was committed."""
    root = releases_dir(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        recover(data_dir, say)
        folder = root / f".staging-{os.getpid()}"
        folder.mkdir()
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def commit(folder: Path, data_dir: Path, version: str) -> Path:
    """Move a finished staging folder into place as ``version`` and point ``latest`` at it."""
    root = releases_dir(data_dir)
    target = root / version
    if target.exists():
        raise PublishError(
            f"выпуск {version} уже есть в {root} (release already exists): releases are never overwritten"
        )
    os.rename(folder, target)
    link = root / f".latest-{os.getpid()}"
    link.unlink(missing_ok=True)
    os.symlink(version, link)
    os.replace(link, Layout(Path(data_dir)).latest)
    return target


def prune(data_dir: Path, keep: int) -> list[str]:
    """Delete all but the ``keep`` newest releases (never ``latest``); the versions removed."""
    if keep < 2:
        raise PublishError(
            f"хранить нужно не меньше 2 выпусков, а не {keep} (keep at least 2: the next one compares with the last)"
        )
    root = releases_dir(data_dir)
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = latest(data_dir)
        old = [v for v in versions(data_dir)[:-keep] if (root / v).resolve() != current]
        for version in old:
            shutil.rmtree(root / version)
    return old
