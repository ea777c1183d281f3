"""The ``kpi`` resource: indicators per region and year, with Mintrud's targets beside the facts.

Site indicators count, per region and year, each institution's latest check of the item in that
year; sites that could not be checked (unreachable, robots, an incomplete search) are left out of
the denominator. ``search_complete_share`` says how many site searches were complete at all.
Mintrud's indicators (seed 003, table I) are national rows (region ``RU``). A fictional region
(the demo's) keeps its own rows but never enters a national one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from publisher.store import NOT_LOOKED_STATUSES, Store
from publisher.vocab import fictional_regions

NATIONAL = "RU"
UNCHECKABLE = NOT_LOOKED_STATUSES
MINTRUD = "Минтруд России, план 2016-2018, табл. I"
OWN = "nokwatch: проверки сайтов"
SITE_ITEMS = {  # item → (indicator, status that meets it, Russian title)
    "survey_form": (
        "survey_form_live_share",
        "live",
        "Доля учреждений с работающей анкетой для интернет-опроса",
    ),
    "bus_gov_link": (
        "bus_gov_link_correct_share",
        "found",
        "Доля учреждений с верной ссылкой на свою карточку bus.gov.ru",
    ),
}
PLAN_TITLE = "Доля планов по устранению недостатков, размещённых в срок"
ASSESSED_TITLE = "Доля организаций социального обслуживания, прошедших независимую оценку в году"
AUTHORITY_TITLE = (
    "Число регионов, на сайтах органов власти которых работает анкета для интернет-опроса"
)
# (target, target_max, reported) by year, seed 003 table I, items 1 and 2
ASSESSED_TARGETS = {
    2015: (None, None, 50.5),
    2016: (45, 50, None),
    2017: (45, 50, None),
    2018: (45, 50, None),
}
AUTHORITY_TARGETS = {
    2015: (None, None, 49),
    2016: (60, None, None),
    2017: (70, None, None),
    2018: (83, None, None),
}

_LATEST = """
WITH latest AS (
  SELECT institution_id, item, status, CAST(substr(checked_at, 1, 4) AS INTEGER) AS year,
    ROW_NUMBER() OVER (PARTITION BY institution_id, item, substr(checked_at, 1, 4)
                       ORDER BY checked_at DESC, run_id DESC) AS rank
  FROM observations WHERE item = ?)
SELECT i.region, i.kind, l.year, l.status
FROM latest l JOIN institutions i ON i.id = l.institution_id
WHERE l.rank = 1
"""
COVERAGE_TITLE = "Доля сайтов, поиск по которым завершён (вывод «не найдено» полон)"
# One row per site check: the improvement_plan observation carries the site's search_end.
_COVERAGE = """
WITH latest AS (
  SELECT institution_id, search_end, CAST(substr(checked_at, 1, 4) AS INTEGER) AS year,
    ROW_NUMBER() OVER (PARTITION BY institution_id, substr(checked_at, 1, 4)
                       ORDER BY checked_at DESC, run_id DESC) AS rank
  FROM observations WHERE item = 'improvement_plan' AND search_end IS NOT NULL
    AND search_end != 'site_unreachable')
SELECT i.region, l.year, SUM(l.search_end = 'complete'), COUNT(*)
FROM latest l JOIN institutions i ON i.id = l.institution_id
WHERE l.rank = 1 AND i.kind = 'institution'
GROUP BY i.region, l.year
"""
_PLANS = """
SELECT i.region, CAST(substr(c.due_date, 1, 4) AS INTEGER) AS year,
  SUM(c.status = 'on_time') AS ok, COUNT(*) AS total,
  GROUP_CONCAT(DISTINCT CASE WHEN c.done_source LIKE 'report:%' THEN substr(c.done_source, 8) END),
  SUM(c.done_source IS NULL OR c.done_source NOT LIKE 'report:%')
