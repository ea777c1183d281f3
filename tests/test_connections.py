"""A crawl keeps a site's connections while it is searched and lets them go when it is done.

Twisted's pool kept every idle connection 240 s and a key for every host ever crawled, so a
crawl process's memory grew with the run (docs/scale.md). The pool is tested here on Twisted's
own clock, then in a real crawl through the fixture web.
"""

from __future__ import annotations

import dataclasses
import json
import os

from twisted.internet.defer import succeed
from twisted.internet.task import Clock

from crawler.connections import SitePool, hostnames
from crawler.run import crawl
from nokwatch.demo import FixtureWeb
from tests.crawling import proxy_env, registry
from tests.generated_sites import site_spec

DIRECT = (b"https", b"shkola-1.test", 443, None)
TUNNEL = (b"https", b"shkola-2.test", 443, None, "proxy", 3128, None)
OTHER = (b"http", b"sadik-3.test", 80, None)
PROXY = (b"http-proxy", b"proxy", 3128, None)  # the connections to a proxy, shared by all sites


class Transport:
    def __init__(self) -> None:
        self.closed = False

    def loseConnection(self) -> None:  # noqa: N802 - Twisted's interface
        self.closed = True


class Connection:
    """An idle HTTP/1.1 connection as the pool sees one."""

    state = "QUIESCENT"

    def __init__(self) -> None:
        self.transport = Transport()


class Endpoint:
    def __init__(self) -> None:
        self.opened = 0

    def connect(self, factory: object) -> object:
        self.opened += 1
        return succeed(Connection())


def _pool(idle: float = 15.0) -> tuple[SitePool, Clock]:
    clock = Clock()
    return SitePool(clock, idle_seconds=idle, per_host=2), clock


def _idle(pool: SitePool, key: tuple) -> Connection:
    connection = Connection()
    pool._putConnection(key, connection)  # what a finished request does
    return connection


def test_a_finished_sites_idle_connections_are_closed_and_others_kept():
    pool, _ = _pool()
    direct, tunnel, other, shared = (_idle(pool, k) for k in (DIRECT, TUNNEL, OTHER, PROXY))
    assert pool.hosts() == 4

    closed = pool.close_hosts({"SHKOLA-1.test", "shkola-2.test"})

    assert closed == 2
    assert direct.transport.closed and tunnel.transport.closed
    assert not other.transport.closed and not shared.transport.closed
    assert pool.hosts() == 2 and pool.idle() == 2


def test_a_proxys_shared_connections_are_not_a_sites_even_when_the_names_match():
    pool, _ = _pool()
    shared = _idle(pool, PROXY)
    assert pool.close_hosts({"proxy"}) == 0
    assert not shared.transport.closed


def test_a_name_with_no_ascii_form_closes_nothing_and_a_cyrillic_one_its_punycode():
    pool, _ = _pool()
    shared = _idle(pool, PROXY)
    school = _idle(pool, (b"https", "школа.рф".encode("idna"), 443, None))
    assert pool.close_hosts({"a..b", "x" * 70 + ".test", ""}) == 0  # never a crash
    assert not shared.transport.closed and not school.transport.closed
    assert pool.close_hosts({"Школа.рф"}) == 1 and school.transport.closed


def test_an_idle_connection_is_closed_after_the_idle_time_and_its_host_forgotten():
    pool, clock = _pool(idle=15.0)
    connection = _idle(pool, OTHER)
    clock.advance(14.9)
    assert not connection.transport.closed and pool.hosts() == 1
    clock.advance(0.2)
    assert connection.transport.closed
    assert pool.hosts() == 0  # Twisted's own pool kept an empty list per host for good


def test_taking_a_hosts_last_idle_connection_forgets_the_host_and_reuses_it():
    pool, clock = _pool()
    connection = _idle(pool, OTHER)
    endpoint = Endpoint()
    taken = []
    pool.getConnection(OTHER, endpoint).addCallback(taken.append)
    assert endpoint.opened == 0 and taken  # reused, not a new connection
    assert pool.hosts() == 0
    clock.advance(60)  # its idle timer was cancelled: it is in use, not closed
    assert not connection.transport.closed


def test_the_pool_holds_at_most_its_per_host_share_and_records_its_peak():
    pool, _ = _pool()
    first, second, third = (_idle(pool, DIRECT) for _ in range(3))
    assert first.transport.closed and not second.transport.closed and not third.transport.closed
    _idle(pool, OTHER)
    pool.close_hosts({"shkola-1.test", "sadik-3.test"})
    assert pool.hosts() == 0 and pool.peak_hosts == 2


def test_host_names_of_netlocs():
    assert hostnames({"Shkola.test:8443", "user:pw@www.shkola.test", "[2001:db8::1]:443", ""}) == {
        "shkola.test",
        "www.shkola.test",
        "2001:db8::1",
    }


def test_a_crawl_holds_connections_of_the_sites_in_flight_not_of_every_site(tmp_path):
    """40 https sites, 4 at a time: the pool never holds more hosts than the sites in flight use
    (each site answers on its host, www. and the proxy), where Twisted's held all 40."""
    sites = [
        dataclasses.replace(site_spec(i, failures=False), https=True, tls="valid")
        for i in range(40)
    ]
    data_dir = tmp_path / "data"
    registry(data_dir, sites)
    with FixtureWeb(sites) as web:
        env = proxy_env(web, NOKWATCH_SITES_IN_FLIGHT="4", NOKWATCH_CA_BUNDLE=str(web.ca_file))
        summary = crawl(data_dir, env={**os.environ, **env}, progress=lambda _: None, processes=1)
    assert summary.status == "finished" and summary.sites == 40
    (stats_file,) = (data_dir / "crawl-jobs" / summary.run_id).glob("stats*.json")
    stats = json.loads(stats_file.read_text())
    assert stats["response_received_count"] > 200
    # 4 sites in flight, a host or two each, plus the shared form services and the proxy
    assert 4 <= stats["nokwatch/connections/peak_hosts"] <= 14
