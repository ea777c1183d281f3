"""What a bus.gov.ru sync did: counts by outcome, and the documents it could not use."""

from __future__ import annotations

from dataclasses import dataclass, field

from publisher.registry.busgov.parser import RejectedDocument

_SUMMARY_ERRORS = 20


@dataclass
class SyncReport:
    """What a sync did, by outcome, and the documents it could not use."""

    source: str
    documents: int = 0
    new: int = 0
    changed: int = 0
    closed: int = 0
    unchanged: int = 0
    skipped_not_newer: int = 0
    out_of_scope: int = 0
    conflicts: int = 0
    errors: list[RejectedDocument] = field(default_factory=list)
    warnings: list[RejectedDocument] = field(default_factory=list)

    @property
    def used(self) -> int:
        """Documents that did something or were found already applied (not errors)."""
        outcomes = (self.new, self.changed, self.unchanged, self.skipped_not_newer)
        return sum(outcomes) + self.out_of_scope

    def summary(self) -> str:
        """Counts on one line, then the first errors and warnings, one a line."""
        head = (
            f"{self.source}: документов {self.documents}; new {self.new}, changed {self.changed},"
            f" closed {self.closed}, unchanged {self.unchanged},"
            f" not newer {self.skipped_not_newer}, out of scope {self.out_of_scope},"
            f" conflicts {self.conflicts}, errors {len(self.errors)}, warnings {len(self.warnings)}"
        )
        lines = [head]
        for label, items in (("error", self.errors), ("warning", self.warnings)):
            lines += [f"  {label}: {item}" for item in items[:_SUMMARY_ERRORS]]
            if len(items) > _SUMMARY_ERRORS:
                lines.append(f"  … {len(items) - _SUMMARY_ERRORS} more {label}s")
        return "\n".join(lines)

    __str__ = summary
