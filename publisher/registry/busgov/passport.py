"""Downloading the register file a bus.gov.ru dataset passport names, with requests.

The passport (``public-rest/api/passport?id=N``) names the current file as ``passCode`` and
``actualDocument.fileName``; the file is served at ``public-rest/api/opendata/{passCode}/{fileName}``.
Both values are data from the network: they must be plain strings of safe characters, and the URL
built from them must stay on the passport's host, under ``/public-rest/api/opendata/{passCode}/``
(a ``../`` in the passport once moved the download elsewhere on the host).

The file is streamed to disk (``<name>.part`` until complete), with connect and read timeouts, up
to `RETRIES` retries with exponential back-off on a network error or a 5xx/429 answer, a size cap,
and a retry resumes the partial file with a ``Range`` request (``If-Range``: a changed file is
fetched whole again).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import requests

from publisher.errors import InputError

USER_AGENT = "nokwatch (registry sync; +https://github.com/nokwatch/nokwatch)"
TIMEOUT = (15.0, 60.0)  # seconds to connect, seconds between two reads
RETRIES = 4
BACKOFF = 2.0  # seconds before the first retry, doubled each time
MAX_FILE_BYTES = 4 * 1024**3  # the whole register as one ZIP is well under 1 GB
MAX_PASSPORT_BYTES = 1024**2
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
_CHUNK = 64 * 1024  # what a broken connection can lose


def _field(passport_url: str, value: object, name: str) -> str:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _SAFE.fullmatch(text) or ".." in text:
        raise InputError(
            f"{passport_url}: {name} «{value}» в паспорте недопустим"
            " (not a plain name: letters, digits, '.', '_', '-')"
        )
    return text


def passport_file(passport_url: str, passport: object) -> tuple[str, str]:
    """(URL, local file name) of the data file a passport names; InputError if it is malformed."""
    try:
        code, name = passport["passCode"], passport["actualDocument"]["fileName"]  # type: ignore[index]
    except (KeyError, TypeError):
        raise InputError(
            f"{passport_url}: в паспорте нет passCode/actualDocument.fileName"
        ) from None
    code, name = _field(passport_url, code, "passCode"), _field(passport_url, name, "fileName")
    folder = f"/public-rest/api/opendata/{quote(code, safe='')}/"
    url = urljoin(passport_url, folder + quote(name, safe=""))
    base, target = urlsplit(passport_url), urlsplit(url)
    if (target.scheme, target.netloc) != (base.scheme, base.netloc) or not target.path.startswith(
        folder
    ):
        raise InputError(f"{passport_url}: файл вне паспорта ({url}: outside the passport's site)")
    return url, name


def passport_file_url(passport_url: str, passport: object) -> str:
    """The URL of the current data file that a dataset passport names."""
    return passport_file(passport_url, passport)[0]


class _Retry(Exception):
    """A failure worth another attempt."""


def _get(session: requests.Session, url: str, headers: dict[str, str]) -> requests.Response:
    try:
        response = session.get(url, headers=headers, stream=True, timeout=TIMEOUT)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise _Retry(str(exc)) from None
    except requests.RequestException as exc:
        raise InputError(f"{url}: не загружается ({exc})") from None
    if response.status_code >= 500 or response.status_code == 429:
        response.close()
        raise _Retry(f"HTTP {response.status_code}")
    if response.status_code >= 400:
        response.close()
        raise InputError(f"{url}: не загружается (HTTP {response.status_code})")
    return response


def _attempts(url: str, attempt, retries: int, backoff: float):  # noqa: ANN001, ANN202
    """Call ``attempt()`` until it succeeds, retrying a _Retry with back-off."""
    for number in range(retries + 1):
        try:
            return attempt()
        except _Retry as exc:
            if number == retries:
                raise InputError(
                    f"{url}: не загружается после {retries + 1} попыток ({exc})"
                ) from None
            time.sleep(backoff * 2**number)
    raise AssertionError("unreachable")


def _fetch_passport(session: requests.Session, url: str, retries: int, backoff: float) -> object:
    def attempt() -> bytes:
        with _get(session, url, {}) as response:
            try:
                body = response.raw.read(MAX_PASSPORT_BYTES + 1, decode_content=True)
            except (requests.RequestException, OSError) as exc:
                raise _Retry(str(exc)) from None
        if len(body) > MAX_PASSPORT_BYTES:
            raise InputError(f"{url}: паспорт больше {MAX_PASSPORT_BYTES} байт (too big)")
        return body

    body = _attempts(url, attempt, retries, backoff)
    try:
        return json.loads(body)
    except ValueError as exc:
        raise InputError(f"{url}: паспорт не JSON ({exc})") from None


def _download(
    session: requests.Session, url: str, target: Path, max_bytes: int, validator: dict
) -> None:
    """One attempt: append to ``target`` (resuming it if it has bytes), up to ``max_bytes``."""
    have = target.stat().st_size if target.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    if have and validator["tag"]:
        headers["If-Range"] = validator["tag"]  # a changed file comes whole (200), not a tail
    with _get(session, url, headers) as response:
        resumed = response.status_code == 206 and response.headers.get(
            "Content-Range", ""
        ).startswith(f"bytes {have}-")
        have = have if resumed else 0
        validator["tag"] = response.headers.get("ETag") or response.headers.get("Last-Modified", "")
        total = response.headers.get("Content-Length")
        if total and total.isdigit() and have + int(total) > max_bytes:
            raise InputError(f"{url}: файл больше {max_bytes} байт (over the size limit)")
        start = have
        with target.open("ab" if resumed else "wb") as out:
            try:
                for chunk in response.iter_content(_CHUNK):
                    have += len(chunk)
                    if have > max_bytes:
                        raise InputError(
                            f"{url}: файл больше {max_bytes} байт (over the size limit)"
                        )
                    out.write(chunk)
            except (requests.RequestException, OSError) as exc:
                raise _Retry(f"загрузка прервана на {have} байтах ({exc})") from None
        plain = not response.headers.get("Content-Encoding")
        if total and total.isdigit() and plain and have - start < int(total):
            raise _Retry(f"загрузка прервана на {have} байтах (connection closed early)")


def fetch_passport_file(
    passport_url: str,
    folder: Path,
    *,
    retries: int = RETRIES,
    backoff: float = BACKOFF,
    max_bytes: int = MAX_FILE_BYTES,
) -> Path:
    """Download the file a dataset passport names into ``folder``; InputError if either fails."""
    with requests.Session() as session:
        session.headers["User-Agent"] = USER_AGENT
        passport = _fetch_passport(session, passport_url, retries, backoff)
        url, name = passport_file(passport_url, passport)
        part = Path(folder) / f"{name}.part"
        validator = {"tag": ""}
        _attempts(
            url, lambda: _download(session, url, part, max_bytes, validator), retries, backoff
        )
    return part.replace(Path(folder) / name)
