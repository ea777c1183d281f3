"""Run a crawl over (part of) the registry in a child process, and record the run in the store.

Asking for an institution or region the registry does not hold is an ``UnknownTarget`` error
before any run is recorded. A crawl goes through a forwarding proxy when ``http_proxy`` is set: if
that proxy (our own uplink) cannot be reached, before or after the crawl, the run is marked failed
and none of its sites is judged, so a broken uplink never blames the institutions.

An interrupted run is resumed by its id: sites whose observations the run already stored are
skipped, the others are audited again from scratch (a site's audit lives in the crawler's memory,
so half an audit cannot be resumed; whole sites are committed one at a time, so none is lost).

The child dies with its parent (`publisher.lifeline`), and its pid is kept in the run's folder
(``child.pid``) while it runs: a resume refuses to start while the run's previous child lives, so
no site is crawled twice by two processes.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from publisher.errors import CrawlRunning, InputError, UnknownTarget
from publisher.layout import Layout
from publisher.lifeline import ENVIRONMENT as PARENT_PID
from publisher.lifeline import alive
from publisher.store import Store


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
    progress: Callable[[str], None] = print,
    env: dict[str, str] | None = None,
    resume: str | None = None,
    start_urls: Mapping[str, Sequence[str]] | None = None,
) -> CrawlSummary:
    """Crawl the registry's sites (optionally some regions or institutions) and store observations.

    ``start_urls`` (institution id → addresses) are visited first, besides the home page: a
    targeted re-check of a place the crawler would not have looked (a dispute's address).
    """
    data_dir = Path(data_dir)
    regions, ids = list(regions), list(ids)
    if resume:
        refuse_while_running(data_dir, resume)
        run_id, institutions = _resume(data_dir, resume)
    else:
        check_targets(data_dir, regions, ids)
        run_id, institutions = _start(data_dir, regions, ids, start_urls or {})
    job = job_folder(data_dir, run_id)
    (job / "pending.json").write_text(json.dumps(institutions, ensure_ascii=False), "utf-8")
    child_env = {**os.environ, **(env or {})}
    down = uplink_problem(child_env)
    if down:
        return _uplink_failed(data_dir, run_id, down, progress)
    progress(f"crawl {run_id}: {len(institutions)} sites{' left' if resume else ''}")
    command = child_command(data_dir, run_id, job / "pending.json")
    status = _run_child(command, len(institutions), progress, env, job / CHILD_PID)
    down = uplink_problem(child_env)
    if down:
        return _uplink_failed(data_dir, run_id, down, progress)
    with Store(Layout(data_dir).store) as store:
        store.finish_crawl(
            run_id, status, "" if status == "finished" else f"see {job / 'crawl.log'}"
        )
        row = next(store.rows("crawls", "run_id = ?", [run_id]))
    return CrawlSummary(
        run_id, status, row["sites"], row["sites_unreachable"], row["pages"], row["errors"]
    )


CHILD_PID = "child.pid"


def refuse_while_running(data_dir: Path, run_id: str) -> None:
    """CrawlRunning if the run's previous crawl child still runs; a stale pid file is removed."""
    pid_file = Layout(Path(data_dir)).crawl_job(run_id) / CHILD_PID
    try:
        pid = int(pid_file.read_text(encoding="ascii"))
    except (OSError, ValueError):
        return
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
    proxy = env.get("https_proxy") or env.get("http_proxy") or ""
    if not proxy:
        return ""
    address = proxy.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
    host, _, port = address.rpartition(":") if ":" in address else (address, "", "3128")
    try:
        socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout).close()
    except (OSError, ValueError) as exc:
        return f"{address} ({exc.__class__.__name__}: {exc})"
    return ""


def _uplink_failed(
    data_dir: Path, run_id: str, problem: str, progress: Callable[[str], None]
) -> CrawlSummary:
    """Mark the run failed; forget what it said about sites it could not reach through the uplink."""
    note = UPLINK_DOWN.format(problem)
    progress(f"crawl {run_id}: {note}")
    marks = ", ".join("?" for _ in UPLINK_CAUSES)
    with Store(Layout(data_dir).store) as store:
        store.db.execute(
            "DELETE FROM observations WHERE run_id = ? AND status = 'site_unreachable'"
            f" AND (error IS NULL OR substr(error, 1, instr(error || ':', ':') - 1) IN ({marks}))",
            (run_id, *UPLINK_CAUSES),
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


def job_folder(data_dir: Path, run_id: str) -> Path:
    """Where a run keeps its institutions list and log (``crawl-jobs/<run_id>/``)."""
    job = Layout(Path(data_dir)).crawl_job(run_id)
    job.mkdir(parents=True, exist_ok=True)
    return job


def _start(
    data_dir: Path, regions: Iterable[str], ids: Iterable[str], start_urls: Mapping
) -> tuple[str, list[dict]]:
    with Store(Layout(data_dir).store) as store:
        institutions = store.institutions(regions=regions, ids=ids)
        for row in institutions:
            if start_urls.get(row["id"]):
                row["start_urls"] = list(start_urls[row["id"]])
        run_id = store.start_crawl(",".join([*regions, *ids]) or "all")
    job = job_folder(data_dir, run_id)
    (job / "institutions.json").write_text(json.dumps(institutions, ensure_ascii=False), "utf-8")
    return run_id, institutions


def _resume(data_dir: Path, run_id: str) -> tuple[str, list[dict]]:
    path = Layout(Path(data_dir)).crawl_job(run_id) / "institutions.json"
    if not path.exists():
        raise InputError(f"нет обхода {run_id} в {data_dir} (no crawl to resume)")
    institutions = json.loads(path.read_text(encoding="utf-8"))
    with Store(Layout(data_dir).store) as store:
        done = {row["institution_id"] for row in store.rows("observations", "run_id = ?", [run_id])}
        store.update_crawl(run_id, status="running", finished_at=None)
    return run_id, [row for row in institutions if row["id"] not in done]


def child_command(data_dir: Path, run_id: str, institutions: Path) -> list[str]:
    """The command line of the crawl's child process."""
    job = job_folder(data_dir, run_id)
    return [
        sys.executable,
        "-m",
        "crawler.process",
        "--data-dir",
        str(data_dir),
        "--run-id",
        run_id,
        "--institutions",
        str(institutions),
        "--log-file",
        str(job / "crawl.log"),
    ]


def _run_child(
    command: list[str],
    total: int,
    progress: Callable[[str], None],
    env: dict[str, str] | None,
    pid_file: Path,
) -> str:
    child_env = {**os.environ, **(env or {}), PARENT_PID: str(os.getpid())}
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=child_env) as child:
        pid_file.write_text(str(child.pid), encoding="ascii")
        try:
            assert child.stdout is not None
            for line in child.stdout:
                if line.startswith("site "):
                    done, _, rest = line.removeprefix("site ").partition(": ")
                    institution, _, checks = rest.strip().partition(" ")
                    said = describe_checks(json.loads(checks))
                    progress(f"  [{done}/{total}] {institution}: {said}")
            returncode = child.wait()
        except BaseException:  # interrupted (Ctrl-C, an error in progress): no orphan crawl
            child.kill()
            raise
        finally:
            pid_file.unlink(missing_ok=True)
    return "finished" if returncode == 0 else "failed"
