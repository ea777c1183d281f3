"""Why a site could not be checked: Twisted/Scrapy failures mapped to a small set of typed causes.

A failure to fetch is never evidence that something is absent; these causes become the
``site_unreachable`` status with the cause in the ``error`` column.
"""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as tx
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

CAUSES = ("dns", "refused", "network_unreachable", "timeout", "connection_lost", "tls", "http_4xx", "http_5xx",
          "redirect_loop", "too_large", "blocked_by_robots", "private_address", "proxy_error", "other")

# Squid and compatible forwarding proxies name the upstream failure in a header.
_SQUID = {"ERR_DNS_FAIL": "dns", "ERR_CONNECT_FAIL": "refused", "ERR_READ_TIMEOUT": "timeout",
          "ERR_CONNECT_TIMEOUT": "timeout", "ERR_SECURE_CONNECT_FAIL": "tls"}


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


def cause_of_failure(failure: Failure) -> str:
    """The typed cause for a download failure."""
    value = failure.value
    if isinstance(value, HttpError):
        response = value.response
        return cause_of_status(response.status, response.headers.get("X-Squid-Error", b"").decode() or None)
    if isinstance(value, IgnoreRequest):
        message = str(value).lower()
        if "robots" in message:
            return "blocked_by_robots"
        if "redirect" in message:
            return "redirect_loop"
        if "private" in message:
            return "private_address"
        return "other"
    if isinstance(value, tx.DNSLookupError):
        return "dns"
    if isinstance(value, tx.ConnectionRefusedError):
        return "refused"
    if isinstance(value, tx.TimeoutError | tx.TCPTimedOutError):
        return "timeout"
    if _tls_failure(failure):
        return "tls"
    if isinstance(value, ResponseFailed | ResponseNeverReceived | tx.ConnectionLost | tx.ConnectionDone):
        return "connection_lost"
    if "maxsize" in str(value).lower() or "cancelled" in str(value).lower():
        return "too_large"
    return "other"
