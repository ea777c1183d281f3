"""External form services institutions embed or link to, each known by host and path."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class FormService:
    """A form service: its name (the finding's detail prefix), hosts and form path prefixes."""

    name: str
    hosts: tuple[str, ...]
    path_prefixes: tuple[str, ...] = ("",)

    def matches(self, host: str, path: str) -> bool:
        host_ok = any(host == h or host.endswith("." + h) for h in self.hosts)
        return host_ok and any(path.startswith(prefix) for prefix in self.path_prefixes)


SERVICES = (
    FormService("yandex_forms", ("forms.yandex.ru", "forms.yandex.com")),
    FormService("yandex_forms", ("yandex.ru",), ("/forms/",)),
    FormService("google_forms", ("docs.google.com",), ("/forms/",)),
    FormService("google_forms", ("forms.gle",)),
    FormService("survio", ("survio.com",), ("/survey/",)),
    FormService("testograf", ("testograf.ru",)),
    FormService("anketolog", ("anketolog.ru",), ("/s/",)),
    FormService("onlinetestpad", ("onlinetestpad.com",)),
    FormService("webanketa", ("webanketa.com",), ("/forms/",)),
    FormService("simpoll", ("simpoll.ru",)),
    FormService("gosuslugi_pos", ("pos.gosuslugi.ru",)),
)

_HOST_WORDS = tuple({host.split(".")[-2] for service in SERVICES for host in service.hosts})


def form_host(url: str) -> str | None:
    """The name of the form service a URL points into, or None."""
    lowered = url.lower()
    if not any(word in lowered for word in _HOST_WORDS):
        return None  # the common case, decided without parsing the URL
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").removeprefix("www.")
    for service in SERVICES:
        if service.matches(host, parts.path or "/"):
            return service.name
    return None
