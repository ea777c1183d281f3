"""The private-address guard: every literal notation, DNS rebinding, no way into a running crawl.

Everything here stays on loopback: the "public" address a stub resolver answers is never
connected to (it is only ever the first answer, which the guard's own check receives).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.guard import is_private, literal_address
from crawler.process import crawl_settings
from crawler.run import crawl
from nokwatch.demo import FixtureWeb
from tests.crawling import FAST, observations, proxy_env, registry

LOOPBACK_FORMS = [
    "127.1",
    "0177.0.0.1",
    "0x7f.0.0.1",
    "0x7f000001",
    "2130706433",
    "127.0.0.1.",
    "%31%32%37.0.0.1",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::7f00:1]",
    "[2002:7f00:1::]",
    "[64:ff9b::7f00:1]",
    "[::ffff:a00:1]",
    "0xa.1",
    "0300.0250.0.1",
]


@pytest.mark.parametrize("host", LOOPBACK_FORMS)
def test_every_notation_of_a_private_address_is_private(host: str) -> None:
    assert is_private(host)


@pytest.mark.parametrize(
    "host", ["8.8.8.8", "0x8.8.8.8", "[2a00:1450::1]", "school.test", "1e100.net", "cafe.be"]
)
def test_public_addresses_and_names_are_not(host: str) -> None:
    assert not is_private(host)
    assert (literal_address(host) is None) == host.endswith((".test", ".net", ".be"))


def test_literal_forms_are_refused_through_a_proxy_too(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with FixtureWeb([]) as web:
        port = web.proxy_url.rsplit(":", 1)[1]
        forms = {f"lit-{n}": f"http://{host}:{port}/" for n, host in enumerate(LOOPBACK_FORMS[:7])}
        registry(data_dir, [], forms)
        summary = crawl(data_dir, env=proxy_env(web), progress=lambda _: None)
        assert web.requests == 0  # not one of them was handed to the proxy
    seen = observations(data_dir, summary.run_id)
    assert {seen[(iid, "survey_form")] for iid in forms} == {
        ("site_unreachable", "private_address")
    }


# A resolver stub loaded into the crawl's process (sitecustomize): the first lookup of the name
# answers a public address, every later one 127.0.0.1: what a rebinding DNS server does.
REBINDING_STUB = """
import os, socket, threading

NAME = os.environ.get("NOKWATCH_TEST_REBINDING_NAME")
if NAME:
    _lock, _lookups = threading.Lock(), [0]
    _getaddrinfo, _gethostbyname = socket.getaddrinfo, socket.gethostbyname

    def _answer():
        with _lock:
            _lookups[0] += 1
            return "93.184.216.34" if _lookups[0] == 1 else "127.0.0.1"

    def getaddrinfo(host, *args, **kwargs):
        return _getaddrinfo(_answer() if host == NAME else host, *args, **kwargs)

    def gethostbyname(host):
        return _answer() if host == NAME else _gethostbyname(host)

    socket.getaddrinfo, socket.gethostbyname = getaddrinfo, gethostbyname
"""


def test_dns_rebinding_cannot_reach_loopback(tmp_path: Path) -> None:
    stub = tmp_path / "stub"
    stub.mkdir()
    (stub / "sitecustomize.py").write_text(REBINDING_STUB, encoding="utf-8")
    data_dir = tmp_path / "data"
    with FixtureWeb([]) as web:  # a real server on loopback the crawl must not reach
        port = web.proxy_url.rsplit(":", 1)[1]
        registry(data_dir, [], {"rebind": f"http://rebind.example.org:{port}/"})
        env = {
            "http_proxy": "",
            "https_proxy": "",
            "PYTHONPATH": str(stub),
            "NOKWATCH_TEST_REBINDING_NAME": "rebind.example.org",
            **FAST,
        }
        summary = crawl(data_dir, env=env, progress=lambda _: None)
        assert web.requests == 0
    status, _ = observations(data_dir, summary.run_id)[("rebind", "survey_form")]
    assert status == "site_unreachable"


def test_no_remote_control_or_telnet_in_a_crawl(tmp_path: Path) -> None:
    settings = crawl_settings(str(tmp_path))
    assert not settings.getbool("REMOTE_CONTROL_ENABLED")
    assert not settings.getbool("TELNETCONSOLE_ENABLED")
    data_dir = tmp_path / "data"
    with FixtureWeb([]) as web:
        registry(data_dir, [], {"x": "http://nowhere.test/"})
        env = {**proxy_env(web), "XDG_STATE_HOME": str(tmp_path / "state")}
        summary = crawl(data_dir, env=env, progress=lambda _: None)
    log = (data_dir / "crawl-jobs" / summary.run_id / "crawl.log").read_text(encoding="utf-8")
    assert "Remote control" not in log and "Telnet" not in log
    assert not list((tmp_path / "state").rglob("*.json"))


def test_the_tls_probe_never_connects_to_a_name_resolving_to_loopback(monkeypatch) -> None:
    import socket

    from crawler.tlsprobe import ProbeError, certificate_status

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        real = socket.getaddrinfo
        monkeypatch.setattr(
            socket,
            "getaddrinfo",
            lambda host, *a, **k: real("127.0.0.1" if host == "tls.example.org" else host, *a, **k),
        )
        with pytest.raises(ProbeError, match="private address refused"):
            certificate_status("tls.example.org", port, timeout=1)
        with pytest.raises(TimeoutError):
            listener.accept()  # nothing ever connected
