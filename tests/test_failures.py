"""Download failures → typed causes (the ``error`` column of site_unreachable findings)."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.core.downloader.handlers.http11 import TunnelError
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as tx
from twisted.python.failure import Failure

from crawler.failures import CAUSES, cause_of_failure, cause_of_status
from crawler.guard import REFUSED


def _http_error(status: int, squid: str | None = None) -> HttpError:
    headers = {"X-Squid-Error": squid} if squid else {}
    return HttpError(
        Response(
            "http://x.test/", status=status, headers=headers, request=Request("http://x.test/")
        )
    )


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (_http_error(502, "ERR_DNS_FAIL 0"), "dns"),
        (_http_error(502, "ERR_CONNECT_FAIL 111"), "refused"),
        (_http_error(502, "ERR_CONNECT_FAIL 101"), "network_unreachable"),
        (_http_error(504, "ERR_READ_TIMEOUT 0"), "timeout"),
        (_http_error(503, "ERR_SOMETHING_NEW 0"), "proxy_error"),
        (_http_error(500), "http_5xx"),
        (_http_error(403), "http_4xx"),
        (CannotResolveHostError("no such host"), "dns"),
        (tx.DNSLookupError("x.test"), "dns"),
        (DownloadConnectionRefusedError("refused"), "refused"),
        (DownloadTimeoutError("Getting http://x.test/ took longer than 3.0 seconds."), "timeout"),
        (tx.TimeoutError(), "timeout"),
        (
            DownloadCancelledError(
                "Expected to receive 52428800 bytes which is larger than download max size"
            ),
            "too_large",
        ),
        (
            IgnoreRequest(
                "Ignored response because its body exceeded DOWNLOAD_MAXSIZE (20971520 B) during "
                "decompression."
            ),
            "too_large",
        ),
        (IgnoreRequest("Forbidden by robots.txt"), "blocked_by_robots"),
        (IgnoreRequest("max redirections reached"), "redirect_loop"),
        (IgnoreRequest(f"{REFUSED}: 127.0.0.1"), "private_address"),
        (
            TunnelError(
                "Could not open CONNECT tunnel with proxy 127.0.0.1:3128 [{'status': 502}]"
            ),
            "proxy_error",
        ),
        (ResponseDataLossError("lost"), "connection_lost"),
        (tx.ConnectionLost(), "connection_lost"),
        (ValueError("something else"), "other"),
    ],
)
def test_failure_becomes_its_typed_cause(error: Exception, cause: str):
    assert cause in CAUSES
    assert cause_of_failure(Failure(error)) == cause


def test_a_proxy_header_wins_over_the_status():
    assert cause_of_status(502, "ERR_DNS_FAIL 0") == "dns"
    assert cause_of_status(502) == "http_5xx"
