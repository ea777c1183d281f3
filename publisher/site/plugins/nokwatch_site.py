"""nokwatch's Datasette plugin: the release's files (packages, zips, feeds, charts), its manifest.

Loaded with ``--plugins-dir``. The release folder is the folder of the served ``nokwatch`` database.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import AsgiFileDownload, Response

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
def extra_template_vars(datasette, template):
    extra = {"nokwatch": manifest(datasette)}
    if template.startswith("pages/"):  # custom pages get no metadata: the footer needs its licence
        extra["metadata"] = datasette.metadata()
    return extra


def public_file(folder: Path, path: str) -> Path | None:
    """The file ``path`` names inside the release's public parts, or None."""
    target = (folder / path).resolve()
    inside = target.is_relative_to(folder) and target != folder
    inside = inside and target.parts[len(folder.parts)] in PUBLIC
    return target if inside and target.is_file() else None


async def release_file(datasette, request):
    folder = release_folder(datasette)
    target = public_file(folder, request.url_vars["path"]) if folder else None
    if target is None:
        return Response.text("Not found: no such file in this release", status=404)
    kind = TYPES.get(target.suffix, "application/octet-stream")
    if target.suffix == ".atom":
        base = datasette.absolute_url(request, datasette.urls.path("/"))
        body = target.read_text(encoding="utf-8").replace('xml:base="/"', f'xml:base="{base}"', 1)
        return Response(body, content_type=kind)
    name = target.name if target.suffix in (".zip", ".csv") else None
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


@hookimpl
def register_routes():
    return [
        (r"^/-/release/(?P<path>.+)$", release_file),
        (r"^/-/notice/(?P<id>[^/]+)\.(?P<format>html|pdf)$", notice),
    ]
