"""What the site's own pages show: an institution's page, the home page's headline figures, the
search over institutions and findings. Plain SQL over the site database, read by the plugin.
"""

from __future__ import annotations

from typing import Any

import datapackages
from publisher import labels
from publisher.site.database import joined_columns
from publisher.store import NOT_LOOKED_STATUSES

FICTIONAL_LABEL = "вымышленные данные (демо)"
UNCHECKED = NOT_LOOKED_STATUSES
ITEM_BASIS = {
    "improvement_plan": "размещение плана на официальном сайте: профиль правил региона (сроки — в "
    "вердиктах ниже); с 2018 г. — Федеральный закон от 05.12.2017 № 392-ФЗ",
    "survey_form": "техническая возможность выразить мнение о качестве услуг: план Минтруда России "
    "2016–2018, табл. I, п. 2; региональные распоряжения 2013 г.",
    "bus_gov_link": "информация о результатах оценки на bus.gov.ru: план Минтруда России "
    "2016–2018, п. 8, 10; Федеральный закон от 05.12.2017 № 392-ФЗ",
    "tls_certificate": "не обязанность по НОК: сведения о доступности сайта",
}
ITEM_RU = {k: v[0].upper() + v[1:] for k, v in labels.ITEM.items()}
STATUS_RU = labels.STATUS
SPHERE_RU = labels.SPHERE


def column_titles(table: str | None) -> dict[str, str]:
    """A published table's columns by their Russian titles (the registry's for joined columns)."""
    if table not in datapackages.resource_names():
        return {}
    registry = {f["name"]: f["title"] for f in datapackages.table_schema("institutions")["fields"]}
    titles = {f["name"]: f["title"] for f in datapackages.table_schema(table)["fields"]}
    titles.update({column: registry[column] for column in joined_columns(table)})
    return titles


def ru_date(value: str | None) -> str:
    """``2014-03-05`` (or a datetime) as ``05.03.2014``; empty for nothing."""
    if not value:
        return ""
    year, month, day = value[:10].split("-")
    return f"{day}.{month}.{year}"


def _dicts(cursor: Any) -> list[dict]:
    return [dict(row) for row in cursor]


_ENGINE_DATES = ("declared_date", "done_not_before", "done_not_after")  # when the engine gives them
_VERDICTS = (
    "SELECT c.*, o.description, o.period_text FROM compliance c LEFT JOIN obligations o"
    " USING (institution_id, profile, obligation, period) WHERE c.institution_id = ?"
    " ORDER BY c.due_date, c.obligation"
)
_COVERAGE = (
    "SELECT COUNT(DISTINCT run_id) AS runs, COUNT(*) AS checks,"
    f" SUM(status NOT IN ({', '.join(repr(s) for s in UNCHECKED)})) AS looked,"
    " MIN(checked_at) AS first, MAX(checked_at) AS last"
    " FROM observations WHERE institution_id = ?"
)


def _verdicts(db: Any, institution_id: str) -> list[dict]:
    verdicts = _dicts(db.execute(_VERDICTS, [institution_id]))
    for verdict in verdicts:
        verdict["status_ru"] = STATUS_RU.get(verdict["status"], verdict["status"])
        for key in ("due_date", "done_date", "trigger_date", *_ENGINE_DATES):
            verdict[key + "_ru"] = ru_date(verdict.get(key))
    return verdicts


def _findings(db: Any, institution_id: str) -> list[dict]:
    query = "SELECT * FROM findings WHERE institution_id = ? ORDER BY item"
    findings = _dicts(db.execute(query, [institution_id]))
    for finding in findings:
        finding["item_ru"] = ITEM_RU.get(finding["item"], finding["item"])
        finding["status_ru"] = STATUS_RU.get(finding["status"], finding["status"])
        finding["basis"] = ITEM_BASIS.get(finding["item"], "")
        for key in ("first_seen_at", "last_absent_at", "checked_at"):
            finding[key + "_ru"] = ru_date(finding[key])
    return findings


