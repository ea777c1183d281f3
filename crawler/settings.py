"""Scrapy settings of the nokwatch crawler: polite, bounded, resilient."""

from __future__ import annotations

from nokwatch import __version__

BOT_NAME = "nokwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Say who we are and where to complain; operators can override the contact URL.
USER_AGENT = f"nokwatch/{__version__} (+https://github.com/nokwatch/nokwatch; open-data monitoring)"
ROBOTSTXT_OBEY = True

# Many hosts at once, each gently.
CONCURRENT_REQUESTS = 64
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_MAX_DELAY = 10
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
REACTOR_THREADPOOL_MAXSIZE = 20
DNS_TIMEOUT = 15

# Bounded work per request and per site.
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
REDIRECT_MAX_TIMES = 5
RETRY_TIMES = 1
NOKWATCH_MAX_PAGES_PER_SITE = 40

ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
HTTPERROR_ALLOW_ALL = False
FEED_EXPORT_ENCODING = "utf-8"
