"""The Workspace: the data directory as an object, the one entry point of nokwatch.

The CLI, the scheduler and library users all go through it (in the manner of sqlite-utils'
``Database``)::

    ws = Workspace("data")
    ws.registry.import_file("institutions.csv")
    ws.crawl(regions=["RU-TOM"])
    ws.deadlines()
    ws.publish()

It holds the directory's ``Layout`` (``publisher.layout``), so no other module spells a path of it.
A new data directory starts with the bundled real data (the Tomsk 2014 report); the fictional demo
region is loaded only on request (``load_demo``, ``crawl(demo=True)``), never by default.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path

from crawler.run import CrawlSummary
from nokwatch.disputes import Disputes
from nokwatch.registry import Registry
from nokwatch.releases import Releases
from publisher.layout import Layout
from publisher.release.build import Publication
from publisher.store import Store

Echo = Callable[[str], None]
BUNDLED = Path(__file__).resolve().parent.parent / "publisher" / "data"
TOMSK_REPORT = BUNDLED / "tomsk-2014-report.csv"


def _quiet(_text: str) -> None:
    """The default echo: library use prints nothing."""


class Workspace:
    """One data directory: its store, evidence, releases, crawl jobs and service files."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        bundled: bool = True,
        echo: Echo | None = None,
    ) -> None:
        self.layout = Layout.resolve(path)
        self.bundled = bundled  # a new directory gets the bundled real data
        self.echo: Echo = echo or _quiet

    def __repr__(self) -> str:
        return f"<Workspace {self.path}>"

    def with_echo(self, echo: Echo) -> Workspace:
        """The same directory, reporting progress to ``echo`` (one per job or thread)."""
        return Workspace(self.path, bundled=self.bundled, echo=echo)

    @property
    def path(self) -> Path:
        """The data directory (absolute)."""
        return self.layout.root

    @contextlib.contextmanager
    def store(self) -> Iterator[Store]:
        """The open store; a new directory is created with the bundled data first."""
        new = not self.layout.store.exists()
        store = Store(self.layout.store)
        try:
            if new and self.bundled:
                for line in self._load_bundled(store):
                    self.echo(f"new data directory {self.path}: loaded {line}")
            yield store
        finally:
            store.close()

    def prepare(self) -> None:
        """Create the directory (with the bundled data) before a step that opens it in a child."""
        with self.store():
            return

    @property
    def registry(self) -> Registry:
        """The registry of institutions: imports, bus.gov.ru sync, local values."""
        return Registry(self)

    @property
    def disputes(self) -> Disputes:
        """Claims that a document is where nokwatch did not look, their re-checks and outcomes."""
        return Disputes(self)

    @property
    def releases(self) -> Releases:
        """The published releases of this directory."""
        return Releases(self.layout)

    def load_demo(self) -> str:
        """Load the fictional demo region (RU-DEMO) into the store; idempotent."""
        from nokwatch.demo import demo_registry_rows
        from publisher.registry.table import import_rows

        with self.store() as store:
            rows = enumerate(demo_registry_rows(), start=2)
            report = import_rows(store, rows, "demo-region (simulated)")
        return f"simulated demo region RU-DEMO (fictional): {report.stored.inserted} new sites"

    def crawl(
        self,
        regions: Iterable[str] = (),
        institutions: Iterable[str] = (),
        *,
        demo: bool = False,
        resume: str | None = None,
        start_urls: Mapping[str, Sequence[str]] | None = None,
        processes: int | None = None,
        broker: str | None = None,
        env: dict[str, str] | None = None,
    ) -> CrawlSummary:
        """Check the sites now (through the demo's fixture web when ``demo``); store observations.

        ``start_urls`` (institution id → addresses) are read first, besides each home page. The
        run takes ``processes`` crawl processes (default: one per core), or with ``broker``
        (``redis://HOST:PORT/DB``) the Celery workers on it (``worker``); ``env`` overrides crawl
        settings (``crawler.settings.ENVIRONMENT``) for this run.
        """
        from crawler.run import crawl

        self.prepare()
        if demo:
            self.echo(self.load_demo())
        with _demo_proxy(demo) as proxy:
            if proxy:
                self.echo(
                    f"demo: simulated sites served by the fixture web at {proxy['http_proxy']}"
                )
            summary = crawl(
                self.path,
                tuple(regions),
                tuple(institutions),
                self.echo,
                {**(env or {}), **proxy} or None,
                resume=resume,
                start_urls=start_urls,
                processes=processes,
                broker=broker,
            )
        self.echo(
            f"crawl {summary.run_id} {summary.status}: {summary.sites} sites "
            f"({summary.sites_unreachable} unreachable), {summary.pages} pages, "
            f"{summary.errors} errors"
        )
        if summary.note:
            self.echo(summary.note)
        return summary

    def recheck(self, institution_id: str, url: str, demo: bool = False) -> CrawlSummary:
        """A targeted re-check: crawl one institution's site now, starting from ``url`` too."""
        return self.crawl(
            institutions=[institution_id], demo=demo, start_urls={institution_id: [url]}
        )

    def worker(self, broker: str, concurrency: int | None = None) -> None:
        """Crawl shards sent through ``broker`` until stopped (``concurrency``: default per core).

        The worker keeps its crawl logs under this directory's ``crawl-jobs/``; it stores no
        observations (the coordinator does) and writes evidence where each task says.
        """
        from crawler.broker import run_worker
        from crawler.local import default_processes

        self.layout.crawl_jobs.mkdir(parents=True, exist_ok=True)
        run_worker(broker, self.path, concurrency or default_processes())

    def deadlines(self, as_of: date | None = None) -> int:
        """Compute every obligation's due date and verdict (as of today by default)."""
        from publisher.deadlines.compliance import compute_compliance

        day = as_of or date.today()
        with self.store() as store:
            count = compute_compliance(store, day)
        self.echo(f"deadlines: {count} verdicts as of {day.isoformat()}")
        return count

    def publish(self, out: Path | None = None, keep: int | None = None) -> Publication:
        """Publish a new release (copied to ``out`` if given); keep only the newest ``keep``."""
        from publisher.release.build import publish

        self.echo("publishing: writing packages")
        with self.store() as store:
            publication = publish(store, self.path, out, self.echo)
        rows = ", ".join(f"{name} {count}" for name, count in publication.rows.items())
        self.echo(
            f"published release {publication.version} ({publication.bump}) at "
            f"{publication.out}: {len(publication.packages)} packages, all valid; {rows}"
        )
        if out is not None:
            self.echo(f"copied to {out}: {Path(out) / 'datapackage.json'}")
        if keep is not None:
            removed = self.releases.prune(keep)
            self.echo(f"kept the {keep} newest releases; removed {', '.join(removed) or 'none'}")
        return publication

    def notice(
        self,
        institution_id: str | None = None,
        region: str | None = None,
        out: Path | None = None,
        pdf: bool = True,
    ) -> list[Path]:
        """Write notices of violation (HTML and PDF; a region's in one ZIP); the files written.

        Only verdicts that establish a violation (overdue, late) make a notice; NoViolation when
        there are none, UnknownTarget for an unknown institution or region.
        """
        from nokwatch.notices import write

        folder = Path(out) if out is not None else self.layout.notices
        with self.store() as store:
            written = write(store, folder, institution_id, region, pdf)
        for path in written:
            self.echo(f"notice: {path}")
        return written

    def serve(
        self,
        release: str | os.PathLike[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 8001,
    ) -> None:
        """Replace this process with Datasette serving a release (the latest by default)."""
        from publisher.site.serve import serve

        serve(self.releases.folder(release), host, port)

    def _load_bundled(self, store: Store) -> list[str]:
        from publisher.deadlines.compliance import compute_compliance
        from publisher.registry.reports import import_report

        tomsk = import_report(store, TOMSK_REPORT)
        # The report's verdicts need no crawl: a first `nokwatch publish` already carries them.
        verdicts = compute_compliance(store, date.today())
        return [
            f"Tomsk 2014 report: {tomsk.institutions.inserted} institutions, "
            f"{tomsk.events.inserted} reported dates ({len(tomsk.warnings)} cells kept as defects)",
            f"{verdicts} verdicts from the reported dates and the registry (before any crawl)",
        ]


@contextlib.contextmanager
def _demo_proxy(enabled: bool) -> Iterator[dict[str, str]]:
    """While enabled, the fixture web runs on loopback; yields the proxy variables for the crawl."""
    if not enabled:
        yield {}
        return
    from nokwatch.demo import FixtureWeb, demo_sites

    with FixtureWeb(demo_sites()) as web:
        yield {"http_proxy": web.proxy_url, "https_proxy": web.proxy_url}
