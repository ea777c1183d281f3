"""Russian labels of the coded values the published data uses (statuses, items, spheres, kinds).

Shown beside the codes in the XLSX workbooks and on the site's pages; the codes stay the data.
"""

from __future__ import annotations

STATUS = {
    "on_time": "в срок",
    "late": "с опозданием",
    "overdue": "просрочено",
    "pending": "срок не наступил",
    "unknown": "нельзя установить",
    "invalid_data": "ошибка в данных",
    "not_judged": "не оценивается",
    "found": "найдено",
    "live": "работает",
    "not_found": "не найдено",
    "outdated": "устарело",
    "broken": "не работает",
    "mismatch": "ссылка на чужую карточку",
    "site_unreachable": "сайт недоступен — не проверено",
    "blocked_by_robots": "закрыто robots.txt — не проверено",
    "incomplete": "поиск не завершён — не проверено",
    "generic": "ссылка на портал, а не на свою карточку",
    "valid": "в порядке",
    "expired": "просрочен",
    "wrong_host": "выдан другому сайту",
    "untrusted": "недоверенный",
    "no_tls": "нет HTTPS",
}
ITEM = {
    "improvement_plan": "план по устранению недостатков на сайте",
    "survey_form": "анкета для интернет-опроса",
    "bus_gov_link": "ссылка на свою карточку bus.gov.ru",
    "tls_certificate": "сертификат HTTPS",
}
SPHERE = {
    "education": "образование",
    "culture": "культура",
    "sport": "спорт",
    "health": "здравоохранение",
    "social": "социальное обслуживание",
}
KIND = {"institution": "учреждение", "authority": "орган власти"}
BOOLEAN = {"true": "да", "false": "нет"}
ANY = {**STATUS, **ITEM, **SPHERE, **KIND}


def label(code: str | None) -> str:
    """The Russian label of a code (the code itself when it has none)."""
    if code is None:
        return ""
    return ANY.get(code, code)
