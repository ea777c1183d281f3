"""The software's version, read where the lowest layer can reach it (from the installed metadata)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nokwatch")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0.0.0+source"
