"""The dispute form: a small WSGI app served beside Datasette, writing only disputes.

Datasette serves releases read-only; this app is the one place the public side writes, and it
writes only claims. Each request needs a region's token (``Layout.dispute_tokens``, a YAML
mapping ``RU-TOM: [token, ...]``) that covers the institution's region; each token may file
``limit`` claims per ``window`` seconds. A claim that is accepted is recorded at once and
re-checked by one worker thread (a real crawl through the configured proxy), so requests return
quickly and re-checks never run two at a time::

    GET  /                  the form (Russian)
    POST /disputes          institution_id, item, url, note (+ token, or Authorization: Bearer)
    GET  /disputes/<id>     the dispute's log as JSON
"""

from __future__ import annotations

import hmac
import html
import json
import logging
import queue
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from nokwatch.disputes import ITEMS
from nokwatch.workspace import Workspace
from publisher.errors import (
    DisputeRefused,
    InputError,
    NokwatchError,
    RateLimited,
    TokenRefused,
    UnknownTarget,
)
from publisher.yamlfile import read_mapping

LIMIT = 5  # claims per token per window: a region files a handful a day, not hundreds
WINDOW = 3600.0
MAX_BODY = 16 * 1024
STATUS = {
    200: "200 OK",
    202: "202 Accepted",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    413: "413 Payload Too Large",
    429: "429 Too Many Requests",
}
log = logging.getLogger(__name__)
StartResponse = Callable[[str, list[tuple[str, str]]], Any]

FORM = """<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8">
<title>Оспорить вердикт — nokwatch</title></head><body>
<h1>Документ размещён, но nokwatch его не нашёл</h1>
<p>Укажите адрес на сайте учреждения. nokwatch проверит сайт повторно, начиная с этого адреса;
вердикт изменится только если повторная проверка найдёт документ. Заявление и итог публикуются.</p>
<form method="post" action="disputes">
<p><label>Идентификатор учреждения <input name="institution_id" required></label></p>
<p><label>Что <select name="item">{options}</select></label></p>
<p><label>Адрес <input name="url" type="url" size="60" required></label></p>
<p><label>Комментарий <textarea name="note" rows="3" cols="60"></textarea></label></p>
<p><label>Токен региона <input name="token" type="password" required></label></p>
<p><button type="submit">Отправить</button></p>
</form></body></html>"""


def load_tokens(ws: Workspace) -> dict[str, str]:
    """token → region, from the data directory's tokens file (none configured: empty)."""
    path = ws.layout.dispute_tokens
    if not path.exists():
        return {}
    tokens = {}
    for region, values in read_mapping(path, InputError).items():
        for token in [values] if isinstance(values, str) else values or []:
            if len(str(token)) < 16:
                raise InputError(f"{path}: токен региона {region} короче 16 знаков")
            tokens[str(token)] = str(region)
    return tokens


class RateLimit:
    """At most ``limit`` uses per key in any ``window`` seconds."""

    def __init__(self, limit: int = LIMIT, window: float = WINDOW) -> None:
        self.limit, self.window = limit, window
        self.uses: dict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> None:
        """Count one use; RateLimited when the key has used up its window."""
        now = time.monotonic() if now is None else now
        with self.lock:
            uses = self.uses[key]
            while uses and uses[0] <= now - self.window:
                uses.popleft()
            if len(uses) >= self.limit:
                wait = int(uses[0] + self.window - now) + 1
                raise RateLimited(
                    f"слишком много заявлений с этим токеном; повторите через {wait} с"
                )
            uses.append(now)


