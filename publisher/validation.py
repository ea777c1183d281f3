"""Validating a release before it is committed, in worker processes beside the site database.

The national package is validated in full by frictionless, one resource per job (each with its
package around it, so foreign keys are checked): the biggest resource starts first and the others
share the second worker. Regional packages are exact splits of the national rows; each gets
frictionless's metadata validation and the integrity checks of ``publisher.integrity`` (the rule
is documented in docs/data.md, "How a release is validated").
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import frictionless

from publisher.integrity import partition_errors, regional_errors
from publisher.package import PackageSet

# Below this many national rows the jobs run in this process: spawning workers costs more.
PARALLEL_ROWS = 200_000
REGIONS_PER_JOB = 12
Job = tuple[Callable[..., Any], tuple]


def _messages(descriptor: Path, report: frictionless.Report, limit: int) -> list[str]:
    messages = [f"{descriptor}: {error.type}: {error.message}" for error in report.errors]
    for task in report.tasks:
        messages.extend(f"{descriptor} {task.name}: {error.message}" for error in task.errors)
    return messages[:limit]


def validation_errors(descriptor: Path, limit: int = 20) -> list[str]:
    """What ``frictionless validate`` finds wrong with a package (empty when it is valid)."""
    return _messages(descriptor, frictionless.validate(str(descriptor)), limit)


def resource_errors(descriptor: Path, name: str, limit: int = 20) -> list[str]:
    """What frictionless finds wrong with one resource of a package (foreign keys included)."""
    report = frictionless.Package(str(descriptor)).validate(name=name)
    return _messages(descriptor, report, limit)


def regions_errors(packages: list[tuple[Path, dict[str, int]]], national: Path) -> list[str]:
    """Integrity errors of several regional packages (``publisher.integrity``)."""
    resources = json.loads(national.read_text(encoding="utf-8"))["resources"]
    schemas = {r["name"]: r["schema"] for r in resources}
    return [e for path, rows in packages for e in regional_errors(path, rows, schemas)]


def timed(function: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """A function's result and how many seconds it took (in whichever process runs it)."""
    start = time.perf_counter()
    return function(*args), time.perf_counter() - start


def validation_jobs(packages: PackageSet) -> list[Job]:
    """The validation jobs of a release, biggest first; each returns a list of errors."""
    national = packages.national
    names = sorted(national.rows, key=lambda n: -national.rows[n])
    jobs: list[Job] = [(resource_errors, (national.path, name)) for name in names]
    regional = [(p.path, dict(p.rows)) for p in packages.regional.values()]
    for start in range(0, len(regional), REGIONS_PER_JOB):
        jobs.append((regions_errors, (regional[start : start + REGIONS_PER_JOB], national.path)))
    return jobs


def split_errors(packages: PackageSet) -> list[str]:
    """Errors where the regional packages' rows do not add up to the national package's."""
    regional = [p.rows for p in packages.regional.values()]
    return partition_errors(packages.national.rows, regional, packages.unplaced)


def workers(packages: PackageSet) -> int:
    """How many worker processes the release's jobs deserve (1: run them in this process)."""
    if sum(packages.national.rows.values()) < PARALLEL_ROWS:
        return 1
    return min(2, os.cpu_count() or 1)


def run_jobs(jobs: list[Job], count: int, meanwhile: Callable[[], None]) -> list[tuple[Any, float]]:
    """Run ``jobs`` in ``count`` processes (``timed``) while this process runs ``meanwhile``."""
    if count < 2:
        meanwhile()
        return [timed(function, *args) for function, args in jobs]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(count, mp_context=context) as pool:
        futures = [pool.submit(timed, function, *args) for function, args in jobs]
        meanwhile()
        return [future.result() for future in futures]
