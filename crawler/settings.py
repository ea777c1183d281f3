"""Scrapy settings of the nokwatch crawler: polite, bounded, resilient."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from publisher.version import __version__

BOT_NAME = "nokwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Say who we are and where to complain; operators set their own contact URL (NOKWATCH_CONTACT_URL).
NOKWATCH_CONTACT_URL = "https://github.com/nokwatch/nokwatch"
USER_AGENT = f"nokwatch/{__version__} (+{NOKWATCH_CONTACT_URL}; open-data monitoring)"
ROBOTSTXT_OBEY = True
ROBOTSTXT_PARSER = "crawler.robots.RulesRobotParser"  # Protego, naming the rule that refused

# Many hosts at once, each gently.
CONCURRENT_REQUESTS = 64
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_MAX_DELAY = 10
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
REACTOR_THREADPOOL_MAXSIZE = 20
# Keep-alive connections live while their site is searched (crawler.connections): a finished
# site's are closed, and an idle one nobody took within this many seconds (Twisted keeps them
# 240 s, which made a national crawl hold thousands of finished sites' connections).
DOWNLOAD_HANDLERS = {
    "http": "crawler.connections.SiteDownloadHandler",
    "https": "crawler.connections.SiteDownloadHandler",
}
NOKWATCH_IDLE_CONNECTION_SECONDS = 15.0
DNS_TIMEOUT = 15

# Shared hosting platforms get one slot for all their sites (crawler.slots): a few requests at a
# time to the whole platform, not two per school.
NOKWATCH_PLATFORM_SLOTS: dict[str, str] = {}  # empty: crawler.slots.PLATFORMS
# A fixed delay: AutoThrottle's minimum (DOWNLOAD_DELAY) would hold a whole platform to 4 requests/s.
DOWNLOAD_SLOTS = {
    "platform:gosweb": {"concurrency": 6, "delay": 0.05},
    "platform:tvoysadik": {"concurrency": 4, "delay": 0.1},
    "platform:uralschool": {"concurrency": 4, "delay": 0.1},
    # every site's embedded survey form is confirmed with one request to its service
    "service:yandex-forms": {"concurrency": 4, "delay": 0.0},
    "service:google-forms": {"concurrency": 4, "delay": 0.0},
}
DOWNLOADER_MIDDLEWARES = {
    # Scrapy's, forgetting a finished site's robots.txt: memory does not grow with the run
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.SiteRobotsTxtMiddleware": 100,
    "crawler.guard.PrivateAddressMiddleware": 90,  # before robots.txt is even asked for
    "crawler.slots.PlatformSlotMiddleware": 95,
}
NOKWATCH_ALLOW_PRIVATE = False  # the registry is user input: never probe the local network
# Every address connected to is checked again when it is resolved (DNS rebinding): crawler.guard.
TWISTED_DNS_RESOLVER = "crawler.guard.GuardedResolver"

# Certificates are judged against certifi plus this bundle (e.g. the Russian Trusted Root CA).
NOKWATCH_CA_BUNDLE = ""

# Bounded work per request and per site.
DOWNLOAD_TIMEOUT = 30.0
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
REDIRECT_MAX_TIMES = 5
RETRY_TIMES = 1
NOKWATCH_MAX_PAGES_PER_SITE = 40
NOKWATCH_MAX_BYTES_PER_SITE = 50 * 1024 * 1024
NOKWATCH_MAX_SECONDS_PER_SITE = 600.0  # wall clock from the first request; in-flight ones finish
NOKWATCH_MAX_DEPTH = 6  # clicks from the home page (platform paths count as one); the page budget
# bounds the work, best-first order spends it: depth only stops endless chains
# Sites searched at once: a new site starts when one finishes, so a killed crawl loses little.
# 256, not 48: AutoThrottle holds each site to about one request per answer time, so at real-web
# latency (0.1-2 s) 48 sites could not fill CONCURRENT_REQUESTS (docs/crawler.md, issue 14).
NOKWATCH_SITES_IN_FLIGHT = 256
NOKWATCH_SITE_PARALLEL = 3  # a site's requests in flight, taken best first from its frontier

# App-shell pages are rendered in headless Chromium (Debian's chromium, never a downloaded one),
# at most this share of the run's pages (after the first few); empty browser: no rendering.
NOKWATCH_BROWSER = "/usr/bin/chromium"
NOKWATCH_RENDER_SHARE = 0.1
NOKWATCH_RENDER_MIN = 5

# Every core, then many machines. Crawl processes of a run on this machine (0: one per core);
# with a broker (NOKWATCH_BROKER, redis://HOST:PORT/DB) the run goes to Celery workers instead,
# in shards of this many sites; a worker killed mid-shard gives its shard back after the
# visibility timeout, which must be longer than any shard takes.
NOKWATCH_PROCESSES = 0
# A crawl process crawls at most this many sites, then a fresh one takes the next part of the run
# (crawler.local): memory stays that of a part, whatever the run's size.
NOKWATCH_SITES_PER_PROCESS = 2000
NOKWATCH_BROKER = ""
NOKWATCH_BROKER_SHARD_SIZE = 200
NOKWATCH_BROKER_VISIBILITY_TIMEOUT = 7200.0
# Where crawl processes write evidence: empty for the data directory's evidence/, else a shared
# folder (path or file:// URL) or a bucket fsspec knows (s3://bucket/prefix, with s3fs installed).
NOKWATCH_EVIDENCE_URL = ""

# Every setting an operator (or a test) may override by an environment variable of the same name
# (the Scrapy setting it sets, when it has one). The type is that of the default above; this table
# is the only list of them, and docs/crawler.md shows it (a docs test keeps the two equal).
ENVIRONMENT = {
    "NOKWATCH_CONTACT_URL": "NOKWATCH_CONTACT_URL",
    "NOKWATCH_CA_BUNDLE": "NOKWATCH_CA_BUNDLE",
    "NOKWATCH_ALLOW_PRIVATE": "NOKWATCH_ALLOW_PRIVATE",
    "NOKWATCH_MAX_PAGES_PER_SITE": "NOKWATCH_MAX_PAGES_PER_SITE",
    "NOKWATCH_MAX_BYTES_PER_SITE": "NOKWATCH_MAX_BYTES_PER_SITE",
    "NOKWATCH_MAX_SECONDS_PER_SITE": "NOKWATCH_MAX_SECONDS_PER_SITE",
    "NOKWATCH_MAX_DEPTH": "NOKWATCH_MAX_DEPTH",
    "NOKWATCH_PROCESSES": "NOKWATCH_PROCESSES",
    "NOKWATCH_SITES_PER_PROCESS": "NOKWATCH_SITES_PER_PROCESS",
    "NOKWATCH_BROKER": "NOKWATCH_BROKER",
    "NOKWATCH_BROKER_SHARD_SIZE": "NOKWATCH_BROKER_SHARD_SIZE",
    "NOKWATCH_BROKER_VISIBILITY_TIMEOUT": "NOKWATCH_BROKER_VISIBILITY_TIMEOUT",
    "NOKWATCH_EVIDENCE_URL": "NOKWATCH_EVIDENCE_URL",
    "NOKWATCH_SITES_IN_FLIGHT": "NOKWATCH_SITES_IN_FLIGHT",
    "NOKWATCH_SITE_PARALLEL": "NOKWATCH_SITE_PARALLEL",
    "NOKWATCH_IDLE_CONNECTION_SECONDS": "NOKWATCH_IDLE_CONNECTION_SECONDS",
    "NOKWATCH_BROWSER": "NOKWATCH_BROWSER",
    "NOKWATCH_RENDER_SHARE": "NOKWATCH_RENDER_SHARE",
    "NOKWATCH_RENDER_MIN": "NOKWATCH_RENDER_MIN",
    "NOKWATCH_DOWNLOAD_TIMEOUT": "DOWNLOAD_TIMEOUT",
    "NOKWATCH_DOWNLOAD_MAXSIZE": "DOWNLOAD_MAXSIZE",
    "NOKWATCH_CONCURRENT_REQUESTS": "CONCURRENT_REQUESTS",
    "NOKWATCH_DOWNLOAD_DELAY": "DOWNLOAD_DELAY",
    "NOKWATCH_AUTOTHROTTLE_ENABLED": "AUTOTHROTTLE_ENABLED",
}

ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
COOKIES_ENABLED = False
# No way into a running crawl: Scrapy 2.19's remote control (on by default) runs any Python sent to
# its /execute endpoint and leaves token files behind; the telnet console is a Python shell too.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
HTTPERROR_ALLOW_ALL = False
FEED_EXPORT_ENCODING = "utf-8"


def override(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """A setting of this module as an environment variable overrides it (for code outside Scrapy:
    the run's coordinator, the workers). Typed as the default; booleans accept 1/true/yes/on."""
    variable = next((v for v, setting in ENVIRONMENT.items() if setting == name), name)
    default = globals()[name]
    raw = (os.environ if environ is None else environ).get(variable)
    if raw is None or raw == "":
        return default
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return type(default)(raw)
