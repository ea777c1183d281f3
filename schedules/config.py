"""Schedule files: when each job runs, read from YAML an operator can edit without touching code.

    schedules/national.yaml          sync, deadlines, publish (one time zone), retry back-off
    schedules/regions/RU-TOM.yaml    one region's crawl: cron expression and the region's time zone

A file that cannot be used is refused at start with an error naming the file and the field.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from apscheduler.triggers.cron import CronTrigger

from publisher.errors import ScheduleError, ScheduleFileError
from publisher.vocab import region_names

DEFAULT_DIR = Path(__file__).resolve().parent
ENV = "NOKWATCH_SCHEDULES"
NATIONAL = "national.yaml"
JOBS = "schedules.jobs"

# A nightly job missed while the service was down still runs when it comes back the same
# morning, but a run missed by more than this is skipped: the next night's run is fresher.
MISFIRE_GRACE = {"sync": 6 * 3600, "crawl": 6 * 3600, "deadlines": 12 * 3600, "publish": 12 * 3600}

_NATIONAL_FIELDS = {
    "timezone": True,
    "sync": True,
    "sync_source": False,
    "deadlines": True,
    "publish": True,
    "retry_minutes": False,
    "keep_releases": False,
}
_REGION_FIELDS = {"region": True, "timezone": True, "crawl": True, "demo": False}


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: its id, the job function (by text) and its cron schedule."""

    id: str
    func: str
    kwargs: dict[str, Any]
    cron: str
    timezone: str
    misfire_grace_time: int
    source: Path

    def trigger(self) -> CronTrigger:
        return CronTrigger.from_crontab(self.cron, timezone=ZoneInfo(self.timezone))


@dataclass(frozen=True)
class Schedule:
    """Every configured job, and how failed jobs are retried."""

    directory: Path
    jobs: tuple[JobSpec, ...]
    retry_minutes: tuple[int, ...] = (1, 5, 15)
    regions: tuple[str, ...] = field(default=())

    def job(self, job_id: str) -> JobSpec:
        for spec in self.jobs:
            if spec.id == job_id:
                return spec
        known = ", ".join(spec.id for spec in self.jobs)
        raise ScheduleError(
            f"нет задачи {job_id!r} в {self.directory} (no such job; jobs: {known})"
        )


def resolve(directory: str | os.PathLike[str] | None) -> Path:
    """The schedule directory: the given one, else $NOKWATCH_SCHEDULES, else the bundled one."""
    return Path(directory or os.environ.get(ENV) or DEFAULT_DIR)


def load_schedule(directory: Path, data_dir: Path) -> Schedule:
    """Read and check every schedule file of ``directory``; jobs work on ``data_dir``."""
    directory = Path(directory)
    national = directory / NATIONAL
    if not national.is_file():
        raise ScheduleFileError(
            national, "file", "нет файла (missing: the national schedule is required)"
        )
    doc = _read(national, _NATIONAL_FIELDS)
    jobs = _national_jobs(national, doc, str(data_dir))
    regions = []
    for path in sorted((directory / "regions").glob("*.y*ml")):
        spec, region = _region_job(path, _read(path, _REGION_FIELDS), str(data_dir))
        jobs.append(spec)
        regions.append(region)
    retry = _retry_minutes(national, doc.get("retry_minutes", [1, 5, 15]))
    return Schedule(directory, tuple(jobs), retry, tuple(regions))


def _read(path: Path, fields: dict[str, bool]) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ScheduleFileError(path, "file", f"не читается (cannot read: {exc})") from exc
    except yaml.YAMLError as exc:
        raise ScheduleFileError(path, "yaml", " ".join(str(exc).split())) from exc
    if not isinstance(doc, dict):
        raise ScheduleFileError(
            path, "file", "ожидается словарь поле: значение (must be a mapping of field: value)"
        )
    for name in doc:
        if name not in fields:
            raise ScheduleFileError(
                path, str(name), f"неизвестное поле (unknown field; known: {', '.join(fields)})"
            )
    for name, required in fields.items():
        if required and doc.get(name) in (None, ""):
            raise ScheduleFileError(path, name, "обязательное поле (required)")
    return doc


def _timezone(path: Path, name: object) -> str:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleFileError(
            path, "timezone", f"неизвестный часовой пояс {name!r} (unknown time zone)"
        ) from exc
    return str(name)


def _cron(path: Path, name: str, expression: object, timezone: str) -> str:
    try:
        CronTrigger.from_crontab(str(expression), timezone=ZoneInfo(timezone))
    except ValueError as exc:
        raise ScheduleFileError(
            path, name, f"неверное cron-выражение {expression!r} (bad cron expression: {exc})"
        ) from exc
    return str(expression)


def _national_jobs(path: Path, doc: dict[str, Any], data_dir: str) -> list[JobSpec]:
    timezone = _timezone(path, doc["timezone"])
    source = doc.get("sync_source")
    kwargs = {
        "sync": {"data_dir": data_dir, "source": str(source) if source else None},
        "deadlines": {"data_dir": data_dir},
        "publish": {"data_dir": data_dir, "keep": _keep_releases(path, doc.get("keep_releases"))},
    }
    funcs = {
        "sync": "sync_registry",
        "deadlines": "compute_deadlines",
        "publish": "publish_release",
    }
    return [
        JobSpec(
            name,
            f"{JOBS}:{funcs[name]}",
            kwargs[name],
            _cron(path, name, doc[name], timezone),
            timezone,
            MISFIRE_GRACE[name],
            path,
        )
        for name in funcs
    ]


def _region_job(path: Path, doc: dict[str, Any], data_dir: str) -> tuple[JobSpec, str]:
    region = str(doc["region"])
    if region not in region_names():
        raise ScheduleFileError(
            path, "region", f"неизвестный регион {region!r} (unknown region: an ISO 3166-2 code)"
        )
    if path.stem != region:
        raise ScheduleFileError(
            path, "region", f"{region!r} не совпадает с именем файла (does not match the file name)"
        )
    demo = doc.get("demo", False)
    if not isinstance(demo, bool):
        raise ScheduleFileError(
            path, "demo", f"должно быть true или false, а не {demo!r} (must be true or false)"
        )
    timezone = _timezone(path, doc["timezone"])
    kwargs = {"data_dir": data_dir, "region": region, "demo": demo}
    spec = JobSpec(
        f"crawl:{region}",
        f"{JOBS}:crawl_region",
        kwargs,
        _cron(path, "crawl", doc["crawl"], timezone),
        timezone,
        MISFIRE_GRACE["crawl"],
        path,
    )
    return spec, region


def _retry_minutes(path: Path, value: object) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(isinstance(v, int) and v > 0 for v in value):
        raise ScheduleFileError(
            path,
            "retry_minutes",
            f"ожидается список положительных минут, а не {value!r} (must be a list of positive minutes)",
        )
    return tuple(value)


def _keep_releases(path: Path, value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 2:
        raise ScheduleFileError(
            path,
            "keep_releases",
            f"ожидается целое число выпусков от 2, а не {value!r} (must be a whole number of releases, 2 or more)",
        )
    return value
