"""Validating a release before it is committed, in worker processes beside the site database.

The national package is validated in full by frictionless, one resource per job (each with its
package around it, so foreign keys are checked), each started as soon as its resource is written
(the resources a foreign key refers to are written first). Regional packages are exact splits of the national rows; each gets
frictionless's metadata validation and the integrity checks of ``publisher.release.integrity`` (the rule
is documented in docs/data.md, "How a release is validated").
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import frictionless

from publisher.lifeline import die_with_parent
from publisher.release.integrity import partition_errors, regional_errors
from publisher.release.packages import PackageSet, descriptor

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


def resource_errors(descriptor: Path | dict, name: str, root: Path, limit: int = 20) -> list[str]:
    """What frictionless finds wrong with one resource of the package in folder ``root``
    (foreign keys included); ``descriptor`` is its file, or its content while it is written."""
    # Absolute paths: frictionless joins a relative source onto the basepath a second time.
    source = str(descriptor.resolve()) if isinstance(descriptor, Path) else descriptor
    report = frictionless.Package(source, basepath=str(root.resolve())).validate(name=name)
    return _messages(root / "datapackage.json", report, limit)


def regions_errors(packages: list[tuple[Path, dict[str, int]]], national: Path) -> list[str]:
    """Integrity errors of several regional packages (``publisher.release.integrity``)."""
    resources = json.loads(national.read_text(encoding="utf-8"))["resources"]
    schemas = {r["name"]: r["schema"] for r in resources}
    return [e for path, rows in packages for e in regional_errors(path, rows, schemas)]


def timed(function: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """A function's result and how many seconds it took (in whichever process runs it)."""
    start = time.perf_counter()
    return function(*args), time.perf_counter() - start


def resource_job(packages: PackageSet, name: str) -> Job:
    """The job validating a national resource just written, with the resources written so far
    (the ones its foreign keys refer to are written before it)."""
    national = packages.national
    return (resource_errors, (descriptor(national), name, national.folder))


def regional_jobs(packages: PackageSet) -> list[Job]:
    """The integrity jobs of the regional packages (each returns a list of errors)."""
    national = packages.national.path
    regional = [(p.path, dict(p.rows)) for p in packages.regional.values()]
    return [
        (regions_errors, (regional[start : start + REGIONS_PER_JOB], national))
        for start in range(0, len(regional), REGIONS_PER_JOB)
    ]


def entry(descriptor: Path | dict, name: str) -> dict:
    """A resource's entry in a package descriptor (its file or its content)."""
    if isinstance(descriptor, Path):
        descriptor = json.loads(descriptor.read_text("utf-8"))
    return next(r for r in descriptor["resources"] if r["name"] == name)


def described_as_validated(packages: PackageSet, validated: dict[str, dict]) -> list[str]:
    """Errors where the national descriptor describes a resource otherwise than when it was
    validated (the file changed since)."""
    final = {
        r["name"]: r for r in json.loads(packages.national.path.read_text("utf-8"))["resources"]
    }
    return [
        f"{name}: changed after it was validated"
        for name, r in validated.items()
        if final.get(name) != r
    ]


def split_errors(packages: PackageSet) -> list[str]:
    """Errors where the regional packages' rows do not add up to the national package's (a
    fictional region's package stands apart: its rows are not in the national package)."""
    regional = [p.rows for p in packages.regional.values() if p.region not in packages.fictional]
    return partition_errors(packages.national.rows, regional, packages.unplaced)


class Jobs:
    """Jobs run in two worker processes once the release is big enough to repay starting them
    (``PARALLEL_ROWS``), else in this process when their results are asked for."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.futures: list[Future] = []
        self.rows = 0
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Jobs:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def add(self, job: Job, rows: int = 0) -> int:
        """Queue (or start) a job; its index among the results."""
        self.jobs.append(job)
        self.rows += rows
        if self.pool is None and self.rows >= PARALLEL_ROWS and (os.cpu_count() or 1) > 1:
            context = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(
                2, mp_context=context, initializer=die_with_parent, initargs=(os.getpid(),)
            )
            self.futures = [self.pool.submit(timed, f, *args) for f, args in self.jobs[:-1]]
        if self.pool is not None:
            self.futures.append(self.pool.submit(timed, job[0], *job[1]))
        return len(self.jobs) - 1

    def results(self, meanwhile: Callable[[], None]) -> list[tuple[Any, float]]:
        """Every job's (result, seconds), in order, once this process has run ``meanwhile``."""
        meanwhile()
        if self.pool is None:
            return [timed(function, *args) for function, args in self.jobs]
        return [future.result() for future in self.futures]
