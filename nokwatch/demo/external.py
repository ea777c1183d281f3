"""Simulated third-party hosts the institution sites embed or link to (form services, bus.gov.ru)."""

from __future__ import annotations

from urllib.parse import urlsplit

from nokwatch.demo.content import SURVEY_FORM
from nokwatch.demo.response import FixtureResponse

EXTERNAL_HOSTS = ("forms.yandex.ru", "docs.google.com", "bus.gov.ru")


def _html(body: str, status: int = 200) -> FixtureResponse:
    page = f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{body}</body></html>"
    return FixtureResponse(status, page.encode(), (("Content-Type", "text/html; charset=utf-8"),))


def respond_external(host: str, target: str) -> FixtureResponse:
    """Answer for a form service or bus.gov.ru: live forms, closed forms, deleted forms."""
    path = urlsplit(target).path
    if "deleted-form" in path:
        return _html("<h1>Форма не найдена</h1>", 404)
    if "closed-form" in path:
        return _html("<p>Форма больше не принимает ответы.</p>")
    if host in ("forms.yandex.ru", "docs.google.com"):
        return _html(SURVEY_FORM.format(action=path))
    return _html(
        "<h1>Официальный сайт для размещения информации о государственных учреждениях</h1>"
    )