FROM compliance c JOIN institutions i ON i.id = c.institution_id
WHERE c.obligation = 'plan_posted' AND c.status IN ('on_time', 'late', 'overdue')
GROUP BY i.region, year
"""
_ASSESSED = """
SELECT region, CAST(substr(assessment_date, 1, 4) AS INTEGER) AS year, COUNT(*) FROM institutions
WHERE kind = 'institution' AND sphere = 'social' AND assessment_date IS NOT NULL
GROUP BY region, year
"""
_SOCIAL = (
    "SELECT region, COUNT(*) FROM institutions WHERE kind = 'institution' AND sphere = 'social'"
    " GROUP BY region"
)

Counts = dict[tuple[str, int], list[int]]  # (region, year) → [numerator, denominator]


def _row(
    region: str,
    year: int,
    indicator: str,
    title: str,
    counts: list[int] | None,
    unit: str = "percent",
    targets: tuple = (None, None, None),
    basis: str = OWN,
) -> dict:
    numerator, denominator = counts if counts else (None, None)
    value = None
    if denominator:
        value = round(100 * numerator / denominator, 1) if unit == "percent" else numerator
    return {
        "region": region,
        "year": year,
        "indicator": indicator,
        "title": title,
        "unit": unit,
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        "target": targets[0],
        "target_max": targets[1],
        "reported": targets[2],
        "basis": basis,
    }


def _with_national(counts: Counts) -> Counts:
    total: Counts = defaultdict(lambda: [0, 0])
    fictional = fictional_regions()
    for (region, year), (numerator, denominator) in counts.items():
        if region in fictional:
            continue
        total[(NATIONAL, year)][0] += numerator
        total[(NATIONAL, year)][1] += denominator
    return {**counts, **total}


def site_counts(
    store: Store, item: str, ok_status: str
) -> tuple[Counts, dict[int, set[str]], dict[int, set[str]]]:
    """Counts per (region, year); regions whose authority site passed, and was checked."""
    counts: Counts = defaultdict(lambda: [0, 0])
    authority_ok: dict[int, set[str]] = defaultdict(set)
    authority_checked: dict[int, set[str]] = defaultdict(set)
    for region, kind, year, status in store.db.execute(_LATEST, (item,)):
        if status in UNCHECKABLE:
            continue
        if kind == "authority":
            if region in fictional_regions():
                continue
            authority_checked[year].add(region)
            if status == ok_status:
                authority_ok[year].add(region)
            continue
        counts[(region, year)][1] += 1
        counts[(region, year)][0] += status == ok_status
    return counts, authority_ok, authority_checked


def _site_rows(store: Store) -> Iterator[dict]:
    for item, (indicator, ok_status, title) in SITE_ITEMS.items():
        counts, authority_ok, checked = site_counts(store, item, ok_status)
        for (region, year), pair in sorted(_with_national(counts).items()):
            yield _row(region, year, indicator, title, pair)
        if item == "survey_form":
            yield from _authority_rows(authority_ok, checked)


def _authority_rows(passed: dict[int, set[str]], checked: dict[int, set[str]]) -> Iterator[dict]:
    basis = f"{MINTRUD}, п. 2"
    for year in sorted(set(checked) | set(AUTHORITY_TARGETS)):
        pair = [len(passed.get(year, ())), len(checked[year])] if year in checked else None
        yield _row(
            NATIONAL,
            year,
            "authority_survey_regions",
            AUTHORITY_TITLE,
            pair,
            "regions",
            AUTHORITY_TARGETS.get(year, (None, None, None)),
            basis,
        )


def _coverage_rows(store: Store) -> Iterator[dict]:
    counts: Counts = {(r, y): [ok, total] for r, y, ok, total in store.db.execute(_COVERAGE)}
    for (region, year), pair in sorted(_with_national(counts).items()):
        yield _row(region, year, "search_complete_share", COVERAGE_TITLE, pair)


def _plan_basis(reports: set[str], checked: bool) -> str:
    """Where the on-time share's verdicts come from: a region's report, site checks, or both."""
    named = f"отчёт региона ({', '.join(sorted(reports))})" if reports else ""
    return "; ".join(part for part in (named, OWN if checked or not reports else "") if part)


def _plan_rows(store: Store) -> Iterator[dict]:
    counts: Counts = {}
    sources: dict[tuple[str, int], tuple[set[str], bool]] = {}
    for region, year, ok, total, reports, others in store.db.execute(_PLANS):
        counts[(region, year)] = [ok, total]
        sources[(region, year)] = (set(reports.split(",")) if reports else set(), bool(others))
    for (_, year), (reports, checked) in list(sources.items()):
        national = sources.get((NATIONAL, year), (set(), False))
        sources[(NATIONAL, year)] = (national[0] | reports, national[1] or checked)
    for (region, year), pair in sorted(_with_national(counts).items()):
        basis = _plan_basis(*sources.get((region, year), (set(), True)))
        yield _row(region, year, "plan_on_time_share", PLAN_TITLE, pair, basis=basis)


def _assessed_rows(store: Store) -> Iterator[dict]:
    fictional = fictional_regions()
    social = {r: n for r, n in store.db.execute(_SOCIAL) if r not in fictional}
    counts: dict[tuple[str, int], list[int] | None] = {
        (r, y): [n, social[r]] for r, y, n in store.db.execute(_ASSESSED) if r in social
    }
    for year in sorted({y for _, y in counts} | set(ASSESSED_TARGETS)):
        regional = [
            pair for (r, y), pair in counts.items() if y == year and pair and r not in fictional
        ]
        # A year nobody reported an assessment for is unknown, not 0 %: the target stands alone.
        total = [sum(pair[0] for pair in regional), sum(social.values())]
        counts[(NATIONAL, year)] = total if regional and social else None
    basis = f"{MINTRUD}, п. 1"
    for (region, year), pair in sorted(counts.items()):
        targets = (
            ASSESSED_TARGETS.get(year, (None, None, None))
            if region == NATIONAL
            else (None, None, None)
        )
        yield _row(
            region, year, "assessed_share", ASSESSED_TITLE, pair, targets=targets, basis=basis
        )


def kpi_rows(store: Store) -> Iterator[dict]:
    """Every indicator row, national (``RU``) and per region, ordered by indicator, region, year."""
    yield from _site_rows(store)
    yield from _coverage_rows(store)
    yield from _plan_rows(store)
    yield from _assessed_rows(store)
