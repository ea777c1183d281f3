"""Datasette customisation for the nokwatch site: templates and a small plugin (``plugins/``)."""

from pathlib import Path

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
PLUGINS = HERE / "plugins"
