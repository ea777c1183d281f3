"""docs/library.md is a program: its example runs as written, on a new data directory."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "library.md"


def example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1
    return blocks[0]


def test_the_library_example_runs_a_whole_release(tmp_path: Path) -> None:
    code = example()
    assert len(code.strip().splitlines()) <= 10
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("finished 37 sites")
    assert re.fullmatch(r"\d+ verdicts", lines[1])
    assert lines[2].startswith("release 1.0.0 at ")
    assert lines[3] == "['1.0.0'] []"
    site = sqlite3.connect(tmp_path / "data" / "releases" / "latest" / "nokwatch.db")
    regions = {r for (r,) in site.execute("SELECT DISTINCT region FROM institutions")}
    assert regions == {"RU-TOM", "RU-DEMO"}


def test_from_nokwatch_import_workspace() -> None:
    from nokwatch import NokwatchError, Workspace
    from publisher.errors import NokwatchError as Root

    assert NokwatchError is Root
    assert Workspace("x").path == Path("x").absolute()
