"""Charts of compliance over time: one small SVG line chart per region, and one for the country.

Each point is a day of checks: the share of checks that found the item (a plan found, a live
survey form, the institution's own bus.gov.ru card), of those whose site could be checked.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from pathlib import Path

from publisher.xmltext import xml_escaped as escape

NATIONAL = "RU"
WIDTH, HEIGHT, PAD = 360, 180, 34
SERIES = {  # item → (colour, Russian label)
    "improvement_plan": ("#1b6ca8", "план"),
    "survey_form": ("#d1495b", "анкета"),
    "bus_gov_link": ("#2e9e5b", "ссылка bus.gov.ru"),
}
_SHARES = """
SELECT {region} AS region, substr(checked_at, 1, 10) AS day, item,
  AVG(status IN ('found', 'live')) AS share
FROM observations WHERE status NOT IN ('site_unreachable', 'blocked_by_robots')
GROUP BY 1, 2, 3
"""
Series = dict[str, dict[str, float]]  # item → day → share


def shares(db: sqlite3.Connection) -> dict[str, Series]:
    """Share of successful checks per region (and ``RU``), item and day."""
    result: dict[str, Series] = defaultdict(lambda: defaultdict(dict))
    for region_sql in ("region", f"'{NATIONAL}'"):
        for region, day, item, share in db.execute(_SHARES.format(region=region_sql)):
            result[region or "?"][item][day] = share
    return result


def _point(index: int, count: int, share: float) -> str:
    x = PAD + (WIDTH - 2 * PAD) * (index / (count - 1) if count > 1 else 0.5)
    y = HEIGHT - PAD - (HEIGHT - 2 * PAD) * share
    return f"{x:.1f},{y:.1f}"


def _axes(days: list[str]) -> list[str]:
    bottom, right = HEIGHT - PAD, WIDTH - PAD
    parts = [
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{bottom}" stroke="#888"/>',
        f'<line x1="{PAD}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#888"/>',
        f'<text x="{PAD - 4}" y="{PAD + 4}" text-anchor="end">100%</text>',
        f'<text x="{PAD - 4}" y="{bottom}" text-anchor="end">0%</text>',
        f'<text x="{PAD}" y="{bottom + 14}">{escape(days[0])}</text>',
    ]
    if len(days) > 1:
        parts.append(
            f'<text x="{right}" y="{bottom + 14}" text-anchor="end">{escape(days[-1])}</text>'
        )
    return parts


def _lines(series: Series, days: list[str]) -> list[str]:
    parts = []
    for number, (item, (colour, label)) in enumerate(SERIES.items()):
        points = [
            _point(days.index(d), len(days), s) for d, s in sorted(series.get(item, {}).items())
        ]
        if points:
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                f'points="{" ".join(points)}"/>'
            )
            parts += [
                f'<circle cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="2.5" fill="{colour}"/>'
                for p in points
            ]
        parts.append(
            f'<text x="{PAD + 110 * number}" y="{HEIGHT - 4}" fill="{colour}">■ {label}</text>'
        )
    return parts


def svg(title: str, series: Series) -> str:
    """One region's chart as an SVG document."""
    days = sorted({day for points in series.values() for day in points}) or ["—"]
    body = [
        f'<text x="{PAD}" y="16" font-weight="bold">{escape(title)}</text>',
        *_axes(days),
        *_lines(series, days),
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11" role="img">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>\n"
    )


def write_charts(database: Path, folder: Path, names: dict[str, str]) -> list[Path]:
    """One SVG per region with checks (``RU`` first) under ``folder``; the files written."""
    db = sqlite3.connect(database)
    try:
        data = shares(db)
    finally:
        db.close()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for region in sorted(data, key=lambda r: (r != NATIONAL, r)):
        title = f"{({NATIONAL: 'Россия'} | names).get(region, region)} ({region}): доля успешных проверок"
        path = folder / f"{region}.svg"
        path.write_text(svg(title, data[region]), encoding="utf-8")
        written.append(path)
    return written