def institution_page(db: Any, institution_id: str) -> dict | None:
    """Everything the page of one institution shows, or None if there is no such institution."""
    rows = _dicts(
        db.execute(
            "SELECT i.*, r.name AS region_name, COALESCE(r.fictional, 0) AS fictional"
            " FROM institutions i LEFT JOIN regions r ON r.code = i.region WHERE i.id = ?",
            [institution_id],
        )
    )
    if not rows:
        return None
    institution = rows[0]
    institution["sphere_ru"] = SPHERE_RU.get(institution["sphere"], institution["sphere"])
    return {
        "institution": institution,
        "verdicts": _verdicts(db, institution_id),
        "findings": _findings(db, institution_id),
        "coverage": dict(db.execute(_COVERAGE, [institution_id]).fetchone()),
        "fictional_label": FICTIONAL_LABEL if institution["fictional"] else "",
    }


def headline(db: Any) -> dict:
    """The home page's figures, national (fictional regions left out)."""
    real = "(SELECT code FROM regions WHERE NOT fictional)"
    total, checked = db.execute(
        f"SELECT COALESCE(SUM(institutions), 0), COALESCE(SUM(checked), 0) FROM regions"
        f" WHERE code IN {real}"
    ).fetchone()
    compliant = db.execute(
        "SELECT COUNT(*) FROM (SELECT f.institution_id FROM findings f JOIN institutions i"
        f" ON i.id = f.institution_id WHERE i.region IN {real} AND i.kind = 'institution'"
        " AND f.item IN ('improvement_plan', 'survey_form', 'bus_gov_link')"
        " GROUP BY f.institution_id HAVING SUM(f.status IN ('found', 'live')) = 3)"
    ).fetchone()[0]
    overdue, worst = db.execute(
        "SELECT COUNT(*), MAX(COALESCE(days_late, days_late_min)) FROM compliance"
        f" WHERE status = 'overdue' AND region IN {real}"
    ).fetchone()
    share = round(100 * compliant / checked, 1) if checked else None
    return {
        "institutions": total,
        "checked": checked,
        "compliant": compliant,
        "share": share,
        "overdue": overdue,
        "worst_days": worst,
    }


SEARCH_LIMIT = 50


def search(db: Any, text: str) -> dict:
    """Institutions (name, founder, site) and findings (matched text, address) matching ``text``
    by part of a word in any case; a query of fewer than three letters finds nothing."""
    words = [w for w in text.replace('"', " ").split() if w]
    if not words or min(len(w) for w in words) < 3:
        return {"institutions": [], "findings": [], "too_short": bool(words)}
    query = " ".join(f'"{w}"' for w in words)
    institutions = _dicts(
        db.execute(
            "SELECT i.id, i.name, i.region, i.founder, i.website,"
            " COALESCE(r.fictional, 0) AS fictional FROM institutions_fts"
            " JOIN institutions i ON i.rowid = institutions_fts.rowid"
            " LEFT JOIN regions r ON r.code = i.region"
            f" WHERE institutions_fts MATCH ? ORDER BY rank LIMIT {SEARCH_LIMIT}",
            [query],
        )
    )
    findings = _dicts(
        db.execute(
            "SELECT f.institution_id, i.name, f.item, f.status, f.matched_text, f.url,"
            " f.evidence FROM findings_fts JOIN findings f ON f.rowid = findings_fts.rowid"
            " JOIN institutions i ON i.id = f.institution_id"
            f" WHERE findings_fts MATCH ? ORDER BY rank LIMIT {SEARCH_LIMIT}",
            [query],
        )
    )
    for finding in findings:
        finding["item_ru"] = ITEM_RU.get(finding["item"], finding["item"])
        finding["status_ru"] = STATUS_RU.get(finding["status"], finding["status"])
    return {"institutions": institutions, "findings": findings, "too_short": False}
