"""A release's ``CHANGELOG.md``: what changed since the previous release, in words people read."""

from __future__ import annotations

from collections.abc import Iterable

LISTED = 200  # a section lists this many entries; the rest are in the changes resource
SECTIONS = (  # (title, test on a changes row)
    ("Учреждения добавлены", lambda r: r["change"] == "institution_added"),
    ("Учреждения удалены", lambda r: r["change"] == "institution_removed"),
    (
        "Опоздали или просрочили (новые нарушения сроков)",
        lambda r: r["change"] == "verdict_changed" and r["violation"],
    ),
    ("Исполнили просроченное", lambda r: r["change"] == "verdict_changed" and r["fixed"]),
    ("Исправили сайт", lambda r: r["change"] == "finding_changed" and r["fixed"]),
    ("Новые проблемы на сайтах", lambda r: r["change"] == "finding_changed" and r["violation"]),
    (
        "Прочие изменения вердиктов",
        lambda r: r["change"] == "verdict_changed" and not (r["violation"] or r["fixed"]),
    ),
    (
        "Прочие изменения проверок",
        lambda r: r["change"] == "finding_changed" and not (r["violation"] or r["fixed"]),
    ),
)


def _line(row: dict) -> str:
    who = f"{row['region']} · {row['name']} (`{row['institution_id']}`)"
    if row["subject"] == "institution":
        return f"- {who}"
    return f"- {who} — {row['subject']}: {row['old_value'] or '—'} → {row['new_value'] or '—'}"


def _counts(rows: dict[str, int], before: dict[str, int]) -> list[str]:
    lines = []
    for name, count in rows.items():
        delta = count - before.get(name, 0)
        lines.append(f"- {name}: {count} ({delta:+d})" if before else f"- {name}: {count}")
    return lines


def changelog(
    version: str,
    created: str,
    previous: str | None,
    bump: str,
    changes: Iterable[dict],
    rows: dict[str, int],
    before: dict[str, int],
) -> str:
    """The Markdown changelog of release ``version``."""
    head = [f"# nokwatch {version} — {created}", ""]
    if previous is None:
        head += ["Первый выпуск. First release.", ""]
    else:
        head += [f"По сравнению с выпуском {previous} (изменение версии: {bump}).", ""]
    head += ["## Строк в ресурсах", "", *_counts(rows, before), ""]
    changes = list(changes)
    for title, test in SECTIONS:
        chosen = [row for row in changes if test(row)]
        if not chosen:
            continue
        head += [f"## {title} ({len(chosen)})", "", *map(_line, chosen[:LISTED])]
        if len(chosen) > LISTED:
            head.append(f"- … ещё {len(chosen) - LISTED}: см. ресурс changes (data/changes.csv)")
        head.append("")
    if previous is not None and not changes:
        head += ["Учреждения, вердикты и результаты проверок не изменились.", ""]
    return "\n".join(head)
