"""`nokwatch registry local`: set, list and clear local values through the real command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.busgov_samples import sample_institution, write_zip

NOKWATCH = [sys.executable, "-m", "nokwatch"]


def nokwatch(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    command = [*NOKWATCH, "--data-dir", str(data_dir), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_a_local_value_is_set_listed_in_conflict_and_cleared(tmp_path: Path) -> None:
    data = tmp_path / "data"
    v1 = write_zip(tmp_path / "v1.zip", [sample_institution(1)])
    v2 = write_zip(tmp_path / "v2.zip", [sample_institution(1, version=2, www="school1.org")])
    assert nokwatch(data, "--empty", "registry", "sync", str(v1)).returncode == 0
    site = "https://school1.tomsk.ru"
    done = nokwatch(
        data, "registry", "local", "set", "bus-69000001", "website", site, "--note", "сайт"
    )
    assert done.returncode == 0, done.stderr
    listed = nokwatch(data, "registry", "local", "list").stdout
    assert listed == "bus-69000001\twebsite\thttps://school1.tomsk.ru/\t# сайт\n"
    assert nokwatch(data, "registry", "local", "list", "--conflicts").stdout == ""
    assert "conflicts 1" in nokwatch(data, "registry", "sync", str(v2)).stdout
    conflicts = nokwatch(data, "registry", "local", "list", "--conflicts").stdout
    assert "CONFLICT: register says http://school1.org/" in conflicts
    cleared = nokwatch(data, "registry", "local", "clear", "bus-69000001", "website")
    assert "register value http://school1.org/" in cleared.stdout
    assert nokwatch(data, "registry", "local", "list").stdout == ""
    again = nokwatch(data, "registry", "local", "clear", "bus-69000001", "website")
    assert again.returncode == 1 and "нет местного значения" in again.stderr
    wrong = nokwatch(data, "registry", "local", "set", "bus-69000001", "sphere", "sport")
    assert wrong.returncode == 2 and "sphere" in wrong.stderr
