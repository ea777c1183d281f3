"""Run a crawl over (part of) the registry in crawl processes, and record the run in the store.

The run is crawled by N crawl processes at a time on this machine, each a part of a few thousand
sites (default: one per core; ``crawler.local``), or sent to Celery workers through a broker
(``crawler.broker``).
Either way the crawl processes store nothing: they print each finished site as a record, and this
process — the run's one writer (``crawler.results.RunWriter``) — stores it at once.

Asking for an institution or region the registry does not hold is an ``UnknownTarget`` error
before any run is recorded. A crawl goes through a forwarding proxy when ``http_proxy`` is set: if
that proxy (our own uplink) cannot be reached, before or after the crawl, the run is marked failed
and none of its sites is judged, so a broken uplink never blames the institutions.

An interrupted run is resumed by its id: sites whose observations the run already stored are
skipped, the others are audited again from scratch (a site's audit lives in the crawler's memory,
so half an audit cannot be resumed; whole sites are committed one at a time, so none is lost).

Every crawl process dies with its parent (``publisher.lifeline``), and their pids are kept in the
run's folder (``child.pid``) while they run: a resume refuses to start while one of the run's
previous crawl processes lives, so no site is crawled twice by two processes.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.child import CHILD_PID, job_folder
from crawler.local import crawl_here
from crawler.results import RunWriter
from crawler.shards import read_listing, write_listing
from publisher.errors import CrawlRunning, InputError, UnknownTarget
from publisher.layout import Layout
from publisher.lifeline import alive
from publisher.store import Store

Progress = Callable[[str], None]


@dataclass(frozen=True)
class CrawlSummary:
    """What one crawl run did."""

    run_id: str
    status: str
    sites: int
    sites_unreachable: int
    pages: int
    errors: int
    note: str = ""


ITEM_RU = {
    "improvement_plan": "план",
    "survey_form": "анкета",
    "bus_gov_link": "bus.gov.ru",
    "tls_certificate": "TLS",
}
STATUS_RU = {
    "found": "найден",
    "live": "работает",
    "not_found": "нет",
    "outdated": "устарел",
    "broken": "не работает",
    "mismatch": "чужая карточка",
    "site_unreachable": "сайт недоступен",
    "blocked_by_robots": "закрыто robots.txt",
    "incomplete": "поиск не завершён",
    "generic": "ссылка на портал",
    "valid": "в порядке",
    "expired": "просрочен",
    "wrong_host": "чужой сертификат",
    "untrusted": "недоверенный",
    "no_tls": "нет HTTPS",
}
UPLINK_DOWN = "прокси или сеть недоступны (uplink down): {}; сайты не оценивались"
# Causes that, through a dead proxy, are the proxy's and not the site's.
UPLINK_CAUSES = ("refused", "network_unreachable", "proxy_error", "timeout", "connection_lost")


def crawl(
    data_dir: Path,
    regions: Iterable[str] = (),
    ids: Iterable[str] = (),
    progress: Progress = print,
    env: dict[str, str] | None = None,
    resume: str | None = None,
    start_urls: Mapping[str, Sequence[str]] | None = None,
    processes: int | None = None,
    broker: str | None = None,
) -> CrawlSummary:
    """Crawl the registry's sites (optionally some regions or institutions) and store observations.

    ``start_urls`` (institution id → addresses) are visited first, besides the home page: a
    targeted re-check of a place the crawler would not have looked (a dispute's address).
    ``processes`` crawl processes on this machine (default: one per core), or with ``broker``
    (``redis://HOST:PORT/DB``) the Celery workers listening on it.
    """
    data_dir = Path(data_dir)
    regions, ids = list(regions), list(ids)
    if resume:
        refuse_while_running(data_dir, resume)
        run_id, total = _resume(data_dir, resume)
    else:
        check_targets(data_dir, regions, ids)
        run_id, total = _start(data_dir, regions, ids, start_urls or {})
    job = job_folder(data_dir, run_id)
    pending = job / "pending.jsonl"
    child_env = {**os.environ, **(env or {})}
    # the workers go through their own uplinks; here only this machine's is ours to check
    down = "" if broker else uplink_problem(child_env)
    if down:
        return _uplink_failed(data_dir, run_id, down, progress)
    where = f" through {_safe(broker)}" if broker else ""
    progress(f"crawl {run_id}: {total} sites{' left' if resume else ''}{where}")
    with Store(Layout(data_dir).store) as store:
        writer = RunWriter(store, run_id)
        if broker:
            from crawler.broker import coordinate

            report = _reporter(total, progress)
            ok = coordinate(broker, data_dir, run_id, pending, writer, report, env, progress)
        else:
            report = _reporter(total, progress)
            ok = crawl_here(
                data_dir, run_id, pending, total, processes, writer, report, progress, env
            )
    down = "" if broker else uplink_problem(child_env)
    if down:
        return _uplink_failed(data_dir, run_id, down, progress)
    if not broker and not _proxy(child_env):
        with Store(Layout(data_dir).store) as store:
            down = local_network_suspect(site_causes(store, run_id))
        if down:
            return _uplink_failed(data_dir, run_id, down, progress, LOCAL_NETWORK_CAUSES)
    with Store(Layout(data_dir).store) as store:
        status = "finished" if ok else "failed"
        store.finish_crawl(run_id, status, "" if ok else f"see the logs in {job}")
        row = next(store.rows("crawls", "run_id = ?", [run_id]))
    return CrawlSummary(
        run_id, status, row["sites"], row["sites_unreachable"], row["pages"], row["errors"]
    )


def refuse_while_running(data_dir: Path, run_id: str) -> None:
    """CrawlRunning if one of the run's previous crawl processes still runs; a stale pid file is
    removed."""
    pid_file = Layout(Path(data_dir)).crawl_job(run_id) / CHILD_PID
    try:
        pids = [int(line) for line in pid_file.read_text(encoding="ascii").split()]
    except (OSError, ValueError):
        return
    for pid in pids:
        if alive(pid, "crawler.process"):
            raise CrawlRunning(
                f"обход {run_id} ещё идёт в процессе {pid} (crawl still running): дождитесь его"
                f" окончания или остановите его (kill {pid}), затем повторите --resume"
            )
    pid_file.unlink(missing_ok=True)


def check_targets(data_dir: Path, regions: list[str], ids: list[str]) -> None:
    """UnknownTarget naming the regions or institution ids the registry does not hold."""
    if not regions and not ids:
        return
    with Store(Layout(data_dir).store) as store:
        known_regions = {r[0] for r in store.db.execute("SELECT DISTINCT region FROM institutions")}
        missing = [r for r in regions if r not in known_regions]
        if missing:
            raise UnknownTarget("регион (region)", missing)
        marks = ", ".join("?" for _ in ids)
        query = f"SELECT id FROM institutions WHERE id IN ({marks})"
        known_ids = {r[0] for r in store.db.execute(query, ids)} if ids else set()
    missing = [i for i in ids if i not in known_ids]
    if missing:
        raise UnknownTarget("учреждение (institution)", missing)


def uplink_problem(env: dict[str, str], timeout: float = 3.0) -> str:
    """Why the crawl's forwarding proxy cannot be reached ("" when it can, or none is set)."""
    proxy = _proxy(env)
    if not proxy:
        return ""
    address = proxy.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
    host, _, port = address.rpartition(":") if ":" in address else (address, "", "3128")
    try:
        socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout).close()
    except (OSError, ValueError) as exc:
        return f"{address} ({exc.__class__.__name__}: {exc})"
    return ""


def _proxy(env: Mapping[str, str]) -> str:
    return env.get("https_proxy") or env.get("http_proxy") or ""


# Without a proxy, this machine's own network or DNS resolver being down shows as every site of
# the run failing to resolve or to route; so many sites failing alike is not theirs to answer for.
LOCAL_NETWORK_CAUSES = ("dns", "network_unreachable")
LOCAL_NETWORK_MIN_SITES = 10  # fewer sites failing alike may well be the sites' own fault


def site_causes(store: Store, run_id: str) -> list[str | None]:
    """One entry per site of the run: None where the site answered, else its failure's cause."""
    rows = store.db.execute(
        "SELECT MIN(status = 'site_unreachable'), MAX(error) FROM observations"
        " WHERE run_id = ? GROUP BY institution_id",
        (run_id,),
    )
    return [(error or "unknown") if down else None for down, error in rows]


def local_network_suspect(causes: Sequence[str | None]) -> str:
    """Why a run's failures look like this machine's network, not the sites' ("" when not)."""
    if len(causes) < LOCAL_NETWORK_MIN_SITES or None in causes:
        return ""
    kinds = {str(cause).split(":", 1)[0].strip() for cause in causes}
    if not kinds <= set(LOCAL_NETWORK_CAUSES):
        return ""
    return (
        f"ни один из {len(causes)} сайтов не ответил ({', '.join(sorted(kinds))}): "
        "сеть или DNS этой машины (local network or DNS resolver down)"
    )


def _uplink_failed(
    data_dir: Path,
    run_id: str,
    problem: str,
    progress: Callable[[str], None],
    causes: Sequence[str] = UPLINK_CAUSES,
) -> CrawlSummary:
    """Mark the run failed; forget what it said about sites it could not reach through the uplink."""
    note = UPLINK_DOWN.format(problem)
    progress(f"crawl {run_id}: {note}")
    marks = ", ".join("?" for _ in causes)
    with Store(Layout(data_dir).store) as store:
        store.db.execute(
            "DELETE FROM observations WHERE run_id = ? AND status = 'site_unreachable'"
            f" AND (error IS NULL OR substr(error, 1, instr(error || ':', ':') - 1) IN ({marks}))",
            (run_id, *causes),
        )
        store.finish_crawl(run_id, "failed", note)
        row = next(store.rows("crawls", "run_id = ?", [run_id]))
    return CrawlSummary(
        run_id, "failed", row["sites"], row["sites_unreachable"], row["pages"], row["errors"], note
    )


def describe_checks(checks: list) -> str:
    """A site's checks in words: ``план: найден · анкета: нет · bus.gov.ru: чужая карточка``."""
    words = []
    for item, status, error in checks:
        text = f"{ITEM_RU.get(item, item)}: {STATUS_RU.get(status, status)}"
        words.append(f"{text} ({error})" if error and status == "site_unreachable" else text)
    if words and all(status == "site_unreachable" for _, status, _ in checks):
        return f"сайт недоступен ({checks[0][2] or 'причина не указана'})"
    return " · ".join(words)


def _start(
    data_dir: Path, regions: Iterable[str], ids: Iterable[str], start_urls: Mapping
) -> tuple[str, int]:
    regions, ids = tuple(regions), tuple(ids)
    with Store(Layout(data_dir).store) as store:
        run_id = store.start_crawl(",".join([*regions, *ids]) or "all")
        job = job_folder(data_dir, run_id)
        rows = _with_start_urls(store.each_institution(regions, ids), start_urls)
        total = write_listing(job / "institutions.jsonl", rows)
    shutil.copyfile(job / "institutions.jsonl", job / "pending.jsonl")
    return run_id, total


def _with_start_urls(rows: Iterable[dict], start_urls: Mapping) -> Iterator[dict]:
    for row in rows:
        if start_urls.get(row["id"]):
            row["start_urls"] = list(start_urls[row["id"]])
        yield row


def _resume(data_dir: Path, run_id: str) -> tuple[str, int]:
    job = Layout(Path(data_dir)).crawl_job(run_id)
    listings = (job / "institutions.jsonl", job / "institutions.json")  # .json: runs of old
    scope = next((path for path in listings if path.exists()), None)
    if scope is None:
        raise InputError(f"нет обхода {run_id} в {data_dir} (no crawl to resume)")
    with Store(Layout(data_dir).store) as store:
        store.update_crawl(run_id, status="running", finished_at=None)
        stored = RunWriter(store, run_id).stored  # asked of the store: no list of the done ids
        left = (row for row in read_listing(scope) if not stored(row["id"]))
        return run_id, write_listing(job / "pending.jsonl", left)


def _reporter(total: int, progress: Progress) -> Callable[[dict], None]:
    done = {"sites": 0}

    def report(record: dict[str, Any]) -> None:
        done["sites"] += 1
        checks = [(row["item"], row["status"], row.get("error")) for row in record["rows"]]
        said = describe_checks(checks)
        progress(f"  [{done['sites']}/{total}] {record['institution_id']}: {said}")

    return report


def _safe(url: str | None) -> str:
    """A broker URL without its password, for messages."""
    from urllib.parse import urlsplit

    split = urlsplit(url or "")
    if split.password:
        return (url or "").replace(f":{split.password}@", ":***@")
    return url or ""
