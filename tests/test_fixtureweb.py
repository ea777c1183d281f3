"""The fixture web answers like the real web does: proxies' errors, traps, encodings, documents, TLS."""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request
from dataclasses import replace

import pytest

from crawler.tlsprobe import certificate_status
from nokwatch.demo import FixtureWeb, demo_sites
from nokwatch.demo.sites import Site
from nokwatch.demo.traps import BOMB_MEMBER, BOMB_MEMBERS, gzip_bomb
from tests.generated_sites import fixture_sites, site_spec

SITES = fixture_sites()


@pytest.fixture(scope="module")
def web():
    with FixtureWeb(SITES) as running:
        yield running


def _get(web: FixtureWeb, url: str) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": web.proxy_url}))
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _spec(failure: str):
    return next(s for s in SITES if s.failure == failure)


def test_the_generated_web_covers_every_kind():
    assert len(SITES) >= 40
    assert {s.platform for s in SITES} >= {
        "wordpress",
        "joomla",
        "bitrix",
        "gosweb",
        "tvoysadik",
        "static",
        "sveden",
    }
    assert {s.plan for s in SITES} >= {
        "html",
        "pdf",
        "scan",
        "docx",
        "doc",
        "rtf",
        "odt",
        "outdated",
    }
    assert {(s.encoding, s.charset_in) for s in SITES} >= {
        ("koi8-r", "none"),
        ("windows-1251", "mislabelled"),
    }
    assert {s.tls for s in SITES if s.https} == {"valid", "expired", "wrong_host", "untrusted"}
    assert len(demo_sites()) == 37


@pytest.mark.parametrize(
    ("failure", "header"), [("dns", "ERR_DNS_FAIL 0"), ("refused", "ERR_CONNECT_FAIL 111")]
)
def test_unreachable_hosts_get_the_proxy_error_a_squid_gives(web, failure, header):
    status, headers, _ = _get(web, f"http://{_spec(failure).host}/")
    assert (status, headers["X-Squid-Error"]) == (502, header)


def test_unknown_hosts_never_leave_the_machine(web):
    status, headers, _ = _get(web, "http://example.com/")
    assert (status, headers["X-Squid-Error"]) == (502, "ERR_CONNECT_FAIL 101")


def test_gzip_bomb_inflates_to_a_gibibyte():
    bomb = gzip_bomb()
    assert len(bomb.body) < 2_000_000 and ("Content-Encoding", "gzip") in bomb.headers
    member = bomb.body[: len(bomb.body) // BOMB_MEMBERS]
    assert len(gzip.decompress(member)) == BOMB_MEMBER
    assert BOMB_MEMBER * BOMB_MEMBERS == 2**30


def test_pages_are_encoded_and_labelled_as_specified(web):
    koi8 = next(
        s for s in SITES if s.encoding == "koi8-r" and s.charset_in == "none" and not s.failure
    )
    _, headers, body = _get(web, koi8.url)
    assert "charset" not in headers["Content-Type"] and "charset" not in body.decode(
        "ascii", "replace"
    )
    assert "Учреждение" in body.decode("koi8-r")
    liar = next(s for s in SITES if s.charset_in == "mislabelled" and not s.failure)
    _, headers, body = _get(web, liar.url)
    assert headers["Content-Type"] == "text/html; charset=utf-8" and "Учреждение" in body.decode(
        "cp1251"
    )
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


@pytest.mark.parametrize("plan", ["pdf", "scan", "docx", "doc", "odt"])
def test_plan_documents_are_served_under_document_urls(plan):
    site = Site(replace(site_spec(4), plan=plan))  # a tvoysadik site: /file/card?id=N
    url = site._document_url
    assert url.startswith("/file/card?id=")
    response = site.respond(url)
    magic = {
        "pdf": b"%PDF-",
        "scan": b"%PDF-",
        "docx": b"PK",
        "odt": b"PK",
        "doc": b"\xd0\xcf\x11\xe0",
    }[plan]
    assert response.status == 200 and response.body.startswith(magic)
    assert "Скачать" in site.respond(site.spec.layout.nok).body.decode("koi8-r")


def test_each_certificate_state_is_what_a_verifying_client_sees(web):
    for spec in (s for s in SITES if s.https):
        assert (
            certificate_status(spec.host, proxy=web.proxy_url, extra_bundle=str(web.ca_file))
            == spec.tls
        )
        # without the extra bundle (the test CA plays the Russian Trusted Root CA) nothing is trusted
        assert certificate_status(spec.host, proxy=web.proxy_url) == "untrusted"
