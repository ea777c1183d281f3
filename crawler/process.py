"""The crawl as a process of its own (Twisted's reactor cannot be restarted inside one process).

python -m crawler.process --data-dir DATA --run-id RUN --institutions FILE
    [--log-file FILE] [--stats-file FILE] [--emit]

With ``--emit`` the child stores nothing: it prints each finished site as a record line
(``crawler.results``) for the run's one writer; otherwise it stores each site itself.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import settings as default_settings
from crawler.render import browser_settings
from crawler.spiders.sites import SitesSpider
from publisher.lifeline import die_with_parent_from_environment


def _apply_environment(settings: Settings, environ: Mapping[str, str]) -> None:
    for variable, name in default_settings.ENVIRONMENT.items():
        if environ.get(variable):
            settings.set(name, _typed(name, environ[variable]), priority="cmdline")
    contact = settings.get("NOKWATCH_CONTACT_URL")
    settings.set(
        "USER_AGENT",
        default_settings.USER_AGENT.replace(default_settings.NOKWATCH_CONTACT_URL, contact),
        priority="cmdline",
    )


def _typed(name: str, raw: str) -> object:
    """An environment value as the type of the setting's default (booleans as Scrapy reads them)."""
    default = getattr(default_settings, name)
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return type(default)(raw)


def crawl_settings(
    data_dir: str,
    run_id: str = "",
    log_file: str | None = None,
    environ: Mapping[str, str] = os.environ,
) -> Settings:
    """The crawler's settings for one data directory and run (NOKWATCH_* environment overrides)."""
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.set("NOKWATCH_DATA_DIR", data_dir, priority="cmdline")
    settings.set("NOKWATCH_RUN_ID", run_id, priority="cmdline")
    settings.set("LOG_INSTALL_ROOT_HANDLER", bool(log_file), priority="cmdline")
    if log_file:
        settings.set("LOG_FILE", log_file, priority="cmdline")
    _apply_environment(settings, environ)
    if settings.getfloat("NOKWATCH_RENDER_SHARE") > 0:
        for name, value in browser_settings(settings.get("NOKWATCH_BROWSER"), environ).items():
            settings.set(name, value, priority="cmdline")
    return settings


def main(argv: list[str] | None = None) -> int:
    die_with_parent_from_environment()  # an orphaned crawl would go on beside a resumed one
    parser = argparse.ArgumentParser(prog="python -m crawler.process")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--institutions", required=True)
    parser.add_argument("--log-file")
    parser.add_argument("--stats-file", help="Scrapy's counters, for operators and the benchmark")
    parser.add_argument("--emit", action="store_true", help="print site records, store nothing")
    args = parser.parse_args(argv)
    settings = crawl_settings(args.data_dir, args.run_id, args.log_file)
    settings.set("NOKWATCH_EMIT", args.emit, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(SitesSpider)
    done = {"sites": 0}

    def report(item: dict, **_: object) -> None:
        done["sites"] += 1
        checks = json.dumps(item.get("checks", []), ensure_ascii=False)
        print(f"site {done['sites']}: {item['institution_id']} {checks}", flush=True)

    if not args.emit:
        crawler.signals.connect(report, signal=signals.item_scraped)
    process.crawl(crawler, institutions=args.institutions, run_id=args.run_id)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    if args.stats_file:
        Path(args.stats_file).write_text(json.dumps(stats, default=str, indent=1))
    return 0 if stats.get("finish_reason") == "finished" else 3


if __name__ == "__main__":
    sys.exit(main())
