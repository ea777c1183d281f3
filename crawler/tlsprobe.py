"""Judge a site's TLS certificate: a separate handshake with Python's ``ssl``, verifying for real.

Scrapy does not verify certificates (so a site with a bad one is still checked); this probe says what
a browser would: ``valid``, ``expired``, ``wrong_host`` or ``untrusted``. Trust is certifi's bundle
plus an optional extra bundle (NOKWATCH_CA_BUNDLE), e.g. the Russian Trusted Root CA that many
government sites use. Through an HTTP proxy the probe tunnels with CONNECT, like the crawl does.
"""

from __future__ import annotations

import socket
import ssl
from urllib.parse import urlsplit

import certifi

from crawler.guard import connect_public

TLS_STATUSES = ("valid", "expired", "wrong_host", "untrusted", "no_tls")
# OpenSSL X509_V_ERR_* codes that name a specific defect; every other verify failure is trust.
_EXPIRED = {9, 10}  # not yet valid, has expired
_WRONG_HOST = {62}  # hostname mismatch


class ProbeError(Exception):
    """The probe could not complete a handshake (network trouble, not a certificate verdict)."""


def _connect(host: str, port: int, proxy: str | None, timeout: float) -> socket.socket:
    if not proxy:  # resolved once and checked: a rebinding name cannot turn the probe to loopback
        return connect_public(host, port, timeout)
    split = urlsplit(proxy)
    sock = socket.create_connection((split.hostname or "", split.port or 8080), timeout=timeout)
    sock.sendall(f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
    answer = b""
    while b"\r\n\r\n" not in answer and len(answer) < 65536:
        chunk = sock.recv(4096)
        if not chunk:
            break
        answer += chunk
    if not answer.split(b" ", 2)[1:2] == [b"200"]:
        sock.close()
        raise ProbeError(f"proxy refused CONNECT: {answer[:80]!r}")
    return sock


def client_context(extra_bundle: str | None = None) -> ssl.SSLContext:
    """A verifying context: certifi's roots plus the extra bundle."""
    context = ssl.create_default_context(cafile=certifi.where())
    if extra_bundle:
        context.load_verify_locations(cafile=extra_bundle)
    return context


def certificate_status(
    host: str,
    port: int = 443,
    proxy: str | None = None,
    extra_bundle: str | None = None,
    timeout: float = 15.0,
) -> str:
    """The certificate's state as a browser would judge it (blocking: call it in a thread)."""
    context = client_context(extra_bundle)
    try:
        sock = _connect(host, port, proxy, timeout)
    except OSError as exc:
        raise ProbeError(str(exc)) from exc
    try:
        with context.wrap_socket(sock, server_hostname=host):
            return "valid"
    except ssl.SSLCertVerificationError as exc:
        if exc.verify_code in _EXPIRED:
            return "expired"
        return "wrong_host" if exc.verify_code in _WRONG_HOST else "untrusted"
    except (ssl.SSLError, OSError) as exc:
        raise ProbeError(str(exc)) from exc
    finally:
        sock.close()
