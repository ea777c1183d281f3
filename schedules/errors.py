"""Errors the scheduled service reports.

NokwatchError
└── ScheduleError       the service cannot do what was asked
    ├── ScheduleFileError   a schedule file is wrong (names the file and the field)
    ├── ServiceLocked       another service already runs on this data directory
    └── JobFailed           a job ran and did not succeed (it is retried with back-off)
"""

from __future__ import annotations

from publisher.errors import NokwatchError


class ScheduleError(NokwatchError):
    """Base of the service's errors."""


class ScheduleFileError(ScheduleError):
    """A schedule file cannot be used."""

    def __init__(self, path: object, field: str, problem: str) -> None:
        super().__init__(f"{path}: {field}: {problem}")
        self.path, self.field, self.problem = path, field, problem


class ServiceLocked(ScheduleError):
    """Another service holds the data directory's lock."""


class JobFailed(ScheduleError):
    """A job did not succeed."""
