"""The crawler against 48 generated sites: platforms, encodings, documents, forms, failures, TLS, bounds."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from crawler.local import default_processes
from crawler.run import CrawlSummary, crawl
from crawler.slots import SERVICES
from nokwatch.demo import FixtureWeb
from tests.crawling import observations, proxy_env, registry
from tests.fixture_expectations import expected
from tests.generated_sites import fixture_sites, registry_rows

CONTACT = "https://example.org/nokwatch-operator"


@pytest.fixture(scope="module")
def fixture_crawl(tmp_path_factory) -> tuple[Path, CrawlSummary, FixtureWeb, float]:
    """One crawl of the whole fixture web, plus registry rows naming private addresses."""
    data_dir = tmp_path_factory.mktemp("crawl") / "data"
    sites = fixture_sites()
    with FixtureWeb(sites) as web:
        port = web.proxy_url.rsplit(":", 1)[1]
        registry(
            data_dir,
            sites,
            {
                "priv-loopback": f"http://127.0.0.1:{port}/",
                "priv-localhost": "http://localhost/",
                "priv-lan": "http://192.168.1.10/",
                "priv-v6": "http://[::1]/",
            },
        )
        started = time.monotonic()
        env = proxy_env(web, NOKWATCH_CA_BUNDLE=str(web.ca_file), NOKWATCH_CONTACT_URL=CONTACT)
        summary = crawl(data_dir, env=env, progress=lambda _: None)
        yield data_dir, summary, web, time.monotonic() - started


def test_every_generated_site_gets_the_verdict_its_spec_implies(fixture_crawl):
    data_dir, summary, _, _ = fixture_crawl
    seen = observations(data_dir, summary.run_id)
    wrong = []
    for spec, row in zip(fixture_sites(), registry_rows(fixture_sites()), strict=True):
        for item, (status, error) in expected(spec).items():
            got = seen.get((row["id"], item))
            if got is None or got[0] != status or (error and got[1] != error):
                wrong.append(
                    (
                        row["id"],
                        spec.platform,
                        spec.encoding,
                        spec.charset_in,
                        spec.plan,
                        spec.failure,
                        item,
                        status,
                        got,
                    )
                )
    assert wrong == [], "\n".join(map(str, wrong))


def test_the_run_finishes_despite_traps_and_counts_every_site(fixture_crawl):
    _, summary, _, elapsed = fixture_crawl
    assert summary.status == "finished"
    assert summary.sites == 48 + 4
    assert elapsed < 50  # the slow site, the calendar and the bombs do not hold the run up


def test_private_and_loopback_addresses_are_refused(fixture_crawl):
    data_dir, summary, web, _ = fixture_crawl
    seen = observations(data_dir, summary.run_id)
    for iid in ("priv-loopback", "priv-localhost", "priv-lan", "priv-v6"):
        assert seen[(iid, "improvement_plan")] == ("site_unreachable", "private_address")
    assert not {"127.0.0.1", "localhost", "192.168.1.10"} & set(web.user_agents)


def test_http_sites_get_no_certificate_finding(fixture_crawl):
    data_dir, summary, _, _ = fixture_crawl
    seen = observations(data_dir, summary.run_id)
    tls = {iid for (iid, item) in seen if item == "tls_certificate"}
    https = {
        row["id"] for row in registry_rows(fixture_sites()) if row["website"].startswith("https")
    }
    assert tls == https


def test_user_agent_names_nokwatch_and_the_configured_contact(fixture_crawl):
    agents = set(fixture_crawl[2].user_agents.values())
    assert agents and all(a.startswith("nokwatch/") and f"+{CONTACT}" in a for a in agents)


def test_hosts_and_shared_platforms_are_not_hammered(fixture_crawl):
    peaks = fixture_crawl[2].peaks
    hosts = {key: peak for key, peak in peaks.items() if key.count(".") > 1}
    services = {key: hosts.pop(key) for key in SERVICES if key in hosts}
    assert max(hosts.values()) <= 2
    # every embedded form is confirmed: a service's slot in each crawl process
    assert services and max(services.values()) <= 4 * default_processes()
    assert peaks["gosuslugi.ru"] <= 6 and peaks["tvoysadik.ru"] <= 4


def _loopback_alias() -> str | None:
    """A name /etc/hosts maps to a loopback address (resolved without any network), if any."""
    for line in Path("/etc/hosts").read_text().splitlines():
        fields = line.split("#")[0].split()
        if fields and fields[0].startswith("127."):
            names = [name for name in fields[1:] if "localhost" not in name]
            if names:
                return names[0]
    return None


def test_names_resolving_to_private_addresses_are_refused_without_a_proxy(tmp_path):
    alias = _loopback_alias()
    if alias is None:
        pytest.skip("no loopback alias in /etc/hosts")
    data_dir = tmp_path / "data"
    with FixtureWeb([]) as web:  # a real server on loopback the crawl must not reach
        port = web.proxy_url.rsplit(":", 1)[1]
        registry(data_dir, [], {"alias": f"http://{alias}:{port}/"})
        summary = crawl(
            data_dir, env={"http_proxy": "", "https_proxy": ""}, progress=lambda _: None
        )
        assert web.requests == 0
    assert observations(data_dir, summary.run_id)[("alias", "survey_form")] == (
        "site_unreachable",
        "private_address",
    )
