"""A crawl's persistent connections: kept while their site is searched, closed when it is done.

Scrapy downloads through Twisted's ``HTTPConnectionPool``, which keeps every idle keep-alive
connection for 240 s and never drops a host's entry once it has had one. A national crawl moves
on to a new site every few hundredths of a second, so the pool held the connections (sockets,
TLS state) of the last several thousand finished sites, and an entry for every host ever
crawled: a crawl process's memory grew with the run, about 8 KiB per site until the oldest
connections began to time out (measured in docs/scale.md).

``SitePool`` keeps what a site still uses and nothing else:

- when a site is finished (the spider's ``SITE_FINISHED``), its hosts' idle connections are
  closed at once;
- an idle connection nobody took within ``NOKWATCH_IDLE_CONNECTION_SECONDS`` is closed (the
  shared hosts — form services, bus.gov.ru — and the odd host of a site still running);
- a host's entry goes when its last connection does.

A connection in use is never touched: the pool only ever holds idle ones.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from scrapy import signals
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from twisted.internet.defer import Deferred
from twisted.web.client import HTTPConnectionPool

from crawler.items import SITE_FINISHED

# Twisted's pool keys: (scheme, host, port, …) for a site's own connections, direct or tunnelled
# through a proxy; connections to an HTTP proxy itself are shared by every site (b"http-proxy").
_SITE_SCHEMES = (b"http", b"https")


class SitePool(HTTPConnectionPool):
    """Twisted's connection pool that forgets finished sites and idle connections."""

    def __init__(self, reactor: Any, idle_seconds: float, per_host: int) -> None:
        super().__init__(reactor, persistent=True)
        self.cachedConnectionTimeout = idle_seconds
        self.maxPersistentPerHost = per_host
        self.peak_hosts = 0  # the most pool entries held at once, for the crawl's stats

    def hosts(self) -> int:
        """How many pool entries there are (hosts, and the proxy's shared one)."""
        return len(self._connections)

    def idle(self) -> int:
        """How many idle connections the pool holds."""
        return sum(len(connections) for connections in self._connections.values())

    def getConnection(self, key: Hashable, endpoint: Any) -> Deferred:  # noqa: N802 - Twisted's
        connection = super().getConnection(key, endpoint)
        self._drop_if_empty(key)
        return connection

    def _putConnection(self, key: Hashable, connection: Any) -> None:  # noqa: N802 - Twisted's
        super()._putConnection(key, connection)
        self.peak_hosts = max(self.peak_hosts, len(self._connections))

    def _removeConnection(self, key: Hashable, connection: Any) -> None:  # noqa: N802 - Twisted's
        super()._removeConnection(key, connection)
        self._drop_if_empty(key)

    def _drop_if_empty(self, key: Hashable) -> None:
        if key in self._connections and not self._connections[key]:
            del self._connections[key]

    def close_hosts(self, hosts: Iterable[str]) -> int:
        """Close the idle connections to these host names (a finished site's); how many."""
        wanted = {_ascii(host) for host in hosts} - {None}
        closed = 0
        for key in [k for k in self._connections if _site_host(k) in wanted]:
            for connection in self._connections.pop(key):
                self._timeouts.pop(connection).cancel()
                connection.transport.loseConnection()
                closed += 1
        return closed


def _ascii(host: str) -> bytes | None:
    """A host name as the pool's keys spell it (punycode); None for one that has no such form."""
    try:
        return host.lower().encode("idna") if host else None
    except UnicodeError:  # a registry address no URL could reach: the pool holds nothing for it
        return None


def _site_host(key: Hashable) -> bytes | None:
    if isinstance(key, tuple) and len(key) > 1 and key[0] in _SITE_SCHEMES:
        host = key[1]
        return host.lower() if isinstance(host, bytes) else None
    return None


def hostnames(netlocs: Iterable[str]) -> set[str]:
    """The host names of ``host[:port]`` netlocs (user info and port dropped)."""
    names = set()
    for netloc in netlocs:
        host = netloc.rsplit("@", 1)[-1]
        if host.startswith("["):
            names.add(host[1 : host.find("]")])
        else:
            names.add(host.split(":", 1)[0])
    return {name.lower() for name in names if name}


def use_site_pool(handler: HTTP11DownloadHandler, crawler: Crawler) -> SitePool:
    """Give a Scrapy HTTP/1.1 download handler (or a subclass) a ``SitePool``, closing each
    finished site's connections."""
    from twisted.internet import reactor

    old = handler._pool
    pool = SitePool(
        reactor,
        crawler.settings.getfloat("NOKWATCH_IDLE_CONNECTION_SECONDS"),
        old.maxPersistentPerHost,
    )
    pool._factory = old._factory
    handler._pool = pool

    def forget(netlocs: set[str], **_: Any) -> None:
        pool.close_hosts(hostnames(netlocs))

    def report(**_: Any) -> None:
        if crawler.stats is not None:
            crawler.stats.set_value("nokwatch/connections/peak_hosts", pool.peak_hosts)

    # signals hold receivers weakly: the handler keeps them alive
    handler._site_pool_receivers = (forget, report)
    crawler.signals.connect(forget, signal=SITE_FINISHED)
    crawler.signals.connect(report, signal=signals.spider_closed)
    return pool


class SiteDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 download handler on a ``SitePool`` (for http and https)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        use_site_pool(self, crawler)
