"""Why a site could not be checked: Twisted/Scrapy failures mapped to a small set of typed causes.

A failure to fetch is never evidence that something is absent; these causes become the
``site_unreachable`` status with the cause in the ``error`` column.
"""

from __future__ import annotations

from scrapy.core.downloader.handlers.http11 import TunnelError
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as tx
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

CAUSES = (
    "dns",
    "refused",
    "network_unreachable",
    "timeout",
    "connection_lost",
    "tls",
    "http_4xx",
    "http_5xx",
    "redirect_loop",
    "too_large",
    "blocked_by_robots",
    "private_address",
    "proxy_error",
    "other",
)

# Squid and compatible forwarding proxies name the upstream failure in a header.
_SQUID = {
    "ERR_DNS_FAIL": "dns",
    "ERR_CONNECT_FAIL": "refused",
    "ERR_READ_TIMEOUT": "timeout",
    "ERR_CONNECT_TIMEOUT": "timeout",
    "ERR_SECURE_CONNECT_FAIL": "tls",
}


def cause_of_status(status: int, squid_error: str | None = None) -> str:
    """The cause for an HTTP error answer (a proxy's own error header wins)."""
    if squid_error:
        code, _, errno = squid_error.partition(" ")
        if code == "ERR_CONNECT_FAIL" and errno.strip() == "101":
            return "network_unreachable"
        return _SQUID.get(code, "proxy_error")
    return "http_5xx" if status >= 500 else "http_4xx"


def _tls_failure(failure: Failure) -> bool:
    text = repr(failure.value).lower()
    return "ssl" in text or "tls" in text or "certificate" in text


# Scrapy's own download exceptions (2.13+) and the Twisted ones they wrap, in the order checked.
_TYPED: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    ((CannotResolveHostError, tx.DNSLookupError), "dns"),
    ((DownloadConnectionRefusedError, tx.ConnectionRefusedError), "refused"),
    ((DownloadTimeoutError, tx.TimeoutError, tx.TCPTimedOutError), "timeout"),
    (DownloadCancelledError, "too_large"),  # the only cancellation is DOWNLOAD_MAXSIZE's
    (TunnelError, "proxy_error"),  # the proxy refused CONNECT; its error header is not passed on
)
_LOST = (
    ResponseDataLossError,
    DownloadFailedError,
    ResponseFailed,
    ResponseNeverReceived,
    tx.ConnectionLost,
    tx.ConnectionDone,
)


def _ignored(message: str) -> str:
    message = message.lower()
    for words, cause in (
        (("robots",), "blocked_by_robots"),
        (("redirect",), "redirect_loop"),
        (("private",), "private_address"),
        (("max size", "maxsize"), "too_large"),
    ):
        if any(word in message for word in words):
            return cause
    return "other"


def cause_of_failure(failure: Failure) -> str:
    """The typed cause for a download failure."""
    value = failure.value
    if isinstance(value, HttpError):
        response = value.response
        return cause_of_status(
            response.status, response.headers.get("X-Squid-Error", b"").decode() or None
        )
    if isinstance(value, IgnoreRequest):
        return _ignored(str(value))
    for types, cause in _TYPED:
        if isinstance(value, types):
            return cause
    if _tls_failure(failure):
        return "tls"
    if isinstance(value, _LOST):
        return "connection_lost"
    return "too_large" if "max size" in str(value).lower() else "other"
