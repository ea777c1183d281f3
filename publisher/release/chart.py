"""Charts of compliance over time: one SVG line chart per region, and one for the country, drawn
with pygal at publish time (static files: no JavaScript, no network).

Each point is a day of checks: the share of checked sites that passed the item (a plan found, a
live survey form, the institution's own bus.gov.ru card). Sites that could not be checked are
left out; a region with no checked site gets an empty chart that says so, never a line at 0 %.
The national chart leaves fictional regions out.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from collections import defaultdict
from pathlib import Path

import pygal
from pygal.style import Style

from publisher.store import NOT_LOOKED_STATUSES
from publisher.vocab import fictional_regions
from publisher.xmltext import xml_text

# pygal puts a legacy import hook (for its map plugins, unused here) on sys.meta_path, which makes
# every later failed import warn (an ImportWarning); take it off again.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

NATIONAL = "RU"
_NOT_LOOKED = ", ".join(repr(s) for s in NOT_LOOKED_STATUSES)
SERIES = {  # item → (colour, Russian label)
    "improvement_plan": ("#1b6ca8", "План по устранению недостатков"),
    "survey_form": ("#d1495b", "Анкета для интернет-опроса"),
    "bus_gov_link": ("#2e9e5b", "Ссылка на свою карточку bus.gov.ru"),
}
NO_CHECKS = "Не проверено"
NO_CHECKS_TITLE = ": ни один сайт не удалось проверить"
_SHARES = """
SELECT {region} AS region, substr(checked_at, 1, 10) AS day, item,
  AVG(status IN ('found', 'live')) AS share
FROM observations
WHERE status NOT IN ({not_looked}) AND {where}
GROUP BY 1, 2, 3
"""
Series = dict[str, dict[str, float]]  # item → day → share


def shares(db: sqlite3.Connection) -> dict[str, Series]:
    """Share of successful checks per region (and ``RU``, without fictional regions), item, day."""
    result: dict[str, Series] = defaultdict(lambda: defaultdict(dict))
    fictional = ", ".join(f"'{code}'" for code in sorted(fictional_regions())) or "''"
    for region_sql, where in (("region", "1"), (f"'{NATIONAL}'", f"region NOT IN ({fictional})")):
        query = _SHARES.format(region=region_sql, where=where, not_looked=_NOT_LOOKED)
        for region, day, item, share in db.execute(query):
            result[region or "?"][item][day] = share
    return result


def _style() -> Style:
    return Style(
        colors=tuple(colour for colour, _ in SERIES.values()),
        font_family="sans-serif",
        title_font_size=16,
        legend_font_size=13,
        label_font_size=12,
        major_label_font_size=12,
        background="white",
        plot_background="white",
    )


def svg(title: str, series: Series) -> str:
    """One region's chart as an SVG document."""
    days = sorted({day for points in series.values() for day in points})
    chart = pygal.Line(
        title=xml_text(title, "chart title"),  # a name from a registry may carry control chars
        style=_style(),
        width=720,
        height=360,
        range=(0, 100),
        show_dots=True,
        dots_size=5,
        allow_interruptions=True,  # a day without checks of an item is a gap, not a zero
        legend_at_bottom=True,
        legend_at_bottom_columns=1,
        truncate_legend=-1,
        truncate_label=-1,
        no_data_text=NO_CHECKS,
        no_data_font_size=28,
        js=[],  # static SVG: no script from the network
        explicit_size=True,  # width and height on the <svg>, so an <img> of it has its size
        value_formatter=lambda value: f"{value:.0f} %",
        y_title="Доля проверенных сайтов, %" if days else "",
    )
    chart.x_labels = [f"{d[8:10]}.{d[5:7]}.{d[:4]}" for d in days]
    if days:
        for item, (_, label) in SERIES.items():
            points = series.get(item, {})
            chart.add(label, [round(100 * points[d], 1) if d in points else None for d in days])
    # pygal inlines its config as a script for its optional JavaScript: not needed, not shipped
    return re.sub(r"<script.*?</script>", "", chart.render(is_unicode=True), flags=re.S)


def write_charts(database: Path, folder: Path, names: dict[str, str]) -> list[Path]:
    """One SVG per region of the release (``RU`` first) under ``folder``; the files written."""
    db = sqlite3.connect(database)
    try:
        data = shares(db)
        regions = [row[0] for row in db.execute("SELECT code FROM regions")]
    finally:
        db.close()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    fictional = fictional_regions()
    for region in sorted({NATIONAL, *regions, *data}, key=lambda r: (r != NATIONAL, r)):
        name = ({NATIONAL: "Россия"} | names).get(region, region)
        title = f"{name} ({region})" + (
            " — вымышленные данные (демо)" if region in fictional else ""
        )
        title += "" if data.get(region) else NO_CHECKS_TITLE
        path = folder / f"{region}.svg"
        path.write_text(svg(title, data.get(region, {})), encoding="utf-8")
        written.append(path)
    return written
