"""detect_survey_form and judge_form_target: live, broken and not-online survey means."""

from __future__ import annotations

import pytest

from crawler.detectors.survey import detect_survey_form, judge_form_target
from crawler.documents import build_page
from crawler.items import SiteContext

CTX = SiteContext("i1", "https://school5.ru/")
SURVEY_FORM = """<form action="{action}" method="post"><p>Удовлетворены ли вы качеством услуг?</p>
<label><input type="radio" name="q1" value="1"> Да</label>
<label><input type="radio" name="q1" value="0"> Нет</label>
<select name="q2"><option>5</option><option>4</option></select>
<textarea name="q3"></textarea><button>Отправить анкету</button></form>"""


def html(body: str, url: str = "https://school5.ru/anketa/") -> object:
    page = f"<html><head><title>Анкета получателя услуг</title></head><body>{body}</body></html>"
    return build_page(url, 200, {"content-type": "text/html; charset=utf-8"}, page.encode())


def summary(page) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(f.status, f.detail, f.follow) for f in detect_survey_form(page, CTX)]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (SURVEY_FORM.format(action="/anketa/send.php"),
         [("live", "html_form", ("https://school5.ru/anketa/send.php",))]),
        (SURVEY_FORM.format(action=""), [("live", "html_form", ())]),  # posts to itself
        (SURVEY_FORM.format(action="#"), [("live", "html_form", ())]),
        ('<iframe src="https://forms.yandex.ru/u/65f1/?iframe=1"></iframe>',
         [("live", "yandex_forms_embed", ("https://forms.yandex.ru/u/65f1/?iframe=1",))]),
        ('<iframe src="https://docs.google.com/forms/d/e/1FAIp/viewform?embedded=true"></iframe>',
         [("live", "google_forms_embed",
           ("https://docs.google.com/forms/d/e/1FAIp/viewform?embedded=true",))]),
        ('<a href="https://forms.gle/abc123">Пройти опрос</a>',
         [("live", "google_forms_link", ("https://forms.gle/abc123",))]),
        ('<a href="https://www.survio.com/survey/d/X1">Анкета</a>',
         [("live", "survio_link", ("https://www.survio.com/survey/d/X1",))]),
        ('<script src="https://pos.gosuslugi.ru/bin/script.min.js"></script>',
         [("live", "gosuslugi_pos_embed", ("https://pos.gosuslugi.ru/bin/script.min.js",))]),
        ("<p>Анкета временно недоступна</p>", [("broken", "placeholder", ())]),
        ("<p>Опрос закрыт. Спасибо за участие!</p>", [("broken", "placeholder", ())]),
        ("<p>Форма не работает</p>", [("broken", "placeholder", ())]),
        ("<p>Страница находится в разработке</p>", [("broken", "placeholder", ())]),
        ('<a href="/upload/anketa.doc">Анкета для родителей</a>',
         [("not_found", "downloadable_questionnaire", ())]),
        ('<ul><li>Бланк анкеты <a href="/f/q.pdf">Скачать</a></li></ul>', []),
        ('<form action="/search"><input type="text" name="q"><input type="submit"></form>', []),
        ('<form><input name="login"><input type="password"><input type="radio">'
         '<input type="radio"><input type="submit"></form>', []),
        # no submit control: nothing can be sent
        ('<form><input type="radio" name="a"><input type="radio" name="a"></form>', []),
        ("<p>Анкета для родителей будет размещена позже</p>", []),
    ],
)  # fmt: skip
def test_survey_page(body, expected):
    assert summary(html(body)) == expected


ORDER_FORM = """<form action="/cart"><label><input type="radio" name="d"> Курьер</label>
<label><input type="radio" name="d"> Самовывоз</label>
<input type="submit" value="Заказать"></form>"""


def test_html_form_counts_only_on_a_page_about_a_survey():
    shop = build_page("https://school5.ru/shop/", 200, {}, f"<h1>Форма</h1>{ORDER_FORM}".encode())
    assert summary(shop) == []
    assert summary(html(ORDER_FORM)) == [("live", "html_form", ("https://school5.ru/cart",))]


def test_embedded_form_is_found_on_any_page():
    page = build_page(
        "https://school5.ru/", 200, {}, b'<iframe src="https://forms.yandex.ru/u/1/">'
    )
    assert summary(page) == [("live", "yandex_forms_embed", ("https://forms.yandex.ru/u/1/",))]


def test_documents_have_no_online_forms():
    page = build_page("https://school5.ru/anketa.pdf", 200, {}, b"%PDF-1.4 garbage")
    assert detect_survey_form(page, CTX) == []


def target(text: str, url: str = "https://forms.yandex.ru/u/1/") -> object:
    return build_page(url, 200, {"content-type": "text/html; charset=utf-8"}, text.encode())


@pytest.mark.parametrize(
    ("status", "page", "expected"),
    [
        (200, target("<form><input type=radio></form>"), ("live", "http_200")),
        (405, target("Method Not Allowed"), ("live", "http_405")),  # a POST-only action exists
        (404, target("Not found"), ("broken", "http_404")),
        (410, None, ("broken", "http_410")),
        (502, None, ("broken", "http_502")),
        (0, None, ("broken", "http_0")),  # no answer at all
        (200, target("<h1>Форма больше не принимает ответы</h1>"), ("broken", "form_closed")),
        (200, target("<p>This form is no longer accepting responses</p>",
                     "https://docs.google.com/forms/d/e/1/closedform"), ("broken", "form_closed")),
        (200, target("<p>Опрос завершён</p>"), ("broken", "form_closed")),
        (200, target("<p>Войдите</p>", "https://accounts.google.com/ServiceLogin"),
         ("live", "login_required")),
    ],
)  # fmt: skip
def test_judge_form_target(status, page, expected):
    assert judge_form_target(status, page) == expected
