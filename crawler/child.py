"""A crawl process: its command line, its job folder, and a start that ties it to its parent.

Twisted's reactor cannot restart, so every crawl (a local run's part, a worker's shard) runs as
``python -m crawler.process`` of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from publisher.layout import Layout
from publisher.lifeline import ENVIRONMENT as PARENT_PID

CHILD_PID = "child.pid"  # in the job folder: the pids of the run's crawl processes while they run


def job_folder(data_dir: Path, run_id: str) -> Path:
    """Where a run keeps its institutions list and log (``crawl-jobs/<run_id>/``)."""
    job = Layout(Path(data_dir)).crawl_job(run_id)
    job.mkdir(parents=True, exist_ok=True)
    return job


def child_command(
    data_dir: Path, run_id: str, institutions: Path, part: str = "", emit: bool = False
) -> list[str]:
    """The command line of a crawl process (``part`` names its log when the run has several)."""
    job = job_folder(data_dir, run_id)
    command = [
        sys.executable,
        "-m",
        "crawler.process",
        "--data-dir",
        str(data_dir),
        "--run-id",
        run_id,
        "--institutions",
        str(institutions),
        "--log-file",
        str(job / f"crawl{part}.log"),
        "--stats-file",
        str(job / f"stats{part}.json"),
    ]
    return [*command, "--emit"] if emit else command


def start_child(command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start a crawl process that dies with this one (``publisher.lifeline``): it would otherwise
    crawl on for nobody, beside a resumed run or a shard delivered again."""
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env={**os.environ, **(env or {}), PARENT_PID: str(os.getpid())},
    )
