"""``Workspace.releases``: the published releases of a data directory."""

from __future__ import annotations

import os
from pathlib import Path

from publisher.errors import PublishError
from publisher.layout import Layout
from publisher.release import versions


class Releases:
    """Numbered, immutable release folders; ``latest`` names the newest."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout

    def versions(self) -> list[str]:
        """Every release's version, oldest first."""
        return versions.versions(self.layout.root)

    def latest(self) -> Path | None:
        """The newest release's folder, or None before the first release."""
        return versions.latest(self.layout.root)

    def path(self, version: str) -> Path:
        """One release's folder; PublishError if there is none."""
        return versions.release_path(self.layout.root, version)

    def folder(self, release: str | os.PathLike[str] | None = None) -> Path:
        """A version (``1.2.0``), a folder, or the latest release by default."""
        if release is None:
            latest = self.latest()
            if latest is None:
                raise PublishError(
                    f"в {self.layout.releases} нет ни одного выпуска (no release yet): "
                    "run `nokwatch publish` first"
                )
            return latest
        text = os.fspath(release)
        if versions.VERSION.fullmatch(text):
            return self.path(text)
        return Path(text)

    def prune(self, keep: int) -> list[str]:
        """Delete all but the ``keep`` newest releases (never the latest); the versions removed."""
        return versions.prune(self.layout.root, keep)
