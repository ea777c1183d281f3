"""Docs as tests: every published field, resource, canned query and CLI command is documented."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

import datapackages
from nokwatch.cli import main
from publisher.site.metadata import canned_queries

DATA_DOC = Path(__file__).resolve().parents[1] / "docs" / "data.md"


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix}{name} ")
    return found


@pytest.mark.parametrize("name", datapackages.resource_names())
def test_every_published_field_is_described(name: str) -> None:
    for field in datapackages.table_schema(name)["fields"]:
        for key in ("title", "description", "x-title-en", "x-description-en"):
            assert field.get(key, "").strip(), f"{name}.{field['name']} has no {key}"
    resource = datapackages.resource_descriptor(name)
    assert resource["title"] and resource["description"]


@pytest.mark.parametrize("name", datapackages.resource_names())
def test_every_resource_is_in_the_data_doc(name: str) -> None:
    assert f"`{name}`" in DATA_DOC.read_text(encoding="utf-8")


def test_the_formula_rule_is_documented() -> None:
    text = DATA_DOC.read_text(encoding="utf-8")
    assert "formula" in text and "`=`, `+`, `-`, `@`" in text


def test_every_canned_query_has_a_title_and_description() -> None:
    queries = canned_queries()
    assert queries
    for name, query in queries.items():
        assert query.get("title") and query.get("description"), name


@pytest.mark.parametrize("path, command", _commands(main), ids=lambda v: str(v))
def test_every_cli_command_has_help_with_an_example(path: str, command: click.Command) -> None:
    assert command.help and "Example: nokwatch" in command.help, f"nokwatch {path}"


def test_every_environment_override_is_documented_with_its_default() -> None:
    import re

    from crawler import settings

    text = (Path(__file__).resolve().parents[1] / "docs" / "crawler.md").read_text(encoding="utf-8")
    documented = dict(re.findall(r"^\| `(NOKWATCH_\w+)` \| `(\w+)` \|", text, re.M))
    assert documented == settings.ENVIRONMENT


@pytest.mark.parametrize(
    ("resource", "field"),
    [
        ("compliance", "status"),
        ("findings", "status"),
        ("findings", "item"),
        ("observations", "status"),
        ("observations", "item"),
        ("institutions", "sphere"),
        ("institutions", "kind"),
    ],
)
def test_every_published_code_has_a_russian_label(resource: str, field: str) -> None:
    import datapackages
    from publisher import labels

    (spec,) = [f for f in datapackages.table_schema(resource)["fields"] if f["name"] == field]
    assert [code for code in spec["constraints"]["enum"] if code not in labels.ANY] == []
