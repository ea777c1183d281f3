"""nokwatch's Datasette plugin: the release's files (packages, zips, feeds, charts, evidence), its
manifest, a page per institution (``/institution/<id>``), search (``/search?q=``), and links from
every cell that names an institution to its page.

Loaded with ``--plugins-dir``. The release folder is the folder of the served ``nokwatch`` database.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import tempfile
from pathlib import Path
from urllib.parse import quote

from datasette import hookimpl
from datasette.utils.asgi import AsgiFileDownload, Response
from markupsafe import Markup, escape

from publisher import labels
from publisher.site import pages
from publisher.vocab import fictional_regions

DATABASE = "nokwatch"
PUBLIC = (
    "datapackage.json",
    "CHANGELOG.md",
    "release.json",
    "data",
    "regions",
    "downloads",
    "feeds",
    "charts",
    "evidence",
)
# Facet counts scan whole indexes; reading the (immutable) file through a memory map is faster.
MMAP_BYTES = 4 * 1024**3
TYPES = {
    ".json": "application/json; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".zip": "application/zip",
    ".md": "text/markdown; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".svg": "image/svg+xml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A stored copy is another site's page: shown as it was, but sandboxed (no script, no same origin).
EVIDENCE_HEADERS = {
    "content-security-policy": "sandbox",
    "x-content-type-options": "nosniff",
}
EVIDENCE_TYPES = {
    ".html": "text/html",  # with the page's charset (html_charset)
    ".htm": "text/html",
    ".pdf": "application/pdf",
    ".txt": "text/plain; charset=utf-8",
}


def release_folder(datasette) -> Path | None:
    """The folder of the release being served (None when no nokwatch database is attached)."""
    database = datasette.databases.get(DATABASE)
    if database is None or not database.path:
        return None
    return Path(database.path).resolve().parent


def manifest(datasette) -> dict:
    """The release's ``release.json`` with the charts and feeds on disk."""
    folder = release_folder(datasette)
    if folder is None or not (folder / "release.json").exists():
        return {}
    data = json.loads((folder / "release.json").read_text(encoding="utf-8"))
    data["charts"] = sorted(p.stem for p in (folder / "charts").glob("*.svg"))
    data["charts"].sort(key=lambda code: code != "RU")
    data["feeds"] = sorted(p.stem for p in (folder / "feeds").glob("*.atom"))
    data["feeds"].sort(key=lambda code: code != "RU")
    data.setdefault("crawl_days", 0)
    return data


# Pages whose first rendering (template compilation, cold page cache) is paid at start, not by the
# first visitor: the home page and the million-row table's faceted page.
WARM_PAGES = ("/", f"/{DATABASE}/observations", f"/{DATABASE}/compliance")


@hookimpl
def startup(datasette):
    async def warm() -> None:
        for path in WARM_PAGES:
            await datasette.client.get(path)

    async def schedule() -> None:
        # Rendering needs startup to have finished, so the warm-up runs as a task right after it.
        datasette.nokwatch_warmup = asyncio.get_running_loop().create_task(warm())

    return schedule


@hookimpl
def prepare_connection(conn, database):
    if database == DATABASE:
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")


@hookimpl
def extra_template_vars(datasette, template, table):
    extra = {
        "column_titles": pages.column_titles(table),
        "nokwatch": manifest(datasette),
        "fictional_label": pages.FICTIONAL_LABEL,
        "nokwatch_fictional": sorted(fictional_regions()),
    }
    if template.startswith("pages/") or template in ("institution.html", "search.html"):
        extra["metadata"] = datasette.metadata()  # custom pages get none: the footer needs it
    if template != "index.html" or DATABASE not in datasette.databases:
        return extra

    async def with_headline() -> dict:
        database = datasette.get_database(DATABASE)
        return {**extra, "headline": await database.execute_fn(_read(pages.headline))}

    return with_headline


def public_file(folder: Path, path: str) -> Path | None:
    """The file ``path`` names inside the release's public parts, or None."""
    target = (folder / path).resolve()
    inside = target.is_relative_to(folder) and target != folder
    inside = inside and target.parts[len(folder.parts)] in PUBLIC
    return target if inside and target.is_file() else None


def html_charset(path: Path) -> str:
    """The charset parameter for a stored page: none when the page names its own, else UTF-8 if
    it decodes as UTF-8, else windows-1251 (the other encoding Russian sites use)."""
    body = path.read_bytes()
    if b"charset" in body[:4096].lower():
        return ""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "; charset=windows-1251"
    return "; charset=utf-8"


