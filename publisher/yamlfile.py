"""Reading the project's YAML data files (profiles, calendar years): a mapping or a clear error."""

from __future__ import annotations

from pathlib import Path

import yaml


def read_mapping(path: Path, error: type[Exception]) -> dict:
    """The YAML mapping in ``path``; ``error`` naming the file when it is unreadable or not one."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise error(f"{path}: не читается ({exc})") from None
    if not isinstance(loaded, dict):
        raise error(f"{path}: ожидался словарь YAML")
    return loaded
