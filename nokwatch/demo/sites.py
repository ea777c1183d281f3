"""Simulated institution sites: a spec per site, rendered page by page on request."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from nokwatch.demo import content, shapes, traps
from nokwatch.demo.platforms import LAYOUTS, Layout
from nokwatch.demo.response import FixtureResponse

PLAN_KINDS = (
    "html",
    "rtf",
    "none",
    "outdated",
    "lookalike",
    "pdf",
    "scan",
    "docx",
    "doc",
    "odt",
    "unlinked",  # the plan is on the site, at UNLINKED_PLAN, but no page links to it
)
UNLINKED_PLAN = "/upload/arhiv/2024/plan-nok-ustranenie.html"
SURVEY_KINDS = (
    "html_form",
    "yandex",
    "google",
    "placeholder",
    "downloadable",
    "dead_embed",
    "closed_google",
    "none",
)
BUS_GOV_KINDS = ("own", "own_tab", "qr", "other", "none")
FAILURES = (
    "",
    "http_500",
    "robots",
    "redirect_loop",
    "calendar_trap",
    "dns",
    "refused",
    "slow",
    "gzip_bomb",
    "huge_file",
    "broken_html",
)
ENCODINGS = ("utf-8", "windows-1251", "koi8-r")
ASSETS = Path(__file__).parent / "assets"
# Binary plan documents: asset file, extension in the URL, Content-Type served.
DOCUMENTS = {
    "pdf": ("plan.pdf", "pdf", "application/pdf"),
    "scan": ("plan_scan.pdf", "pdf", "application/pdf"),
    "docx": ("plan.docx", "docx", "application/octet-stream"),  # as many CMSs serve it
    "doc": ("plan.doc", "doc", "application/msword"),
    "odt": ("plan.odt", "odt", "application/vnd.oasis.opendocument.text"),
}


@dataclass(frozen=True)
class SiteSpec:
    """One simulated site: its platform and what it publishes (or how it fails)."""

    host: str
    name: str
    sphere: str
    platform: str = "static"
    encoding: str = "utf-8"  # one of ENCODINGS
    charset_in: str = "header"  # where the charset is declared: header | meta | none | mislabelled
    plan: str = "html"
    plan_approved: date = date(2024, 3, 12)
    plan_depth: int = 1  # clicks from the home page to the НОК section
    survey: str = "html_form"
    bus_gov: str = "own"
    bus_gov_id: str = "100001"
    failure: str = ""
    https: bool = False  # the registry names the https:// address
    tls: str = "valid"  # the certificate's state (nokwatch.demo.tls.TLS_STATES)
    shape: str = ""  # one of nokwatch.demo.shapes.SHAPES: how the site makes searching hard

    @property
    def url(self) -> str:
        """The site's address as the registry holds it."""
        return f"{'https' if self.https else 'http'}://{self.host}/"

    @property
    def layout(self) -> Layout:
        return LAYOUTS[self.platform]


def _link(href: str, text: str) -> str:
    return f'<a href="{html.escape(href)}">{html.escape(text)}</a>'


