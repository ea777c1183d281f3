"""A finished site as a record that can travel, and the one writer that stores records of a run.

A crawl process turns each finished audit into a *site record* — the institution's observation rows
and its counters — and either stores it itself or prints it as one JSON line (``emit``) for the
process that owns the store: the local coordinator of N crawl processes, or the Celery coordinator
(``crawler.broker``). Storing is idempotent per run and institution: a record of an institution the
run has already stored is skipped, so a shard delivered twice (a worker killed mid-shard) stores
every site exactly once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

from crawler.audit import Observation, SiteAudit
from crawler.detectors import DETECTOR_VERSION
from crawler.evidence import EvidenceStore
from publisher.store import Store, utc_now

COUNTERS = (
    "sites",
    "sites_unreachable",
    "sites_incomplete",
    "pages",
    "pages_rendered",
    "links_unfetched",
    "errors",
)
RECORD_PREFIX = "record "  # an emitted record's line; any other line of a child is a log line
# A crawl process that has started every site of its listing and has none of a shared platform in
# flight says so: the next part of its lane may start beside its last sites (crawler.local).
HANDOFF = "handoff"


def observation_row(
    run_id: str, checked_at: str, obs: Observation, evidence_path: str | None
) -> dict:
    """An ``observations`` row (datapackages/schemas/observations.json) for one observation."""
    finding, evidence, coverage = obs.finding, obs.evidence, obs.coverage
    declared = finding.declared_date.isoformat() if finding and finding.declared_date else None
    return {
        "run_id": run_id,
        "institution_id": obs.institution_id,
        "item": obs.item,
        "status": obs.status,
        "url": obs.url,
        "declared_date": declared,
        "checked_at": checked_at,
        "error": obs.error or (finding.detail if finding and obs.status == "broken" else None),
        "http_status": evidence.http_status if evidence else None,
        "sha256": evidence.sha256 if evidence else None,
        "matched_text": finding.matched_text[:500] if finding else None,
        "last_modified": evidence.last_modified if evidence else None,
        "evidence": evidence_path,
        "detector_version": DETECTOR_VERSION,
        "pages_fetched": coverage.pages_fetched if coverage else None,
        "pages_rendered": coverage.pages_rendered if coverage else None,
        "links_unfetched": coverage.links_unfetched if coverage else None,
        "search_end": coverage.search_end if coverage else None,
        "moved_to": coverage.moved_to if coverage else None,
    }


def audit_counts(audit: SiteAudit) -> dict[str, int]:
    """What one finished site adds to its run's counters (the ``crawls`` columns)."""
    coverage = audit.coverage()  # once: the search's end reads the clock and the frontier
    return {
        "sites": 1,
        "sites_unreachable": int(audit.failure is not None),
        "sites_incomplete": int(audit.failure is None and coverage.search_end != "complete"),
        "pages": audit.pages,
        "pages_rendered": audit.rendered,
        "links_unfetched": coverage.links_unfetched,
        "errors": audit.errors,
    }


def site_record(run_id: str, audit: SiteAudit, evidence: EvidenceStore) -> dict[str, Any]:
    """A finished audit as a record: its observation rows (evidence written) and counters."""
    checked_at = utc_now()
    rows = []
    for obs in audit.result():
        path = None
        if obs.evidence is not None:
            ev = obs.evidence
            path = evidence.put(ev.sha256, ev.body, ev.content_type)
        rows.append(observation_row(run_id, checked_at, obs, path))
    return {
        "institution_id": audit.context.institution_id,
        "rows": rows,
        "counts": audit_counts(audit),
    }


def emit(record: dict[str, Any], out: IO[str]) -> None:
    """Print a record as one line for the process that stores it."""
    out.write(RECORD_PREFIX + json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()


def emit_handoff(out: IO[str]) -> None:
    """Print that this crawl process starts no more sites and holds no platform's (``HANDOFF``)."""
    out.write(HANDOFF + "\n")
    out.flush()


def parse_record(line: str) -> dict[str, Any] | None:
    """The record an emitted line carries, or None for any other line."""
    if not line.startswith(RECORD_PREFIX):
        return None
    return json.loads(line[len(RECORD_PREFIX) :])


class RunWriter:
    """The one writer of a run: stores site records once each and keeps the run's counters.

    Whether a site is stored already is asked of the store (the observations' primary key), not
    kept in memory: the writer's memory does not grow with the run."""

    def __init__(self, store: Store, run_id: str) -> None:
        self.store = store
        self.run_id = run_id
        self.counts = dict.fromkeys(COUNTERS, 0)
        # A resumed run carries on counting from what its interrupted part stored.
        for row in store.rows("crawls", "run_id = ?", [run_id]):
            self.counts = {name: row[name] or 0 for name in COUNTERS}

    def add(self, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Store the records not stored yet, in one transaction; return those stored."""
        fresh, taken = [], set()
        for record in records:
            institution = record["institution_id"]
            if institution in taken or self.stored(institution):
                continue  # a shard delivered again: the first delivery's result stands
            taken.add(institution)
            fresh.append(record)
        if not fresh:
            return []
        for record in fresh:
            for name in COUNTERS:
                self.counts[name] += record["counts"].get(name, 0)
        rows = [row for record in fresh for row in record["rows"]]
        self.store.add_observations(rows)
        self.store.update_crawl(self.run_id, **self.counts)
        return fresh

    def stored(self, institution_id: str) -> bool:
        """Whether the run has stored this institution's site already."""
        row = self.store.db.execute(
            "SELECT 1 FROM observations WHERE run_id = ? AND institution_id = ? LIMIT 1",
            (self.run_id, institution_id),
        ).fetchone()
        return row is not None
