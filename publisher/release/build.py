"""Publishing a release: the store → validated packages (national and per region) → zips,
changelog, feeds, charts and the SQLite database Datasette serves, all in one immutable folder.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from publisher.errors import PublishError
from publisher.release import versions as releases
from publisher.release.changelog import changelog
from publisher.release.changes import diff, load_state
from publisher.release.chart import write_charts
from publisher.release.evidence import WITH_EVIDENCE, Carried, carry
from publisher.release.feed import current_violations, write_feeds
from publisher.release.packages import PackageSet, WrittenPackage, descriptor, zip_package
from publisher.release.registry_changes import registry_changelog
from publisher.release.resources import (
    compliance_rows,
    methodology,
    region_of,
    resource_rows,
    write_order,
)
from publisher.release.streaks import UNREACHABLE_AFTER
from publisher.release.validation import (
    Jobs,
    described_as_validated,
    entry,
    regional_jobs,
    resource_errors,
    resource_job,
    split_errors,
    validation_errors,  # noqa: F401  (re-exported: the error messages of one package)
)
from publisher.release.workbook import write_workbook
from publisher.site.database import BIG_TABLE, build_site_db
from publisher.site.metadata import datasette_metadata
from publisher.store import Store
from publisher.vocab import fictional_regions, region_names

SITE_DB = "nokwatch.db"
NOTES = {  # what a count in the publish summary means, where the name alone does not say
    "unreachable_sites": f" (sites unreachable in each of the last {UNREACHABLE_AFTER} crawls:"
    f" сайты, недоступные {UNREACHABLE_AFTER} обхода подряд)",
}
MANIFEST = "release.json"
Echo = Callable[[str], None]


@dataclass(frozen=True)
class Publication:
    """A published release on disk."""

    out: Path
    version: str
    bump: str
    rows: dict[str, int]
    packages: tuple[str, ...]

    @property
    def descriptor(self) -> Path:
        return self.out / "datapackage.json"

    @property
    def database(self) -> Path:
        return self.out / SITE_DB


def _write_data(
    store: Store, folder: Path, echo: Echo, jobs: Jobs, data_dir: Path | None = None
) -> PackageSet:
    """Write the store's resources to every package, each validated (``jobs``) once written;
    link the evidence their rows name into the release."""
    regions = region_of(store)
    packages = PackageSet(folder, regions, regions.values())
    carried = Carried(set())
    for name in write_order():
        rows = resource_rows(store, name)
        if name in WITH_EVIDENCE:
            rows = carried.published(rows)
        count = packages.write_resource(name, rows)
        jobs.add(resource_job(packages, name), count)
        echo(f"  {name}: {count} rows{NOTES.get(name, '')}")
    files, size = carry(Path(data_dir or store.path.parent), folder, carried.paths)
    echo(f"  evidence: {files} stored copies linked ({size / 1024:.0f} KiB, hard links)")
    return packages


def _write_changes(packages: PackageSet, version: str, data_dir: Path) -> list[dict]:
    previous = releases.latest(data_dir)
    rows: list[dict] = []
    if previous is not None:
        rows = list(diff(load_state(previous), load_state(packages.root), version, previous.name))
    packages.write_resource("changes", rows)
    return rows


def _manifest(folder: Path, packages: list[WrittenPackage], meta: dict[str, Any]) -> None:
    entries = [
        {
            "name": p.name,
            "title": p.title,
            "region": p.region,
            "descriptor": str(p.path.relative_to(folder)),
            "zip": f"downloads/{p.name}-{meta['version']}.zip",
            "xlsx": f"downloads/{p.name}-{meta['version']}.xlsx",
            "fictional": p.region in fictional_regions(),
            "rows": p.rows,
        }
        for p in packages
    ]
    text = json.dumps({**meta, "packages": entries}, ensure_ascii=False, indent=2)
    (folder / MANIFEST).write_text(text + "\n", encoding="utf-8")


def _site(
    store: Store,
    folder: Path,
    packages: PackageSet,
    changes: list[dict],
    meta: dict,
    counts: dict,
) -> None:
    names = region_names()
    metadata = datasette_metadata(SITE_DB.removesuffix(".db"), list(counts))
    (folder / "metadata.json").write_text(
        json.dumps(metadata, ensure_ascii=False, indent=2), "utf-8"
    )
    previous = releases.latest(meta["data_dir"])
    regions = {code: names.get(code, code) for code in packages.regional}
    if previous is None:  # nothing to compare with: the feeds list what this release publishes
        known = {
            r[0]: (r[1], r[2])
            for r in store.db.execute("SELECT id, name, region FROM institutions")
        }
        changes = current_violations(
            compliance_rows(store), store.findings(), known, meta["version"]
        )
    write_feeds(
        folder / "feeds",
        regions,
        changes,
        meta["created"],
        previous / "feeds" if previous else None,
    )
    write_charts(folder / SITE_DB, folder / "charts", names)


def previous_rows(data_dir: Path) -> dict[str, int]:
    """Row counts of the latest release's national package (empty before the first release)."""
    folder = releases.latest(data_dir)
    if folder is None or not (folder / MANIFEST).exists():
        return {}
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["packages"][0]["rows"]


