"""Texts of the simulated documents: the plan, its look-alikes, survey forms and banners."""

from __future__ import annotations

from datetime import date

MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


def russian_date(day: date) -> str:
    """«12» марта 2024 г. — the way approval stamps write dates."""
    return f"«{day.day:02d}» {MONTHS_GENITIVE[day.month - 1]} {day.year} г."


def current_plan(name: str, approved: date) -> str:
    """The text of a current-cycle improvement plan approved on ``approved``."""
    year = approved.year
    return (
        f"УТВЕРЖДАЮ\nДиректор {name}\n__________ И.И. Иванова\n{russian_date(approved)}\n\n"
        "ПЛАН\nпо устранению недостатков, выявленных в ходе независимой оценки качества условий "
        f"оказания услуг {name} на {year}-{year + 1} годы\n\n"
        "Недостатки, выявленные в ходе независимой оценки качества | Наименование мероприятия | "
        "Плановый срок реализации | Ответственный исполнитель\n"
        "1. Отсутствие на сайте информации о материально-техническом обеспечении | Разместить "
        f"информацию на официальном сайте | до 01.06.{year} | заместитель директора\n"
        "2. Недостаточная доступность для инвалидов | Оборудовать пандус и поручни | "
        f"до 31.12.{year} | заведующий хозяйством\n"
    )


def outdated_plan(name: str) -> str:
    """Last cycle's plan, from the 2014 rules."""
    return (
        "Утвержден приказом от 04.03.2014 № 12\n\n"
        f"План мероприятий по улучшению качества работы организации {name} на 2014 год\n\n"
        "Наименование мероприятия | Срок реализации | Ответственный исполнитель\n"
        "1. Обновить информацию на сайте | II квартал 2014 года | директор\n"
    )


def work_plan(name: str, year: int) -> str:
    """A yearly work plan: a look-alike the detector must not take for the improvement plan."""
    return (
        f"УТВЕРЖДАЮ\nДиректор {name}\n«01» сентября {year} г.\n\n"
        f"План работы учреждения на {year}/{year + 1} учебный год\n\n"
        "Сентябрь | Торжественная линейка | заместитель директора\n"
        "Октябрь | Осенний кросс | учитель физкультуры\n"
    )


SURVEY_HEADING = "Анкета для оценки гражданами качества условий оказания услуг"

SURVEY_FORM = """<form action="{action}" method="post" class="anketa">
<p>1. Удовлетворены ли Вы открытостью и доступностью информации об организации?</p>
<label><input type="radio" name="q1" value="1"> Да</label>
<label><input type="radio" name="q1" value="0"> Нет</label>
<p>2. Ваши предложения по улучшению качества условий оказания услуг</p>
<textarea name="q2"></textarea>
<button type="submit">Отправить анкету</button>
</form>"""

PLACEHOLDER = "<p>Анкета временно недоступна. Приносим извинения за неудобства.</p>"
