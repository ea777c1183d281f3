"""The fixture web's HTTP server: an HTTP(S) proxy on loopback that serves simulated hosts.

Crawlers reach it through the standard ``http_proxy``/``https_proxy`` variables. A host it does not
simulate is answered the way a forwarding proxy with no network answers (502 and an
``X-Squid-Error`` header, errno 101: network unreachable), so nothing ever leaves the machine.
"""

from __future__ import annotations

import datetime as dt
import ssl
import tempfile
import threading
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from crawler.fixtureweb.external import EXTERNAL_HOSTS, respond_external
from crawler.fixtureweb.sites import FixtureResponse, Site, SiteSpec

NO_NETWORK = FixtureResponse(
    502, b"Proxy: no route to this host (simulated web only)",
    (("X-Squid-Error", "ERR_CONNECT_FAIL 101"), ("Content-Type", "text/plain")),
)


@cache
def _tls_context() -> ssl.SSLContext:
    """A server context with a throw-away self-signed certificate (the crawler judges it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nokwatch fixture web")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    folder = Path(tempfile.mkdtemp(prefix="nokwatch-fixture-tls-"))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    tunnel_host: str | None = None

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        self.server.requests += 1

    def do_CONNECT(self) -> None:
        host = self.path.split(":")[0].lower()
        if not self.server.knows(host):
            self._send(NO_NETWORK)
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        try:
            tls = _tls_context().wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            return
        handler = type("TunnelHandler", (_Handler,), {"tunnel_host": host})
        handler(tls, self.client_address, self.server)
        self.close_connection = True

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        if split.scheme:
            host, target = (split.hostname or "").lower(), self.path[len(f"{split.scheme}://{split.netloc}"):]
        else:
            host = self.tunnel_host or (self.headers.get("Host") or "").split(":")[0].lower()
            target = self.path
        self._send(self.server.respond(host, target or "/"))

    def do_HEAD(self) -> None:
        self.do_GET()

    def _send(self, response: FixtureResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], sites: dict[str, Site]) -> None:
        super().__init__(address, _Handler)
        self.sites = sites
        self.requests = 0

    def knows(self, host: str) -> bool:
        return host.removeprefix("www.") in self.sites or host in EXTERNAL_HOSTS

    def respond(self, host: str, target: str) -> FixtureResponse:
        site = self.sites.get(host.removeprefix("www."))
        if site is not None:
            return site.respond(target)
        if host in EXTERNAL_HOSTS:
            return respond_external(host, target)
        return NO_NETWORK


class FixtureWeb:
    """Serves simulated sites on 127.0.0.1 in a background thread; use as a context manager."""

    def __init__(self, specs: list[SiteSpec], port: int = 0) -> None:
        self._server = _Server(("127.0.0.1", port), {s.host: Site(s) for s in specs})
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def proxy_url(self) -> str:
        """The value for http_proxy / https_proxy."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def requests(self) -> int:
        return self._server.requests

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
