"""Disputes: «the plan is here» — a claim, a targeted re-check from its address, an outcome.

A claim never changes a verdict by itself. It is checked (``check_claim``) and recorded as the
first event of the ``disputes`` log; the re-check is a real crawl of the institution's site
through the proxy, starting from the claimed address; what the crawl observes feeds the verdicts
like any observation (dated when nokwatch saw it, not when it was claimed); the outcome —
confirmed, rejected with its reason, or unverified when the site could not be checked — is
appended. Nothing in the log is ever changed or removed (the store refuses to).
"""

from __future__ import annotations

import urllib.request
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.guard import is_local_name, is_private, resolves_to_private
from publisher.deadlines.profiles import load_profiles
from publisher.errors import DisputeRefused, TokenRefused, UnknownTarget
from publisher.store import NOT_LOOKED_STATUSES, Store, utc_now

if TYPE_CHECKING:
    from nokwatch.workspace import Workspace

ITEMS = ("improvement_plan", "survey_form", "bus_gov_link")
# Where institutions keep documents besides their own sites (a claim may point there).
DOCUMENT_HOSTS = (
    "docs.google.com",
    "drive.google.com",
    "disk.yandex.ru",
    "disk.yandex.com",
    "disk.360.yandex.ru",
    "yadi.sk",
    "cloud.mail.ru",
)
CONFIRMING = ("found", "live")  # the item is there and works
COULD_NOT_LOOK = NOT_LOOKED_STATUSES
MAX_URL = 2000
MAX_NOTE = 2000
REJECTED = {
    "not_found": "ни по указанному адресу, ни на сайте документ не найден",
    "outdated": "найден только документ прошлого цикла оценки (устаревший)",
    "broken": "анкета по указанному адресу не работает",
    "mismatch": "ссылка ведёт на карточку bus.gov.ru другого учреждения",
}


@dataclass(frozen=True)
class Outcome:
    """How a dispute's re-check ended."""

    dispute_id: str
    event: str  # confirmed | rejected | unverified
    reason: str
    verdicts: str
    run_id: str | None


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def _bare(host: str) -> str:
    return host.removeprefix("www.")


def on_own_site(url: str, website: str) -> bool:
    """The address is on the institution's site (its host, with or without www., or below it)."""
    host, site = _bare(_host(url)), _bare(_host(website))
    return bool(site) and (host == site or host.endswith("." + site))


def on_document_host(url: str) -> bool:
    host = _host(url)
    return any(host == known or host.endswith("." + known) for known in DOCUMENT_HOSTS)


def _private(url: str) -> bool:
    split = urlsplit(url)
    host = split.hostname or ""
    if is_private(host) or is_local_name(host):
        return True
    proxied = urllib.request.getproxies().get(split.scheme) and not urllib.request.proxy_bypass(
        host
    )
    # Through a proxy the proxy resolves names (and the crawler's guard checks literals only).
    port = split.port or (443 if split.scheme == "https" else 80)
    return not proxied and resolves_to_private(host, port)


def check_claim(institution: dict | None, institution_id: str, item: str, url: str) -> str:
    """The claimed address, cleaned; DisputeRefused (UnknownTarget) saying why it cannot be taken."""
    if institution is None:
        raise UnknownTarget(f"учреждение {institution_id!r} не найдено в реестре")
    if item not in ITEMS:
        raise DisputeRefused(f"оспорить можно только {', '.join(ITEMS)}, не {item!r}")
    website = institution.get("website") or ""
    if not website or institution.get("closed_at"):
        raise DisputeRefused(f"учреждение {institution_id} закрыто или не имеет сайта в реестре")
    url = url.strip()
    split = urlsplit(url)
    if split.scheme not in ("http", "https") or not split.hostname or len(url) > MAX_URL:
        raise DisputeRefused(f"нужен адрес http(s) не длиннее {MAX_URL} знаков, не {url[:80]!r}")
    if split.username or split.password:
        raise DisputeRefused("адрес с именем пользователя или паролем не принимается")
    if _private(url):
        raise DisputeRefused(f"частный или локальный адрес не проверяется: {split.hostname}")
    if not (on_own_site(url, website) or on_document_host(url)):
        raise DisputeRefused(
            f"адрес {split.hostname} не на сайте учреждения ({_host(website)}) "
            f"и не на известном хостинге документов"
        )
    return url


def item_obligations(item: str) -> set[str]:
    """The obligations whose fulfilment the crawler sees through this item."""
    return {r.obligation for p in load_profiles().values() for r in p.rules if r.finding == item}


def _verdicts(store: Store, institution_id: str, item: str) -> dict[tuple[str, str], str]:
    wanted = item_obligations(item)
    return {
        (row["profile"], row["obligation"]): row["status"]
        for row in store.rows("compliance", "institution_id = ?", [institution_id])
        if row["obligation"] in wanted
    }


