"""Data package descriptors and table schemas: the single source of truth for published data.

Everything that stores or publishes a resource (the SQLite store, the Frictionless packages, the
Datasette metadata, the crawler's items) derives its columns from the files in this folder.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SCHEMA_DIR = HERE / "schemas"


@cache
def _package() -> dict[str, Any]:
    return json.loads((HERE / "package.json").read_text(encoding="utf-8"))


def package_descriptor() -> dict[str, Any]:
    """The package-level descriptor (a fresh copy), with resources but without their paths."""
    return copy.deepcopy(_package())


def resource_names() -> list[str]:
    """Names of the published resources, in publishing order."""
    return [r["name"] for r in _package()["resources"]]


def resource_descriptor(name: str) -> dict[str, Any]:
    """The descriptor of one resource (title, description), a fresh copy."""
    for resource in _package()["resources"]:
        if resource["name"] == name:
            return copy.deepcopy(resource)
    raise KeyError(f"no resource {name!r} in datapackages/package.json")


@cache
def _schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))


def table_schema(name: str) -> dict[str, Any]:
    """The Table Schema of one resource, a fresh copy."""
    return copy.deepcopy(_schema(name))


def field_names(name: str) -> list[str]:
    """Column names of one resource, in order."""
    return [f["name"] for f in _schema(name)["fields"]]
