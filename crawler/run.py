"""Run a crawl over (part of) the registry in a child process, and record the run in the store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

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


def crawl(data_dir: Path, regions: Iterable[str] = (), ids: Iterable[str] = (),
          progress: Callable[[str], None] = print, env: dict[str, str] | None = None) -> CrawlSummary:
    """Crawl the registry's sites (optionally some regions or institutions) and store observations."""
    data_dir = Path(data_dir)
    with Store(data_dir / "nokwatch.db") as store:
        institutions = store.institutions(regions=regions, ids=ids)
        scope = ",".join([*regions, *ids]) or "all"
        run_id = store.start_crawl(scope)
    job = data_dir / "crawl-jobs" / run_id
    job.mkdir(parents=True, exist_ok=True)
    (job / "institutions.json").write_text(json.dumps(institutions, ensure_ascii=False), "utf-8")
    progress(f"crawl {run_id}: {len(institutions)} sites ({scope})")
    status = _run_child(data_dir, run_id, job, len(institutions), progress, env)
    with Store(data_dir / "nokwatch.db") as store:
        store.finish_crawl(run_id, status, "" if status == "finished" else f"see {job / 'crawl.log'}")
        row = next(store.rows("crawls", "run_id = ?", [run_id]))
    return CrawlSummary(run_id, status, row["sites"], row["sites_unreachable"], row["pages"],
                        row["errors"])


def _run_child(data_dir: Path, run_id: str, job: Path, total: int,
               progress: Callable[[str], None], env: dict[str, str] | None) -> str:
    command = [sys.executable, "-m", "crawler.process", "--data-dir", str(data_dir),
               "--run-id", run_id, "--institutions", str(job / "institutions.json"),
               "--jobdir", str(job / "state"), "--log-file", str(job / "crawl.log")]
    child_env = {**os.environ, **(env or {})}
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=child_env) as child:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("site "):
                done = line.split(":", 1)[0].removeprefix("site ")
                progress(f"  [{done}/{total}] {line.split(':', 1)[1].strip()}")
        returncode = child.wait()
    return "finished" if returncode == 0 else "failed"
