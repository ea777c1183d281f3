"""Website addresses as registries write them, normalised to crawlable URLs."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_SEPARATORS = re.compile(r"[;,\s]+")
# Registers write "http:/site.ru" and "http//site.ru"; both mean http://site.ru.
_BROKEN_SCHEME = re.compile(r"^(https?)(?::/|//|:)(?!/)", re.IGNORECASE)
_HOST = re.compile(
    r"^[a-z0-9\u0430-\u044f\u0451]([a-z0-9\u0430-\u044f\u0451-]*[a-z0-9\u0430-\u044f\u0451])?$"
)


def split_websites(raw: str) -> list[str]:
    """Several addresses in one cell ("a.ru; b.ru") as a list, empty parts dropped."""
    return [part for part in _SEPARATORS.split(raw.replace("\u00a0", " ").strip()) if part]


def normalise_website(raw: str) -> str:
    """The first address in ``raw`` as an absolute http(s) URL with an IDNA host; ValueError if none."""
    parts = split_websites(raw)
    if not parts:
        raise ValueError("адрес сайта пуст (empty website)")
    candidate = _BROKEN_SCHEME.sub(lambda m: m.group(1).lower() + "://", parts[0])
    if "@" in candidate.split("/")[0] or "@" in urlsplit(candidate).netloc:
        raise ValueError(f"«{raw}»: это адрес электронной почты, не сайт (an e-mail address)")
    if "://" not in candidate:
        candidate = "http://" + candidate.lstrip("/")
    split = urlsplit(candidate)
    if split.scheme.lower() not in ("http", "https"):
        raise ValueError(f"«{raw}»: схема {split.scheme!r} не http(s) (not an http(s) URL)")
    host = (split.hostname or "").rstrip(".").lower()
    labels = host.split(".")
    if len(labels) < 2 or not all(_HOST.match(label) for label in labels):
        raise ValueError(f"«{raw}»: не похоже на адрес сайта (no valid host name)")
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"«{raw}»: недопустимое имя хоста ({exc})") from None
    netloc = ascii_host if split.port is None else f"{ascii_host}:{split.port}"
    return urlunsplit((split.scheme.lower(), netloc, split.path or "/", split.query, ""))
