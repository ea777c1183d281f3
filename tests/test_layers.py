"""The architecture as a test: imports flow one way, no module imports itself round a cycle.

Layers, lowest first (docs/ARCHITECTURE.md): datapackages → publisher core → publisher's role
subpackages (registry, deadlines, release, site) → crawler → nokwatch (Workspace, demo) →
schedules → the CLI (nokwatch.cli). A module may import its own layer or lower ones. Imports
under ``if TYPE_CHECKING:`` are annotations only and are left out; imports inside functions count.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("datapackages", "publisher", "crawler", "nokwatch", "schedules")
ROLES = ("registry", "deadlines", "release", "site")
MAX_PUBLISHER_TOP_MODULES = 12


def layer(module: str) -> int:
    """The layer of a first-party module (higher may import lower, never the reverse)."""
    parts = module.split(".")
    if parts[0] == "datapackages":
        return 0
    if parts[0] == "publisher":
        return 2 if len(parts) > 1 and parts[1] in ROLES else 1
    if parts[0] == "crawler":
        return 3
    if parts[0] == "nokwatch":
        return 6 if len(parts) > 1 and parts[1] in ("cli", "__main__") else 4
    if parts[0] == "schedules":
        return 5
    raise ValueError(module)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(tree: ast.AST, package: str) -> set[str]:
    """First-party modules (or names in them) imported anywhere in the tree but TYPE_CHECKING."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                stem = ".".join([*base, node.module] if node.module else base)
            else:
                stem = node.module or ""
            # ``from package import module`` imports the module; ``from module import name``
            # the module (resolved against the sources in import_graph).
            found.update(f"{stem}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def import_graph() -> dict[str, set[str]]:
    """Module → first-party modules it imports (each resolved to the module defining it)."""
    sources = {
        _module_name(path): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in sources.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for name in _imported(ast.parse(path.read_text(encoding="utf-8")), package):
            while name and name not in sources:
                name = name.rpartition(".")[0]
            if name and name != module:
                graph[module].add(name)
        graph.setdefault(module, set())
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def _is_package_init_of(importer: str, imported: str) -> bool:
    # A package's __init__ gathering its own modules (nokwatch/__init__ re-exporting Workspace).
    return imported.startswith(importer + ".")


def test_imports_flow_one_way() -> None:
    graph = import_graph()
    assert sum(len(targets) for targets in graph.values()) > 150  # the parser sees the imports
    against = sorted(
        f"{module} (layer {layer(module)}) imports {target} (layer {layer(target)})"
        for module, targets in graph.items()
        for target in targets
        if layer(target) > layer(module) and not _is_package_init_of(module, target)
    )
    assert against == []


def test_no_import_cycle_between_modules() -> None:
    assert cycles(import_graph()) == []


def test_no_import_cycle_between_top_level_packages() -> None:
    packages: dict[str, set[str]] = defaultdict(set)
    for module, targets in import_graph().items():
        for target in targets:
            if target.split(".")[0] != module.split(".")[0]:
                packages[module.split(".")[0]].add(target.split(".")[0])
    assert cycles(packages) == []


def test_publisher_top_level_stays_small() -> None:
    modules = sorted(p.name for p in (ROOT / "publisher").glob("*.py"))
    assert len(modules) <= MAX_PUBLISHER_TOP_MODULES, modules
    assert {p.name for p in (ROOT / "publisher").iterdir() if (p / "__init__.py").exists()} == set(
        ROLES
    )


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ],
)
def test_the_cycle_finder_finds_cycles(graph: dict[str, set[str]], expected: list) -> None:
    assert cycles(graph) == expected


def test_the_layer_check_sees_an_upward_import(tmp_path: Path) -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "import schedules.jobs\n"
        "if TYPE_CHECKING:\n    from nokwatch.workspace import Workspace\n"
        "def f():\n    from nokwatch.cli import main\n"
    )
    assert _imported(tree, "crawler") == {"schedules.jobs", "nokwatch.cli.main"}
    assert layer("schedules.jobs") > layer("crawler.run")
    assert layer("nokwatch.cli.steps") > layer("schedules.service") > layer("nokwatch.workspace")


def test_no_module_but_the_layout_spells_a_data_directory_path() -> None:
    spelled = (
        '"nokwatch.db"',
        '"crawl-jobs"',
        '"scheduler.db"',
        '"service.lock"',
        '"service.log"',
        '"datasette.log"',
    )
    offenders = sorted(
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if path.name != "layout.py" and any(s in path.read_text(encoding="utf-8") for s in spelled)
    )
    # The release folder's own Datasette database is a file of the release, not of the data dir.
    assert offenders == ["publisher/release/build.py"]
