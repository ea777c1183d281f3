"""The fixture web's HTTP server: an HTTP(S) proxy on loopback that serves simulated hosts.

Crawlers reach it through the standard ``http_proxy``/``https_proxy`` variables. A host it does not
simulate is answered the way a forwarding proxy with no network answers (502 and an
``X-Squid-Error`` header, errno 101: network unreachable), so nothing ever leaves the machine.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from nokwatch.demo import tls
from nokwatch.demo.external import EXTERNAL_HOSTS, respond_external
from nokwatch.demo.response import FixtureResponse
from nokwatch.demo.sites import MovedSite, Site, SiteSpec, hosted

NO_NETWORK = FixtureResponse(
    502,
    b"Proxy: no route to this host (simulated web only)",
    (("X-Squid-Error", "ERR_CONNECT_FAIL 101"), ("Content-Type", "text/plain")),
)
# How a forwarding proxy reports a host that does not resolve or refuses connections.
PROXY_FAILURES = {"dns": "ERR_DNS_FAIL 0", "refused": "ERR_CONNECT_FAIL 111"}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    tunnel_host: str | None = None

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        self.server.requests += 1

    def do_CONNECT(self) -> None:
        host = self.path.split(":")[0].lower()
        refusal = self.server.refusal(host)
        if refusal is not None:
            self._send(refusal)
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True  # the socket now belongs to the tunnel, whatever happens
        try:
            wrapped = self.server.tls_context(host).wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            return
        handler = type("TunnelHandler", (_Handler,), {"tunnel_host": host})
        try:
            handler(wrapped, self.client_address, self.server)
        except OSError:
            pass  # the crawler hung up on a slow or huge body
        finally:
            wrapped.close()

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        if split.scheme:
            host, target = (
                (split.hostname or "").lower(),
                self.path[len(f"{split.scheme}://{split.netloc}") :],
            )
        else:
            host = self.tunnel_host or (self.headers.get("Host") or "").split(":")[0].lower()
            target = self.path
        self.server.user_agents[host] = self.headers.get("User-Agent", "")
        with self.server.visit(host):
            if self.server.latency is not None:
                time.sleep(self.server.latency(host))  # a real web's answer is not instant
            self._send(self.server.respond(host, target or "/"))

    def do_HEAD(self) -> None:
        self.do_GET()

    def _send(self, response: FixtureResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.stream is None:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        try:
            for chunk in [response.body] if response.stream is None else response.stream():
                self.wfile.write(chunk)
                self.wfile.flush()
        except OSError:  # the crawler gave up on a slow or huge body: that is the point
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], sites: dict[str, Site | MovedSite]) -> None:
        super().__init__(address, _Handler)
        self.sites = sites
        self.latency: Callable[[str], float] | None = None
        self.requests = 0
        self.user_agents: dict[str, str] = {}  # the last User-Agent each host saw
        self.peaks: dict[
            str, int
        ] = {}  # most requests in flight at once, per host and per platform
        self._in_flight: dict[str, int] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def visit(self, host: str) -> Iterator[None]:
        """Count a request in flight for its host and its platform (the name's last two labels)."""
        keys = (host, ".".join(host.split(".")[-2:]))
        with self._lock:
            for key in keys:
                self._in_flight[key] = self._in_flight.get(key, 0) + 1
                self.peaks[key] = max(self.peaks.get(key, 0), self._in_flight[key])
        try:
            yield
        finally:
            with self._lock:
                for key in keys:
                    self._in_flight[key] -= 1

    def refusal(self, host: str) -> FixtureResponse | None:
        """The proxy's error answer when the host cannot be reached, else None."""
        site = self.sites.get(host.removeprefix("www."))
        if site is None:
            return None if host in EXTERNAL_HOSTS else NO_NETWORK
        error = PROXY_FAILURES.get(site.spec.failure)
        if error is None:
            return None
        return FixtureResponse(
            502, b"Proxy error", (("X-Squid-Error", error), ("Content-Type", "text/plain"))
        )

    def tls_context(self, host: str) -> ssl.SSLContext:
        """The certificate the host presents (by its spec; third-party hosts have valid ones)."""
        site = self.sites.get(host.removeprefix("www."))
        return tls.server_context(host, site.spec.tls if site else "valid")

    def respond(self, host: str, target: str) -> FixtureResponse:
        refusal = self.refusal(host)
        if refusal is not None:
            return refusal
        site = self.sites.get(host.removeprefix("www."))
        if site is not None:
            return site.respond(target)
        if host in EXTERNAL_HOSTS:
            return respond_external(host, target)
        return NO_NETWORK


class FixtureWeb:
    """Serves simulated sites on 127.0.0.1 in a background thread; use as a context manager."""

    def __init__(
        self,
        specs: list[SiteSpec],
        port: int = 0,
        latency: Callable[[str], float] | None = None,
    ) -> None:
        """``latency``: seconds a host takes to answer each request (the benchmark's real web)."""
        self._server = _Server(("127.0.0.1", port), hosted(specs))
        self._server.latency = latency
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def proxy_url(self) -> str:
        """The value for http_proxy / https_proxy."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def ca_file(self) -> Path:
        """The test CA that issued the simulated sites' certificates (for NOKWATCH_CA_BUNDLE)."""
        return tls.ca_file()

    @property
    def requests(self) -> int:
        return self._server.requests

    @property
    def user_agents(self) -> dict[str, str]:
        """The last User-Agent header each host received."""
        return self._server.user_agents

    @property
    def peaks(self) -> dict[str, int]:
        """Most requests in flight at once per host, and per platform (``gosuslugi.ru``…)."""
        return self._server.peaks

    def start(self) -> FixtureWeb:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FixtureWeb:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
