"""Refuse requests to private, loopback and link-local addresses (the registry is user input).

A registry row saying ``http://127.0.0.1:8080/`` or ``http://localhost/`` (or a name that resolves
to such an address) must not make the crawler probe the machine's own network. Two checks:

- `PrivateAddressMiddleware`, before every request (redirects and form actions included): a literal
  address in any form a resolver or proxy would accept (``127.1``, ``0177.0.0.1``, ``0x7f.0.0.1``,
  ``0x7f000001``, ``2130706433``, ``[::ffff:127.0.0.1]``, 6to4, Teredo, NAT64, …) is normalised and
  refused, proxy or not; without a proxy a name is resolved and refused if any address is private.
- `connect_public`, for connections the crawler makes itself (the TLS probe): resolve once, refuse
  if any address is private, connect to the addresses checked.
- `GuardedResolver`, Twisted's resolver, at connection time: every address the crawler is about to
  connect to is checked again, so a name that is public for the first lookup and loopback for the
  next (DNS rebinding) is refused too. The configured proxies' hosts are allowed: configuration, not
  user input. Through a proxy, the proxy resolves names; it must refuse private ones itself.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import unicodedata
import urllib.request
from typing import Any
from urllib.parse import unquote, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer
from twisted.internet.error import DNSLookupError
from twisted.internet.threads import deferToThread

REFUSED = "private address refused"
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_INET_ATON = re.compile(r"[0-9a-fx.]+", re.IGNORECASE)  # what inet_aton may read as an IPv4 address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _clean_host(host: str) -> str:
    host = unicodedata.normalize("NFKC", unquote(host)).strip().lower()
    return host.strip("[]").split("%")[0].rstrip(".")


def literal_address(host: str) -> Address | None:
    """The address a host names literally, in any notation a resolver accepts; None for a name."""
    host = _clean_host(host)
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not _INET_ATON.fullmatch(host) or not any(c.isdigit() for c in host):
        return None
    try:  # 127.1, 0177.0.0.1, 0x7f.0.0.1, 0x7f000001, 2130706433: what glibc (and proxies) read
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _embedded(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64, IPv4-compatible)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_private(address: str) -> bool:
    """True for loopback, private, link-local, unspecified and other non-public addresses, in any
    literal notation; False for a name."""
    ip = literal_address(address)
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded(ip)
        if inner is not None and (not inner.is_global or inner.is_multicast):
            return True
    return not ip.is_global or ip.is_multicast


def is_local_name(host: str) -> bool:
    """A host name that means this machine whatever DNS says."""
    host = _clean_host(host)
    return host in _LOCAL_NAMES or host.endswith(".localhost")


def resolves_to_private(host: str, port: int) -> bool:
    """True when any address the name resolves to is private (blocking: call it in a thread)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return False  # the download reports the DNS failure with its own typed cause
    return any(is_private(str(info[4][0])) for info in infos)


def connect_public(host: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection to ``host``, to the very addresses checked (blocking; OSError if refused)."""
    if is_local_name(host) or is_private(host):
        raise ConnectionRefusedError(f"{REFUSED}: {host}")
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    private = [str(info[4][0]) for info in infos if is_private(str(info[4][0]))]
    if private:
        raise ConnectionRefusedError(f"{REFUSED}: {host} resolves to {private[0]}")
    failure: OSError = OSError(f"{host}: no address")
    for family, kind, protocol, _, address in infos:
        sock = socket.socket(family, kind, protocol)
        sock.settimeout(timeout)
        try:
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            failure = exc
    raise failure


def _proxy_hosts() -> set[str]:
    proxies = urllib.request.getproxies()
    return {urlsplit(url).hostname or "" for key, url in proxies.items() if key != "no"}


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
        if self._proxied(request, host) or literal_address(host) is not None:
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


class GuardedResolver(CachingThreadedResolver):
    """Twisted's name resolver for the crawl: a private address is never connected to."""

    allow = False
    trusted: frozenset[str] = frozenset()

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor) -> GuardedResolver:  # noqa: ANN001
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow = crawler.settings.getbool("NOKWATCH_ALLOW_PRIVATE")
        resolver.trusted = frozenset(_proxy_hosts())
        return resolver

    def getHostByName(self, name: str, timeout=()) -> defer.Deferred:  # noqa: ANN001, N802
        return super().getHostByName(name, timeout).addCallback(self._checked, name)

    def _checked(self, address: str, name: str) -> str:
        if self.allow or name in self.trusted or not is_private(address):
            return address
        raise DNSLookupError(f"{REFUSED}: {name} resolves to {address} at connection time")
