"""Refuse requests to private, loopback and link-local addresses (the registry is user input).

A registry row saying ``http://127.0.0.1:8080/`` or ``http://localhost/`` (or a name that resolves
to such an address) must not make the crawler probe the machine's own network. Through a forwarding
proxy the proxy resolves names, so only literal addresses can be checked; without one, the name is
resolved here, in a thread, before the download. The proxy itself is allowed: it is configuration,
not user input.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

REFUSED = "private address refused"
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def is_private(address: str) -> bool:
    """True for loopback, private, link-local, unspecified and other non-public addresses."""
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def is_local_name(host: str) -> bool:
    """A host name that means this machine whatever DNS says."""
    host = host.lower().rstrip(".")
    return host in _LOCAL_NAMES or host.endswith(".localhost")


def resolves_to_private(host: str, port: int) -> bool:
    """True when any address the name resolves to is private (blocking: call it in a thread)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return False  # the download reports the DNS failure with its own typed cause
    return any(is_private(str(info[4][0])) for info in infos)


class PrivateAddressMiddleware:
    """Downloader middleware: raise IgnoreRequest(REFUSED) for requests to private addresses."""

    def __init__(self, allow: bool, proxies: dict[str, str]) -> None:
        self.allow = allow
        self.proxies = proxies
        self.resolved: dict[tuple[str, int], bool] = {}  # a site's pages share one lookup

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressMiddleware:
        return cls(crawler.settings.getbool("NOKWATCH_ALLOW_PRIVATE"), urllib.request.getproxies())

    def _proxied(self, request: Request, host: str) -> bool:
        scheme = request.url.split(":", 1)[0]
        return bool(
            request.meta.get("proxy")
            or (self.proxies.get(scheme) and not urllib.request.proxy_bypass(host))
        )

    async def process_request(self, request: Request, spider: Any = None) -> None:
        split = urlsplit(request.url)
        host = split.hostname or ""
        if self.allow or not host:
            return
        if is_private(host) or is_local_name(host):
            raise IgnoreRequest(f"{REFUSED}: {host}")
        if self._proxied(request, host):
            return
        key = (host, split.port or (443 if split.scheme == "https" else 80))
        if key not in self.resolved:
            if len(self.resolved) > 10_000:
                self.resolved.clear()
            self.resolved[key] = await maybe_deferred_to_future(
                deferToThread(resolves_to_private, *key)
            )
        if self.resolved[key]:
            raise IgnoreRequest(f"{REFUSED}: {host} resolves to a private address")
