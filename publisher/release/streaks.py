"""Sites that fail several crawls in a row: one row per streak, with when the site came back.

A site fails a crawl when every observation of it in that run is ``site_unreachable``; crawls that
did not reach the site at all (an interrupted run) neither break nor extend a streak. The rows are
the published ``unreachable_sites`` resource (``datapackages/schemas/unreachable_sites.json``).
"""

from __future__ import annotations

from collections.abc import Iterator

import datapackages
from publisher.store import Store

UNREACHABLE_AFTER = 3  # failed crawls in a row before a site is reported

_STREAKS_SQL = """
WITH per_run AS (
  SELECT institution_id, run_id, MAX(checked_at) AS checked_at,
         MIN(status = 'site_unreachable') AS down, MAX(error) AS error
  FROM observations GROUP BY institution_id, run_id
),
marked AS (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY institution_id ORDER BY checked_at, run_id)
          - ROW_NUMBER() OVER (PARTITION BY institution_id, down ORDER BY checked_at, run_id) AS grp
  FROM per_run
),
streaks AS (
  SELECT institution_id, grp, MIN(checked_at) AS since, MAX(checked_at) AS last_failed_at,
         COUNT(*) AS runs
  FROM marked WHERE down = 1 GROUP BY institution_id, grp HAVING COUNT(*) >= ?
)
SELECT s.institution_id, i.region, i.website, s.since, s.last_failed_at, s.runs,
  (SELECT m.error FROM marked m WHERE m.institution_id = s.institution_id AND m.down = 1
     AND m.checked_at = s.last_failed_at ORDER BY m.run_id DESC LIMIT 1) AS error,
  (SELECT MIN(p.checked_at) FROM per_run p WHERE p.institution_id = s.institution_id
     AND p.down = 0 AND p.checked_at > s.last_failed_at) AS recovered_at
FROM streaks s LEFT JOIN institutions i ON i.id = s.institution_id
ORDER BY s.institution_id, s.since
"""


def unreachable_sites(store: Store, after: int = UNREACHABLE_AFTER) -> Iterator[dict]:
    """Every streak of ``after`` or more failed crawls of one site, ongoing or ended."""
    fields = datapackages.field_names("unreachable_sites")
    for row in store.db.execute(_STREAKS_SQL, (after,)):
        yield {f: row[f] for f in fields}
