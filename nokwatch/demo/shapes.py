"""Site shapes that make a careless crawler say «not found»: real institution sites look like this.

- ``news_heavy``: hundreds of news and photo-album links on the home page before «Сведения…»;
- ``link_maze``: a hundred ordinary section links (a search that cannot finish within budget);
- ``many_documents``: a documents page with fifty «Положение о …» files, the plan among them;
- ``moved``: the registry address answers 301 to a new domain, where the site lives;
- ``robots_section``: robots.txt closes ``/sveden/``, where the documents are;
- ``app_shell``: the home page is an app shell, a script builds the menu (needs a browser);
- ``failing_section``: the «Сведения…» page answers 503, the plan lies behind it;
- ``orphan``: the НОК section is linked from nowhere, only the sitemap lists it;
- ``sitemap_down``: as ``orphan``, but the sitemap answers 503 (not among SHAPES: one test's);
- ``portal_link``: the bus.gov.ru banner links to the portal's home page, not to the card;
- ``loopback_plan``: the plan link points at a loopback address (the crawler must not fetch it).
"""

from __future__ import annotations

import html
import json

from nokwatch.demo.response import FixtureResponse

SHAPES = (
    "news_heavy",
    "link_maze",
    "many_documents",
    "moved",
    "robots_section",
    "app_shell",
    "failing_section",
    "orphan",
    "portal_link",
    "loopback_plan",
)
UNLINKED = ("orphan", "sitemap_down")  # the НОК section is reached only through the sitemap
NEWS_LINKS = 300
PHOTO_LINKS = 60
MAZE_LINKS = 100
REGULATIONS = 50
_TOPICS = (
    "о приёме обучающихся",
    "о режиме занятий",
    "о порядке оказания платных услуг",
    "о педагогическом совете",
    "о родительском комитете",
    "о формах обучения",
    "о внутреннем контроле",
    "об официальном сайте",
)


def _link(href: str, text: str) -> str:
    return f'<a href="{html.escape(href)}">{html.escape(text)}</a>'


def moved_host(host: str) -> str:
    """Where a ``moved`` site now lives: another domain."""
    return f"{host.split('.')[0]}.novyi-sait.test"


def home_prefix(shape: str) -> list[str]:
    """Links a shaped home page shows before its own menu."""
    if shape == "news_heavy":
        news = [_link(f"/news/2024/item-{n}/", f"Новость {n}: праздник") for n in range(NEWS_LINKS)]
        photos = [_link(f"/foto/album-{n}/", f"Фотоальбом {n}") for n in range(PHOTO_LINKS)]
        return news + photos
    if shape == "link_maze":
        return [_link(f"/razdel-{n}.html", f"Раздел {n}") for n in range(MAZE_LINKS)]
    return []


def regulations(file_prefix: str) -> list[str]:
    """Fifty regulations on a documents page."""
    return [
        _link(f"{file_prefix}polozhenie-{n}.rtf", f"Положение {_TOPICS[n % len(_TOPICS)]} ({n})")
        for n in range(REGULATIONS)
    ]


def robots(shape: str, host: str) -> str | None:
    """robots.txt rules of a shaped site, or None for the usual ones."""
    if shape == "robots_section":
        return "User-agent: *\nDisallow: /sveden/\n"
    if shape in UNLINKED:
        return f"User-agent: *\nDisallow: /bitrix/admin/\nSitemap: http://{host}/karta.xml\n"
    return None


def sitemap(host: str, urls: list[str]) -> FixtureResponse:
    locs = "".join(f"<url><loc>http://{host}{html.escape(u)}</loc></url>" for u in urls)
    body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
    return FixtureResponse(200, body.encode(), (("Content-Type", "application/xml"),))


APP_SHELL = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Загрузка</title>
<script src="/static/app.js" defer></script></head><body><div id="app">Загрузка…</div>
<noscript>Включите JavaScript</noscript></body></html>"""

APP_JS = """fetch('/api/menu.json').then(r => r.json()).then(menu => {
  const app = document.getElementById('app');
  app.innerHTML = '<h1>' + menu.title + '</h1><nav>' + menu.links.map(
    l => '<a href="' + l.href + '">' + l.text + '</a>').join(' | ') + '</nav>' + menu.footer;
});"""


def app_menu(title: str, links: list[tuple[str, str]], footer: str) -> FixtureResponse:
    body = json.dumps(
        {"title": title, "links": [{"href": h, "text": t} for h, t in links], "footer": footer},
        ensure_ascii=False,
    )
    return FixtureResponse(200, body.encode(), (("Content-Type", "application/json"),))


def plain(title: str, text: str) -> FixtureResponse:
    page = (
        f"<!DOCTYPE html><html><head><title>{title}</title></head><body><p>{text}</p></body></html>"
    )
    return FixtureResponse(200, page.encode(), (("Content-Type", "text/html; charset=utf-8"),))
