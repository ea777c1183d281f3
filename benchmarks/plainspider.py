"""The benchmark's baseline: a plain Scrapy CrawlSpider (no detection, no storage), same politeness.

python benchmarks/plainspider.py SITES.json PAGES_OUT
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scrapy.crawler import CrawlerProcess  # noqa: E402
from scrapy.linkextractors import LinkExtractor  # noqa: E402
from scrapy.spiders import CrawlSpider, Rule  # noqa: E402

from crawler.process import crawl_settings  # noqa: E402


class PlainSpider(CrawlSpider):
    """Follows same-site links from every home page, four clicks deep; reads nothing."""

    name = "plain"
    rules = (Rule(LinkExtractor(deny_extensions=[]), callback="parse_item", follow=True),)

    def __init__(self, sites: str = "", **kwargs: object) -> None:
        self.start_urls = json.loads(Path(sites).read_text())
        self.allowed_domains = [urlsplit(url).hostname for url in self.start_urls]
        super().__init__(**kwargs)

    def parse_item(self, response: object) -> None:
        return None


def main() -> None:
    sites, out = sys.argv[1], sys.argv[2]
    settings = crawl_settings(str(Path(out).parent), "plain")
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    settings.set("DEPTH_LIMIT", 4, priority="cmdline")
    settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(PlainSpider)
    process.crawl(crawler, sites=sites)
    process.start()
    Path(out).write_text(str(crawler.stats.get_value("response_received_count", 0)))


if __name__ == "__main__":
    main()
