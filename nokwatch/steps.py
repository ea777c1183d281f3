"""The steps of the main job, shared by the CLI and the scheduler: each prints what it does."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path

from crawler.run import CrawlSummary, crawl
from publisher.release.build import Publication, publish
from publisher.release.versions import prune
from publisher.store import Store

Echo = Callable[[str], None]


@contextlib.contextmanager
def demo_proxy(enabled: bool) -> Iterator[dict[str, str]]:
    """While enabled, the fixture web runs on loopback; yields the proxy variables for the crawl."""
    if not enabled:
        yield {}
        return
    from nokwatch.demo import FixtureWeb, demo_sites

    with FixtureWeb(demo_sites()) as web:
        yield {"http_proxy": web.proxy_url, "https_proxy": web.proxy_url}


def crawl_step(
    data_dir: Path,
    regions: Iterable[str],
    ids: Iterable[str],
    demo: bool,
    echo: Echo,
    resume: str | None = None,
) -> CrawlSummary:
    """Crawl (through the demo fixture web when asked), or finish an interrupted run; report."""
    with demo_proxy(demo) as env:
        if env:
            echo(f"demo: simulated sites served by the fixture web at {env['http_proxy']}")
        summary = crawl(data_dir, tuple(regions), tuple(ids), echo, env, resume=resume)
    echo(
        f"crawl {summary.run_id} {summary.status}: {summary.sites} sites "
        f"({summary.sites_unreachable} unreachable), {summary.pages} pages, {summary.errors} errors"
    )
    return summary


def deadline_step(store: Store, as_of: date, echo: Echo) -> int:
    """Compute every obligation's due date and verdict."""
    from publisher.deadlines.compliance import compute_compliance

    count = compute_compliance(store, as_of)
    echo(f"deadlines: {count} verdicts as of {as_of.isoformat()}")
    return count


def publish_step(
    store: Store, data_dir: Path, out: Path | None, echo: Echo, keep: int | None = None
) -> Publication:
    """Publish a new release (copied to ``out`` if given), keep the newest ``keep``; report."""
    echo("publishing: writing packages")
    publication = publish(store, data_dir, out, echo)
    rows = ", ".join(f"{name} {count}" for name, count in publication.rows.items())
    echo(
        f"published release {publication.version} ({publication.bump}) at {publication.out}: "
        f"{len(publication.packages)} packages, all valid; {rows}"
    )
    if out is not None:
        echo(f"copied to {out}: {Path(out) / 'datapackage.json'}")
    if keep is not None:
        removed = prune(data_dir, keep)
        echo(f"kept the {keep} newest releases; removed {', '.join(removed) or 'none'}")
    return publication