def _check_and_build(packages: PackageSet, version: str, echo: Echo, jobs: Jobs) -> dict:
    """Finish validating every package while the site database builds and the zips are written;
    row counts of the database. PublishError if any package does not validate."""
    folder, national = packages.root, packages.national
    validated = {job[1][1]: entry(job[1][0], job[1][1]) for job in jobs.jobs}
    jobs.add((resource_errors, (national.path, "changes", folder)))  # and the final descriptor
    fictional = [p.folder for p in packages.regional.values() if p.region in packages.fictional]
    database = jobs.add((build_site_db, (folder, folder / SITE_DB, BIG_TABLE, fictional)))
    for job in regional_jobs(packages):
        jobs.add(job)

    def zips() -> None:
        for package in packages.packages:
            zip_package(package, folder / "downloads" / f"{package.name}-{version}.zip")
            write_workbook(package, folder / "downloads" / f"{package.name}-{version}.xlsx")

    results = jobs.results(zips)
    counts, built = results.pop(database)
    errors = split_errors(packages) + described_as_validated(packages, validated)
    errors += [e for found, _ in results for e in found]
    if errors:
        raise PublishError(
            "выпуск не проходит проверку (the release does not validate):\n  "
            + "\n  ".join(errors[:40])
        )
    took = sum(seconds for _, seconds in results)
    echo(
        f"  validated {len(packages.packages)} packages ({took:.1f} s in workers);"
        " zipped them and wrote their XLSX workbooks"
    )
    echo(
        f"  Datasette database: {sum(counts.values())} rows in {len(counts)} tables ({built:.1f} s)"
    )
    return counts


def build_release(store: Store, data_dir: Path, folder: Path, echo: Echo) -> Publication:
    """Write a whole release into the staging ``folder``; PublishError if it does not validate."""
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with Jobs() as jobs:
        packages = _write_data(store, folder, echo, jobs, data_dir)
        return _finish_release(store, data_dir, packages, created, jobs, echo)


def _finish_release(
    store: Store, data_dir: Path, packages: PackageSet, created: str, jobs: Jobs, echo: Echo
) -> Publication:
    folder = packages.root
    previous = releases.previous_descriptor(data_dir)
    version, bump = releases.next_version(previous, descriptor(packages.national))
    changes = _write_changes(packages, version, data_dir)
    extra = {"version": version, "created": created, "x-methodology": methodology(store)}
    written = packages.finish(extra)
    echo(f"  wrote {len(written)} descriptors")
    counts = _check_and_build(packages, version, echo, jobs)
    days = "SELECT COUNT(DISTINCT substr(checked_at, 1, 10)) FROM observations"
    meta = {
        "version": version,
        "created": created,
        "bump": bump,
        "previous": previous["version"] if previous else None,
        "crawl_days": store.db.execute(days).fetchone()[0],
    }
    _site(store, folder, packages, changes, {**meta, "data_dir": data_dir}, counts)
    _manifest(folder, written, meta)
    before = previous_rows(data_dir)
    text = changelog(
        version, created, meta["previous"], bump, changes, packages.national.rows, before
    )
    text += registry_changelog(releases.latest(data_dir), folder)
    (folder / "CHANGELOG.md").write_text(text, encoding="utf-8")
    return Publication(
        folder,
        version,
        bump,
        dict(packages.national.rows),
        tuple(str(p.path.relative_to(folder)) for p in written),
    )


def copy_release(release: Path, out: Path) -> Path:
    """Copy a release's files to ``out`` (``out/datapackage.json`` is the national package)."""
    shutil.copytree(release, out, dirs_exist_ok=True)
    return Path(out)


def publish(
    store: Store, data_dir: Path | None = None, out: Path | None = None, echo: Echo | None = None
) -> Publication:
    """Publish a new release of the store under ``data_dir/releases`` (and copy it to ``out``)."""
    data_dir = Path(data_dir or store.path.parent)
    say = echo or (lambda _: None)
    with releases.staging(data_dir, say) as folder:
        built = build_release(store, data_dir, folder, say)
        release = releases.commit(folder, data_dir, built.version)
    if out is not None:
        copy_release(release, out)
    return Publication(release, built.version, built.bump, built.rows, built.packages)