def _changes(before: dict, after: dict) -> str:
    return "; ".join(
        f"{obligation} ({profile}): {before.get((profile, obligation), '-')} → "
        f"{after.get((profile, obligation), '-')}"
        for profile, obligation in sorted(set(before) | set(after))
    )


def judge_recheck(claimed: str, observation: dict | None, crawl_status: str) -> tuple[str, str]:
    """(event, reason) of a re-check from what its run observed of the disputed item."""
    if observation is None:
        return "unverified", f"повторная проверка не записала наблюдения (запуск: {crawl_status})"
    status, where = observation["status"], observation.get("url") or ""
    if status in CONFIRMING:
        elsewhere = "" if where == claimed else f" (не по указанному адресу, а по {where})"
        return (
            "confirmed",
            f"повторная проверка нашла документ{elsewhere}; sha256 {observation.get('sha256') or '-'}",
        )
    cut_short = (observation.get("search_end") or "complete") != "complete"
    if status in COULD_NOT_LOOK or observation.get("error") or cut_short:
        cause = observation.get("error") or (observation["search_end"] if cut_short else status)
        return "unverified", (
            f"сайт проверить не удалось ({cause}): это не отказ; заявление остаётся открытым, "
            "его можно проверить снова (nokwatch dispute recheck)"
        )
    return "rejected", REJECTED.get(status, f"повторная проверка дала {status}")


class Disputes:
    """The disputes of one Workspace: file, re-check, read the log."""

    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace

    def file(
        self,
        institution_id: str,
        item: str,
        url: str,
        note: str = "",
        channel: str = "cli",
        region: str | None = None,
    ) -> str:
        """Record a claim after checking it (and, for a region's token, the region); its id."""
        with self.ws.store() as store:
            found = list(store.rows("institutions", "id = ?", [institution_id]))
            institution = found[0] if found else None
            url = check_claim(institution, institution_id, item, url)
            if region is not None and institution["region"] != region:
                raise TokenRefused(
                    f"токен региона {region} не даёт права оспаривать {institution_id}"
                )
            dispute_id = f"d-{utc_now().replace(':', '').replace('-', '')}-{uuid.uuid4().hex[:6]}"
            store.add_dispute_event(
                {
                    "dispute_id": dispute_id,
                    "event": "filed",
                    "at": utc_now(),
                    "institution_id": institution_id,
                    "item": item,
                    "url": url,
                    "note": note.strip()[:MAX_NOTE] or None,
                    "channel": channel,
                    "reason": "заявление принято; вердикт не изменится без успешной повторной проверки",
                }
            )
        self.ws.echo(f"dispute {dispute_id}: {institution_id} {item} at {url}")
        return dispute_id

    def events(self, dispute_id: str) -> list[dict]:
        """The dispute's log, in order (UnknownTarget if there is no such dispute)."""
        with self.ws.store() as store:
            rows = list(store.rows("disputes", "dispute_id = ?", [dispute_id]))
        if not rows:
            raise UnknownTarget(f"оспаривание {dispute_id!r} не найдено")
        return rows

    def recheck(self, dispute_id: str, demo: bool = False) -> Outcome:
        """Re-check the site from the claimed address, recompute the verdicts, append the outcome."""
        claim = self.events(dispute_id)[0]
        iid, item = claim["institution_id"], claim["item"]
        with self.ws.store() as store:
            before = _verdicts(store, iid, item)
        summary = self.ws.recheck(iid, claim["url"], demo=demo)
        self.ws.deadlines()
        with self.ws.store() as store:
            observed = list(
                store.rows(
                    "observations",
                    "run_id = ? AND institution_id = ? AND item = ?",
                    [summary.run_id, iid, item],
                )
            )
            observation = observed[0] if observed else None
            event, reason = judge_recheck(claim["url"], observation, summary.status)
            changes = _changes(before, _verdicts(store, iid, item))
            store.add_dispute_event(
                {
                    **{k: claim[k] for k in ("dispute_id", "institution_id", "item", "url")},
                    **{k: claim[k] for k in ("note", "channel")},
                    "event": event,
                    "at": utc_now(),
                    "run_id": summary.run_id,
                    "observed_status": observation["status"] if observation else None,
                    "observed_url": observation.get("url") if observation else None,
                    "sha256": observation.get("sha256") if observation else None,
                    "verdicts": changes or None,
                    "reason": reason,
                }
            )
        self.ws.echo(
            f"dispute {dispute_id}: {event}: {reason}" + (f"; {changes}" if changes else "")
        )
        return Outcome(dispute_id, event, reason, changes, summary.run_id)

    def add(
        self, institution_id: str, item: str, url: str, note: str = "", demo: bool = False
    ) -> Outcome:
        """File a claim and re-check it at once (the command line's ``dispute add``)."""
        return self.recheck(self.file(institution_id, item, url, note), demo=demo)