class Site:
    """Renders the pages of one simulated site."""

    def __init__(self, spec: SiteSpec) -> None:
        self.spec = spec
        self.routes = self._routes()

    def _routes(self) -> dict[str, object]:
        lay = self.spec.layout
        routes: dict[str, object] = {
            "/": self._home,
            lay.about: self._about,
            lay.documents: self._documents,
            lay.nok: self._nok,
            lay.survey: self._survey,
            lay.news: self._news,
            lay.plan_page: self._plan_page,
            "/robots.txt": self._robots,
            "/anketa/submit": lambda: FixtureResponse(405, b"Method Not Allowed"),
            f"{lay.file_prefix}doc{self._file_id}.rtf": self._plan_rtf,
            f"{lay.file_prefix}anketa.rtf": lambda: self._rtf("Анкета (бланк для заполнения)"),
        }
        if self.spec.plan in DOCUMENTS:
            routes[self._document_url] = self._document
        if self.spec.plan == "unlinked":
            routes[UNLINKED_PLAN] = self._unlinked_plan
        routes.update(self._shape_routes())
        return routes

    def _shape_routes(self) -> dict[str, object]:
        spec, lay = self.spec, self.spec.layout
        if spec.shape == "app_shell":
            return {
                "/": lambda: FixtureResponse(
                    200, shapes.APP_SHELL.encode(), (("Content-Type", "text/html; charset=utf-8"),)
                ),
                "/static/app.js": lambda: FixtureResponse(
                    200, shapes.APP_JS.encode(), (("Content-Type", "application/javascript"),)
                ),
                "/api/menu.json": lambda: shapes.app_menu(
                    spec.name, self._home_links(), self._banner()
                ),
            }
        if spec.shape == "failing_section":
            return {lay.about: lambda: FixtureResponse(503, b"Service Unavailable")}
        if spec.shape == "orphan":
            listed = ["/", lay.about, lay.nok, "/contacts.html"]
            return {"/karta.xml": lambda: shapes.sitemap(spec.host, listed)}
        if spec.shape == "sitemap_down":
            return {"/karta.xml": lambda: FixtureResponse(503, b"Service Unavailable")}
        if spec.shape == "many_documents":
            return {
                f"{lay.file_prefix}polozhenie-{n}.rtf": (
                    lambda n=n: self._rtf(f"Положение № {n}\nОбщие положения.")
                )
                for n in range(shapes.REGULATIONS)
            }
        return {}

    @property
    def _document_url(self) -> str:
        """Where the plan document lives: a platform's file card, or doc1234.<ext>."""
        lay, extension = self.spec.layout, DOCUMENTS[self.spec.plan][1]
        if lay.file_prefix.endswith("="):
            return f"{lay.file_prefix}{self._file_id}"
        return f"{lay.file_prefix}doc{self._file_id}.{extension}"

    def _document(self) -> FixtureResponse:
        if self.spec.failure == "huge_file":
            return traps.huge_file()
        asset, _, content_type = DOCUMENTS[self.spec.plan]
        return FixtureResponse(
            200,
            (ASSETS / asset).read_bytes(),
            (("Content-Type", content_type), ("Last-Modified", "Tue, 12 Mar 2024 09:00:00 GMT")),
        )

    @property
    def _file_id(self) -> int:
        return 1000 + sum(map(ord, self.spec.host)) % 9000

    def respond(self, target: str) -> FixtureResponse:
        """Answer a request for ``target`` (path with query) on this site."""
        split = urlsplit(target)
        path = split.path or "/"
        if self.spec.failure == "http_500" and path != "/robots.txt":
            return FixtureResponse(500, b"Internal Server Error")
        if self.spec.failure == "redirect_loop" and path == "/":
            return FixtureResponse(302, b"", (("Location", "/?loop=1"),))
        if path == "/" and self.spec.failure in ("slow", "gzip_bomb"):
            return traps.slow_page() if self.spec.failure == "slow" else traps.gzip_bomb()
        key = f"{path}?{split.query}" if split.query else path
        if path == "/news/archive" and self.spec.failure == "calendar_trap":
            return self._archive(dict(parse_qsl(split.query)).get("month", "2024-05"))
        handler = self.routes.get(key) or self.routes.get(path)
        if handler is None and self.spec.shape in ("news_heavy", "link_maze"):
            if path.startswith(("/news/2024/", "/foto/album-", "/razdel-")):
                return self._page("Раздел", "<p>Текст раздела.</p>")
        if handler is None:
            return FixtureResponse(404, "Страница не найдена".encode())
        return handler()  # type: ignore[operator]

    def _page(self, title: str, body: str) -> FixtureResponse:
        spec = self.spec
        meta = f'<meta charset="{spec.encoding}">' if spec.charset_in == "meta" else ""
        lay = spec.layout
        nav = " | ".join(
            (
                _link("/", "Главная"),
                _link(lay.about, "Сведения об организации"),
                _link(lay.news, "Новости"),
            )
        )
        page = (
            f"<!DOCTYPE html><html><head>{meta}<title>{html.escape(title)} — "
            f"{html.escape(spec.name)}</title></head><body><nav>{nav}</nav>"
            f"<h1>{html.escape(title)}</h1>{body}<footer>{self._banner()}</footer></body></html>"
        )
        if title == spec.name and spec.failure == "broken_html":
            page = traps.break_markup(page)
        content_type = "text/html"
        if spec.charset_in in ("header", "mislabelled"):
            # a mislabelled page says utf-8 but is not: old sites moved to a new server config
            content_type += (
                f"; charset={'utf-8' if spec.charset_in == 'mislabelled' else spec.encoding}"
            )
        return FixtureResponse(
            200, page.encode(spec.encoding, "xmlcharrefreplace"), (("Content-Type", content_type),)
        )

    def _banner(self) -> str:
        kind, own = self.spec.bus_gov, self.spec.bus_gov_id
        card = {
            "own": f"https://bus.gov.ru/pub/info-card/{own}",
            "own_tab": f"https://bus.gov.ru/pub/info-card/{own}?activeTab=3",
            "qr": f"https://bus.gov.ru/qrcode/rate/{own}",
            "other": f"https://bus.gov.ru/pub/info-card/{int(own) + 7}",
            "portal": "https://bus.gov.ru/",
        }.get(kind)
        if card is None:
            return "<p>© Учреждение</p>"
        return f'<a href="{card}"><img src="/img/bus.png" alt="Оцените нас на bus.gov.ru"></a>'

    def _home_links(self) -> list[tuple[str, str]]:
        lay = self.spec.layout
        links = [(lay.about, "Сведения об организации"), ("/contacts.html", "Контакты")]
        if self.spec.plan_depth <= 1 and self.spec.shape not in shapes.UNLINKED:
            links.append((lay.nok, "Независимая оценка качества"))
        return links

    def _home(self) -> FixtureResponse:
        links = shapes.home_prefix(self.spec.shape) + [_link(*pair) for pair in self._home_links()]
        return self._page(self.spec.name, "<ul><li>" + "</li><li>".join(links) + "</li></ul>")

    def _about(self) -> FixtureResponse:
        lay = self.spec.layout
        links = [_link(lay.documents, "Документы")]
        if self.spec.plan_depth == 2 and self.spec.shape not in shapes.UNLINKED:
            links.append(_link(lay.nok, "НОК"))
        return self._page(
            "Сведения об организации", "<ul><li>" + "</li><li>".join(links) + "</li></ul>"
        )

    def _documents(self) -> FixtureResponse:
        lay, spec = self.spec.layout, self.spec
        items = [_link(f"{lay.file_prefix}ustav.rtf", "Устав")]
        if spec.shape == "many_documents":
            # the plan among fifty regulations, named by its title only (no НОК section)
            items += shapes.regulations(lay.file_prefix)
            items.insert(
                37, _link(self._plan_href, "План по устранению недостатков, выявленных в ходе НОК")
            )
            items.append(_link(lay.survey, "Анкета для получателей услуг"))
            return self._page("Документы", "<ul><li>" + "</li><li>".join(items) + "</li></ul>")
        if spec.plan_depth >= 3 and spec.shape not in shapes.UNLINKED:
            items.append(_link(lay.nok, "Результаты независимой оценки"))
        if spec.plan == "lookalike":
            items.append(_link(lay.plan_page, "План работы на год"))
        return self._page("Документы", "<ul><li>" + "</li><li>".join(items) + "</li></ul>")

    def _nok(self) -> FixtureResponse:
        lay, spec = self.spec.layout, self.spec
        parts = ["<p>Результаты независимой оценки качества условий оказания услуг.</p>"]
        if spec.shape == "loopback_plan":
            # a plan link to this machine's own network: never fetched, so never evidence
            parts.append(_link("http://127.0.0.1:9/plan.pdf", "План по устранению недостатков"))
        elif spec.plan in ("html", "outdated"):
            parts.append(_link(lay.plan_page, "План по устранению недостатков"))
        elif spec.plan == "rtf":
            parts.append(_link(f"{lay.file_prefix}doc{self._file_id}.rtf", "Скачать"))
        elif spec.plan in DOCUMENTS:
            # a scan can only be recognised by its link's words; other documents by their content
            label = (
                "План по устранению недостатков"
                if spec.plan == "scan"
                else "Документ от 12.03.2024"
            )
            parts.append(f"{label}: {_link(self._document_url, 'Скачать')}")
        if spec.survey != "none":
            parts.append(_link(lay.survey, "Анкета для получателей услуг"))
        return self._page("Независимая оценка качества", "<p>" + "</p><p>".join(parts) + "</p>")

    @property
    def _plan_href(self) -> str:
        lay, spec = self.spec.layout, self.spec
        if spec.plan in DOCUMENTS:
            return self._document_url
        if spec.plan == "rtf":
            return f"{lay.file_prefix}doc{self._file_id}.rtf"
        return lay.plan_page

    def _plan_text(self) -> str:
        spec = self.spec
        if spec.plan == "outdated":
            return content.outdated_plan(spec.name)
        if spec.plan == "lookalike":
            return content.work_plan(spec.name, spec.plan_approved.year)
        return content.current_plan(spec.name, spec.plan_approved)

    def _plan_page(self) -> FixtureResponse:
        if self.spec.plan in ("none", "unlinked"):
            return FixtureResponse(404, b"Not Found")
        return self._unlinked_plan()

    def _unlinked_plan(self) -> FixtureResponse:
        text = html.escape(self._plan_text()).replace("\n", "<br>\n")
        return self._page("Документ", f'<div class="doc">{text}</div>')

    def _plan_rtf(self) -> FixtureResponse:
        return self._rtf(self._plan_text())

    def _rtf(self, text: str) -> FixtureResponse:
        escaped = "".join(c if ord(c) < 128 else f"\\u{ord(c)}?" for c in text).replace(
            "\n", "\\par\n"
        )
        body = (
            "{\\rtf1\\ansi\\ansicpg1251\\deff0{\\fonttbl{\\f0 Times New Roman;}}\n"
            f"\\f0\\fs24 {escaped}\n}}"
        ).encode("ascii")
        return FixtureResponse(200, body, (("Content-Type", "application/rtf"),))

    def _survey(self) -> FixtureResponse:
        kind, heading = self.spec.survey, content.SURVEY_HEADING
        host = self.spec.host.split(".")[0]
        bodies = {
            "html_form": content.SURVEY_FORM.format(action="/anketa/submit"),
            "yandex": f'<iframe src="https://forms.yandex.ru/u/{host}/?iframe=1" width="100%"></iframe>',
            "google": f'<iframe src="https://docs.google.com/forms/d/e/{host}/viewform?embedded=true">'
            "</iframe>",
            "placeholder": content.PLACEHOLDER,
            "downloadable": _link(f"{self.spec.layout.file_prefix}anketa.rtf", "Скачать анкету"),
            "dead_embed": '<iframe src="https://forms.yandex.ru/u/deleted-form/?iframe=1"></iframe>',
            "closed_google": '<iframe src="https://docs.google.com/forms/d/e/closed-form/viewform">'
            "</iframe>",
        }
        return self._page(heading, bodies.get(kind, ""))

    def _news(self) -> FixtureResponse:
        if self.spec.failure != "calendar_trap":
            return self._page("Новости", "<p>Новостей пока нет.</p>")
        return self._page("Новости", _link("/news/archive?month=2024-05", "Архив новостей"))

    def _archive(self, month: str) -> FixtureResponse:
        """An endless calendar: every month links to the one before, for ever."""
        try:
            year, mon = (int(p) for p in month.split("-"))
        except ValueError:
            return FixtureResponse(400, b"Bad month")
        prev = f"{year - (mon == 1)}-{(mon - 2) % 12 + 1:02d}"
        return self._page(
            f"Новости за {month}", _link(f"/news/archive?month={prev}", "Предыдущий месяц")
        )

    def _robots(self) -> FixtureResponse:
        rules = "Disallow: /" if self.spec.failure == "robots" else "Disallow: /bitrix/admin/"
        text = shapes.robots(self.spec.shape, self.spec.host) or f"User-agent: *\n{rules}\n"
        return FixtureResponse(200, text.encode(), (("Content-Type", "text/plain"),))


class MovedSite:
    """A registry address that moved: every path answers 301 to the same path on the new domain."""

    def __init__(self, spec: SiteSpec) -> None:
        self.spec = spec

    def respond(self, target: str) -> FixtureResponse:
        scheme = "https" if self.spec.https else "http"
        location = f"{scheme}://{shapes.moved_host(self.spec.host)}{target}"
        return FixtureResponse(301, b"", (("Location", location),))


def hosted(specs: list[SiteSpec]) -> dict[str, Site | MovedSite]:
    """host → what answers there (a moved site answers on its old and its new host)."""
    sites: dict[str, Site | MovedSite] = {}
    for spec in specs:
        if spec.shape == "moved":
            sites[spec.host] = MovedSite(spec)
            sites[shapes.moved_host(spec.host)] = Site(spec)
        else:
            sites[spec.host] = Site(spec)
    return sites
