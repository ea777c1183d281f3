"""The crawl as a process of its own (Twisted's reactor cannot be restarted inside one process).

    python -m crawler.process --data-dir DATA --run-id RUN --institutions FILE [--jobdir DIR]
"""

from __future__ import annotations

import argparse
import sys

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import settings as default_settings
from crawler.spiders.sites import SitesSpider


def crawl_settings(data_dir: str, jobdir: str | None = None, log_file: str | None = None) -> Settings:
    """The crawler's settings for one data directory."""
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.set("NOKWATCH_DATA_DIR", data_dir, priority="cmdline")
    if jobdir:
        settings.set("JOBDIR", jobdir, priority="cmdline")
    if log_file:
        settings.set("LOG_FILE", log_file, priority="cmdline")
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.process")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--institutions", required=True)
    parser.add_argument("--jobdir")
    parser.add_argument("--log-file")
    args = parser.parse_args(argv)
    process = CrawlerProcess(crawl_settings(args.data_dir, args.jobdir, args.log_file),
                             install_root_handler=bool(args.log_file))
    crawler = process.create_crawler(SitesSpider)
    done = {"sites": 0}

    def report(item: dict, **_: object) -> None:
        done["sites"] += 1
        print(f"site {done['sites']}: {item['institution_id']} {' '.join(item['statuses'])}", flush=True)

    crawler.signals.connect(report, signal=signals.item_scraped)
    process.crawl(crawler, institutions=args.institutions, run_id=args.run_id)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return 0 if stats.get("finish_reason") == "finished" else 3


if __name__ == "__main__":
    sys.exit(main())