async def release_file(datasette, request):
    folder = release_folder(datasette)
    target = public_file(folder, request.url_vars["path"]) if folder else None
    if target is None:
        return Response.text("Not found: no such file in this release", status=404)
    kind = TYPES.get(target.suffix, "application/octet-stream")
    if target.relative_to(folder).parts[0] == "evidence":
        kind = EVIDENCE_TYPES.get(target.suffix, "application/octet-stream")
        if kind == "text/html":
            kind += html_charset(target)
        return AsgiFileDownload(target, content_type=kind, headers=EVIDENCE_HEADERS)
    if target.suffix == ".atom":
        base = datasette.absolute_url(request, datasette.urls.path("/"))
        body = target.read_text(encoding="utf-8").replace('xml:base="/"', f'xml:base="{base}"', 1)
        return Response(body, content_type=kind)
    name = target.name if target.suffix in (".zip", ".csv", ".xlsx") else None
    return AsgiFileDownload(target, filename=name, content_type=kind)


async def notice(datasette, request):
    """An institution's notice of violation from the served release: HTML, or PDF to print."""
    from publisher.errors import NoViolation, PublishError
    from publisher.release.notices import (
        build_notice,
        print_pdf,
        render_html,
        rows_from_database,
    )

    database = datasette.databases.get(DATABASE)
    iid, kind = request.url_vars["id"], request.url_vars["format"]
    rows = await database.execute_fn(lambda db: rows_from_database(db, iid)) if database else None
    if rows is None:
        return Response.text(f"Учреждение {iid} не найдено в этом выпуске", status=404)
    base = datasette.absolute_url(request, datasette.urls.path("/")).rstrip("/")
    try:
        built = build_notice(rows, manifest(datasette).get("version"), base)
    except NoViolation as exc:
        return Response.text(str(exc), status=404)
    html = render_html(built)
    if kind == "html":
        return Response.html(html)
    with tempfile.TemporaryDirectory(prefix="nokwatch-notice-") as scratch:
        path = Path(scratch) / f"{built.name}.pdf"
        try:
            await asyncio.to_thread(print_pdf, html, path)
        except PublishError as exc:
            return Response.text(str(exc), status=503)
        body = path.read_bytes()
    disposition = f'attachment; filename="{built.name}.pdf"'
    return Response(
        body, content_type="application/pdf", headers={"Content-Disposition": disposition}
    )


def _read(function, *args):
    def run(conn: sqlite3.Connection):
        conn.row_factory = sqlite3.Row
        return function(conn, *args)

    return run


async def institution(datasette, request):
    database = datasette.get_database(DATABASE)
    page = await database.execute_fn(_read(pages.institution_page, request.url_vars["id"]))
    if page is None:
        return Response.html(
            await datasette.render_template(
                "institution.html", {"page": None, "id": request.url_vars["id"]}, request=request
            ),
            status=404,
        )
    html = await datasette.render_template("institution.html", {"page": page}, request=request)
    return Response.html(html)


async def search(datasette, request):
    text = request.args.get("q", "").strip()
    database = datasette.get_database(DATABASE)
    found = await database.execute_fn(_read(pages.search, text)) if text else None
    context = {"q": text, "found": found, "fictional_label": pages.FICTIONAL_LABEL}
    return Response.html(await datasette.render_template("search.html", context, request=request))


def institution_url(datasette, institution_id: str) -> str:
    """The page of one institution."""
    return datasette.urls.path(f"/institution/{quote(str(institution_id), safe='')}")


# Columns that name an institution, in tables and canned queries (``id`` in the institutions
# table and in the queries that list institutions).
INSTITUTION_COLUMNS = ("institution_id",)
CODED = ("status", "item", "sphere", "kind", "new_value", "old_value")  # shown by their labels


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if database != DATABASE or value in (None, ""):
        return None
    if column == "evidence" and isinstance(value, str) and value.startswith("/-/release/"):
        href = datasette.urls.path(value)
        return Markup(f'<a class="nokwatch-evidence" href="{escape(href)}">копия</a>')
    if column in CODED and isinstance(value, str) and labels.label(value) != value:
        return Markup(
            f'<span class="nokwatch-code" title="{escape(value)}">{escape(labels.label(value))}</span>'
        )
    if table == "institutions" and column == "name":  # the id is the row link: the name the page
        href = institution_url(datasette, row["id"])
        return Markup(f'<a class="nokwatch-institution" href="{escape(href)}">{escape(value)}</a>')
    listed = table is None and {"name", "region"} <= set(row.keys())  # a query of institutions
    names_one = column in INSTITUTION_COLUMNS or (
        column == "id" and (table == "institutions" or listed)
    )
    if not names_one:
        return None
    if isinstance(value, dict):  # a foreign key Datasette expanded to the institution's name
        key, shown = value.get("value"), value.get("label") or value.get("value")
        text = f"{escape(shown)}&nbsp;<em>{escape(key)}</em>" if shown != key else escape(key)
    else:
        key, text = value, escape(value)
    href = institution_url(datasette, str(key))
    return Markup(f'<a class="nokwatch-institution" href="{escape(href)}">{text}</a>')


@hookimpl
def register_routes():
    return [
        (r"^/-/release/(?P<path>.+)$", release_file),
        (r"^/institution/(?P<id>[^/]+)$", institution),
        (r"^/search$", search),
        (r"^/-/notice/(?P<id>[^/]+)\.(?P<format>html|pdf)$", notice),
    ]
