"""Every error nokwatch reports to a user, in one tree (re-exported by ``nokwatch``).

NokwatchError                 base: the CLI prints its message and exits 1
├── InputError                a file, row or option a user gave is wrong (names the place)
│   ├── ProfileError          a regulation profile file is malformed
│   ├── SyncFailed            a register sync could use none of the file's documents (has .report)
│   ├── UnknownTarget         an institution or region named on the command line is not known
│   └── DisputeRefused        a dispute is refused before anything is stored (names why)
│       ├── TokenRefused      the form's token is missing, unknown or not of the region
│       └── RateLimited       a token filed too many disputes in the window
├── NoViolation               a notice was asked for where the data establishes no violation
├── StoreError                the data directory's store cannot be used
├── PublishError              a release could not be produced (validation failed, nothing to publish)
├── CrawlRunning              a crawl run's previous process still runs (resume refused)
├── CalendarError             the production calendar cannot answer
│   ├── CalendarDataError     a calendar data file is malformed
│   └── DateNotCovered        a date outside the years the calendar covers
├── PeriodError               a period text the deadline engine does not understand
└── ScheduleError             the scheduled service cannot do what was asked
    ├── ScheduleFileError     a schedule file is wrong (names the file and the field)
    ├── ServiceLocked         another service already runs on this data directory
    └── JobFailed             a job ran and did not succeed (retried with back-off)
        └── JobInterrupted    the service stopped while the job ran (re-run at the next start)

Internal control flow (a due date that cannot be computed, a document that cannot be read) uses
exceptions local to its module, never these. Messages are Russian first, with English after
where a technical term helps («файл не найден (file not found): …»).
"""

from __future__ import annotations

from datetime import date


class NokwatchError(Exception):
    """Base of every error nokwatch reports to a user."""


class InputError(NokwatchError):
    """A user-supplied file, row or option is wrong."""


class ProfileError(InputError):
    """A profile file is malformed."""


class SyncFailed(InputError):
    """Every document of a register file failed: nothing was synced (the report says why)."""

    def __init__(self, report: object) -> None:
        super().__init__(f"ни один документ не прочитан (no document could be used)\n{report}")
        self.report = report


class UnknownTarget(InputError):
    """An institution id or region code that the registry does not hold (the CLI exits 2)."""

    def __init__(self, kind: str, names: list[str] | None = None) -> None:
        if names is None:  # a ready message
            super().__init__(kind)
        else:
            super().__init__(f"нет в реестре (not in the registry): {kind} {', '.join(names)}")
        self.kind, self.names = kind, list(names or [])


class DisputeRefused(InputError):
    """A dispute that is refused before anything is stored: the message says why."""


class TokenRefused(DisputeRefused):
    """The web form's token is missing, unknown, or of another region."""


class RateLimited(DisputeRefused):
    """A token filed more disputes than the form allows in its window."""


class NoViolation(NokwatchError):
    """No verdict of the institution (or region) establishes a violation: no notice is written."""


class StoreError(NokwatchError):
    """The store cannot be opened or used."""


class PublishError(NokwatchError):
    """A release could not be produced."""


class CrawlRunning(NokwatchError):
    """A crawl run cannot be resumed while its previous process still runs."""


class CalendarError(NokwatchError):
    """The production calendar cannot answer."""


class CalendarDataError(CalendarError):
    """A calendar data file is malformed."""


class DateNotCovered(CalendarError):
    """A date outside the years the calendar covers."""

    def __init__(self, day: date | int, first_year: int, last_year: int) -> None:
        shown = day if isinstance(day, date) else date.fromordinal(day)
        super().__init__(
            f"дата {shown:%d.%m.%Y} вне производственного календаря ({first_year}–{last_year})"
        )
        self.day = shown


class PeriodError(NokwatchError, ValueError):
    """A period text the deadline engine does not understand."""


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


class JobInterrupted(JobFailed):
    """The service stopped while the job ran; it is re-run at the next start, not retried now."""
