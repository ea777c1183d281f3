"""Atom feeds of new violations, one for the country and one per region, for journalists to follow.

Each release adds its new violations (``changes`` rows with ``violation``) on top of the previous
release's feed, so a reader who polls less often than releases are made misses nothing. The first
release has nothing to compare with: its feeds list every violation it publishes
(``current_violations``). A fictional region has its own feed and never enters the national one.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from publisher.labels import ITEM, STATUS
from publisher.release.changes import BAD_FINDINGS, LATE, verdict_subject
from publisher.vocab import fictional_regions
from publisher.xmltext import FORBIDDEN, xml_text

log = logging.getLogger(__name__)

ATOM = "http://www.w3.org/2005/Atom"
XML = "http://www.w3.org/XML/1998/namespace"
MAX_ENTRIES = 200
NATIONAL = "RU"
ET.register_namespace("", ATOM)


def describe(row: dict) -> str:
    """A changes row in Russian words: what changed, from what to what."""
    subject = row["subject"]
    if ":" in subject:
        profile, _, obligation = subject.partition(":")
        subject = f"{obligation} ({profile})"
    subject = ITEM.get(subject, subject)
    old, new = (STATUS.get(v or "", v or "—") for v in (row["old_value"], row["new_value"]))
    return f"{subject}: {old} → {new}"


def _entry(row: dict, updated: str) -> ET.Element:
    where = f"changes row of institution {row['institution_id']!r} ({row['subject']})"
    entry = ET.Element(f"{{{ATOM}}}entry")
    key = xml_text(f"{row['release']}/{row['institution_id']}/{row['subject']}", where)
    ET.SubElement(entry, f"{{{ATOM}}}id").text = f"tag:nokwatch,2026:{key}"
    title = xml_text(f"{row['name']} ({row['region']}): {describe(row)}", where)
    ET.SubElement(entry, f"{{{ATOM}}}title").text = title
    ET.SubElement(entry, f"{{{ATOM}}}updated").text = updated
    href = xml_text(f"institution/{row['institution_id']}", where)
    ET.SubElement(entry, f"{{{ATOM}}}link", {"href": href, "rel": "alternate"})
    compared = f"по сравнению с {row['previous']}" if row.get("previous") else "первый выпуск"
    summary = f"Выпуск {row['release']} ({compared}): {title}"
    ET.SubElement(entry, f"{{{ATOM}}}summary").text = xml_text(summary, where)
    return entry


# A character reference to a character XML 1.0 forbids (``&#1;``, ``&#x1F;``).
_FORBIDDEN_REFERENCE = re.compile(
    r"&#(?:x0*(?:[0-8bcef]|1[0-9a-f])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));", re.I
)


def _old_entries(path: Path | None) -> list[ET.Element]:
    """The previous feed's entries; a feed written before control characters were removed is
    repaired on reading, and one that still cannot be read is started anew (with a warning)."""
    if path is None or not path.exists():
        return []
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        return ET.fromstring(text.encode()).findall(f"{{{ATOM}}}entry")
    except ET.ParseError:
        repaired = _FORBIDDEN_REFERENCE.sub("", FORBIDDEN.sub("", text))
    try:
        entries = ET.fromstring(repaired.encode()).findall(f"{{{ATOM}}}entry")
    except ET.ParseError as error:
        log.warning("%s не читается (%s): лента начата заново (the feed starts anew)", path, error)
        return []
    log.warning(
        "%s: удалены символы, запрещённые в XML; записей сохранено: %d (repaired)",
        path,
        len(entries),
    )
    return entries


def write_feed(
    path: Path, title: str, rows: Iterable[dict], updated: str, previous: Path | None = None
) -> int:
    """Write one feed: this release's violations first, then the previous feed's; entry count."""
    feed = ET.Element(f"{{{ATOM}}}feed", {f"{{{XML}}}base": "/"})
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"tag:nokwatch,2026:feed/{path.stem}"
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated
    ET.SubElement(ET.SubElement(feed, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = "nokwatch"
    ET.SubElement(feed, f"{{{ATOM}}}link", {"href": f"-/release/feeds/{path.name}", "rel": "self"})
    entries = [_entry(r, updated) for r in rows if r["violation"]] + _old_entries(previous)
    feed.extend(entries[:MAX_ENTRIES])
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(feed).write(path, encoding="utf-8", xml_declaration=True)
    return min(len(entries), MAX_ENTRIES)


def write_feeds(
    folder: Path, regions: dict[str, str], changes: list[dict], updated: str, previous: Path | None
) -> list[Path]:
    """The national feed and one per region (code → Russian name) under ``folder``."""
    written, fictional = [], fictional_regions()
    for code, name in {NATIONAL: "Россия", **regions}.items():
        rows = [
            r
            for r in changes
            if r["region"] == code or (code == NATIONAL and r["region"] not in fictional)
        ]
        path = folder / f"{code}.atom"
        old = previous / path.name if previous else None
        write_feed(path, f"nokwatch: новые нарушения — {name}", rows, updated, old)
        written.append(path)
    return written


VIOLATING = {"compliance": LATE, "findings": BAD_FINDINGS}  # as the release's changes count them


def current_violations(
    verdicts: Iterable[dict], findings: Iterable[dict], names: dict[str, tuple], release: str
) -> list[dict]:
    """The violations a first release publishes, as ``changes``-like rows (from nothing to now);
    ``names`` maps an institution id to its (name, region)."""
    rows = []
    for source, status_rows in (("compliance", verdicts), ("findings", findings)):
        for row in status_rows:
            if row["status"] not in VIOLATING[source]:
                continue
            # the subject as in ``changes``, so a violation keeps its entry id in later releases
            subject = row["item"] if source == "findings" else verdict_subject(row)
            name, region = names.get(row["institution_id"], (row["institution_id"], ""))
            rows.append(
                {
                    "release": release,
                    "previous": None,
                    "institution_id": row["institution_id"],
                    "name": name,
                    "region": region,
                    "subject": subject,
                    "old_value": None,
                    "new_value": row["status"],
                    "violation": True,
                }
            )
    return rows
