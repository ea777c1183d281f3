"""robots.txt as Scrapy obeys it, plus what the audit needs to say: which rule closed a page, and
the ``Sitemap:`` lines that offer more ways into a site.

``ROBOTSTXT_PARSER`` names ``RulesRobotParser``; the spider keeps each host's parser from the
``robots_parsed`` signal. Both it and the middleware forget a site's parsers once the site is
finished (``SITE_FINISHED``): a national run meets 100,000 hosts, and holding every parser made a
crawl process's memory grow with the run.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.robotstxt import ProtegoRobotParser, decode_robotstxt
from scrapy.spiders import Spider
from twisted.internet.defer import Deferred

from crawler.items import SITE_FINISHED


class RulesRobotParser(ProtegoRobotParser):
    """Protego's parser, keeping the text so a refusal can name its rule."""

    def __init__(self, robotstxt_body: bytes, spider: Spider | None) -> None:
        super().__init__(robotstxt_body, spider)
        self.text = decode_robotstxt(robotstxt_body, spider)

    @property
    def sitemaps(self) -> list[str]:
        return list(self.rp.sitemaps)

    def rule_for(self, url: str, user_agent: str) -> str | None:
        """The ``Disallow:`` line that closes url to this user agent (the longest match), or None."""
        return blocking_rule(self.text, url, user_agent)


class SiteRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, forgetting a finished site's parsers."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteRobotsTxtMiddleware:
        middleware = super().from_crawler(crawler)
        crawler.signals.connect(middleware.forget, signal=SITE_FINISHED)
        return middleware

    def forget(self, netlocs: set[str], **_: Any) -> None:
        for netloc in netlocs:
            if not isinstance(self._parsers.get(netloc), Deferred):  # keep one being fetched
                self._parsers.pop(netloc, None)


def _groups(text: str) -> dict[str, list[str]]:
    """user-agent (lower-case) → its Disallow values."""
    groups: dict[str, list[str]] = {}
    agents: list[str] = []
    in_rules = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        field, _, value = line.partition(":")
        field, value = field.strip().lower(), value.strip()
        if field == "user-agent":
            if in_rules:
                agents, in_rules = [], False
            agents.append(value.lower())
            for agent in agents:
                groups.setdefault(agent, [])
        elif field in ("disallow", "allow"):
            in_rules = True
            if field == "disallow" and value:
                for agent in agents:
                    groups[agent].append(value)
    return groups


def _matches(rule: str, path: str) -> bool:
    pattern = re.escape(rule).replace(r"\*", ".*")
    if pattern.endswith(r"\$"):
        pattern = pattern[:-2] + "$"
    return re.match(pattern, path) is not None


def blocking_rule(text: str, url: str, user_agent: str) -> str | None:
    """The longest ``Disallow:`` value of the group that applies to user_agent matching url."""
    groups = _groups(text)
    token = user_agent.split("/", 1)[0].lower()
    rules = next((v for agent, v in groups.items() if agent != "*" and agent in token), None)
    if rules is None:
        rules = groups.get("*", [])
    split = urlsplit(url)
    path = (split.path or "/") + (f"?{split.query}" if split.query else "")
    matching = [rule for rule in rules if _matches(rule, path)]
    return f"Disallow: {max(matching, key=len)}" if matching else None