class DisputeForm:
    """The WSGI app; ``join()`` waits until every accepted claim has been re-checked."""

    def __init__(
        self, ws: Workspace, demo: bool = False, limit: int = LIMIT, window: float = WINDOW
    ) -> None:
        self.ws, self.demo = ws, demo
        self.rate = RateLimit(limit, window)
        self.rechecks: queue.Queue[str] = queue.Queue()
        self.worker = threading.Thread(target=self._work, name="dispute-rechecks", daemon=True)
        self.worker.start()

    def _work(self) -> None:
        while True:
            dispute_id = self.rechecks.get()
            try:
                self.ws.disputes.recheck(dispute_id, demo=self.demo)
            except Exception:  # a failed re-check leaves the claim filed; the log says so
                log.exception("re-check of %s failed", dispute_id)
            finally:
                self.rechecks.task_done()

    def join(self) -> None:
        self.rechecks.join()

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        if path == "/" and method == "GET":
            options = "".join(f'<option value="{i}">{html.escape(i)}</option>' for i in ITEMS)
            return _send(start_response, 200, FORM.format(options=options), "text/html")
        if path == "/disputes" and method == "POST":
            status, body = self.file(environ)
            return _send(start_response, status, body)
        if path.startswith("/disputes/") and method == "GET":
            try:
                return _send(start_response, 200, {"events": self.ws.disputes.events(path[10:])})
            except UnknownTarget as exc:
                return _send(start_response, 404, {"error": str(exc)})
        return _send(
            start_response, 404 if method == "GET" else 405, {"error": "нет такой страницы"}
        )

    def file(self, environ: dict) -> tuple[int, dict]:
        """(HTTP status, JSON body) of one claim; nothing is stored unless it is accepted."""
        try:
            fields = _fields(environ)
            region = self._region(environ, fields)
            dispute_id = self.ws.disputes.file(
                fields.get("institution_id", "").strip(),
                fields.get("item", "improvement_plan"),
                fields.get("url", ""),
                fields.get("note", ""),
                channel=f"form:{region}",
                region=region,
            )
        except _TooLarge:
            return 413, {"error": f"запрос больше {MAX_BODY} байт"}
        except (TokenRefused, RateLimited, UnknownTarget, DisputeRefused) as exc:
            return _code(exc), {"error": str(exc)}
        except NokwatchError as exc:
            return 400, {"error": str(exc)}
        self.rechecks.put(dispute_id)
        return 202, {
            "dispute_id": dispute_id,
            "event": "filed",
            "recheck": "queued",
            "log": f"disputes/{dispute_id}",
        }

    def _region(self, environ: dict, fields: dict[str, str]) -> str:
        given = fields.get("token") or environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
        if not given.strip():
            raise TokenRefused("нужен токен региона")
        for token, region in load_tokens(self.ws).items():
            if hmac.compare_digest(token.encode(), given.strip().encode()):
                self.rate.take(token)
                return region
        raise TokenRefused("токен не действителен")


class _TooLarge(Exception):
    pass


def _code(exc: Exception) -> int:
    if isinstance(exc, TokenRefused):
        missing = "нужен токен" in str(exc)
        return 401 if missing else 403
    if isinstance(exc, RateLimited):
        return 429
    if isinstance(exc, UnknownTarget):
        return 404
    return 400


def _fields(environ: dict) -> dict[str, str]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length > MAX_BODY:
        raise _TooLarge
    raw = environ["wsgi.input"].read(length) if length else b""
    if environ.get("CONTENT_TYPE", "").startswith("application/json"):
        try:
            loaded = json.loads(raw or b"{}")
        except ValueError as exc:
            raise InputError(f"JSON не читается: {exc}") from None
        if not isinstance(loaded, dict):
            raise InputError("ожидался объект JSON")
        return {str(k): str(v) for k, v in loaded.items()}
    return dict(parse_qsl(raw.decode("utf-8", "replace")))


def _send(
    start_response: StartResponse, status: int, body: dict | str, kind: str = "application/json"
) -> list[bytes]:
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    data = text.encode("utf-8")
    headers = [("Content-Type", f"{kind}; charset=utf-8"), ("Content-Length", str(len(data)))]
    start_response(STATUS[status], headers)
    return [data]


def serve(ws: Workspace, host: str = "127.0.0.1", port: int = 8002, demo: bool = False) -> None:
    """Serve the form until interrupted (one process; re-checks run one at a time)."""
    from wsgiref.simple_server import make_server

    with make_server(host, port, DisputeForm(ws, demo=demo)) as server:
        server.serve_forever()
