"""The dispute form over real HTTP: tokens per region, a rate limit per token, clear refusals that
store nothing, and an accepted claim re-checked by a real crawl."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from nokwatch.disputeform import DisputeForm, RateLimit
from publisher.errors import RateLimited
from tests.disputing import (
    IID,
    PLAN_URL,
    dispute_rows,
    hidden_plan_workspace,
    hidden_web,
    verdict,
)

TOKEN = "nvs-token-0123456789abcdef"
OTHER = "tom-token-0123456789abcdef"


class Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        """No access log on the test's output."""


@pytest.fixture(scope="module")
def form(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, DisputeForm]]:
    ws = hidden_plan_workspace(tmp_path_factory.mktemp("form"))
    ws.layout.dispute_tokens.write_text(f"RU-NVS: [{TOKEN}]\nRU-TOM:\n  - {OTHER}\n", "utf-8")
    with hidden_web():
        # the loopback form itself must not go through the proxy
        ws.crawl(institutions=[IID])
        ws.deadlines()
        app = DisputeForm(ws, limit=6)
        with make_server("127.0.0.1", 0, app, handler_class=Quiet) as server:
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            yield f"http://127.0.0.1:{server.server_port}", app
            server.shutdown()
            thread.join()


def post(base: str, fields: dict[str, str], token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        base + "/disputes", urlencode(fields).encode(), headers, method="POST"
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


CLAIM = {"institution_id": IID, "item": "improvement_plan", "url": PLAN_URL, "note": "вот он"}


@pytest.mark.parametrize(
    "fields, token, status, words",
    [
        (CLAIM, None, 401, "нужен токен"),
        (CLAIM, "wrong-token-0123456789", 403, "не действителен"),
        (CLAIM, OTHER, 403, "RU-TOM"),
        ({**CLAIM, "institution_id": "fix-9999"}, TOKEN, 404, "не найдено"),
        ({**CLAIM, "url": "http://evil.nokwatch.test/plan.html"}, TOKEN, 400, "не на сайте"),
        ({**CLAIM, "url": "http://10.0.0.5/plan.html"}, TOKEN, 400, "частный"),
        ({**CLAIM, "url": "javascript:alert(1)"}, TOKEN, 400, "http(s)"),
    ],
)
def test_bad_claims_get_a_clear_refusal_and_nothing_is_stored(
    form, fields: dict, token: str | None, status: int, words: str
) -> None:
    base, app = form
    got_status, body = post(base, fields, token)
    assert got_status == status and words in body["error"], body
    assert dispute_rows(app.ws) == []


def test_an_accepted_claim_is_rechecked_and_the_token_is_rate_limited(form) -> None:
    base, app = form
    assert verdict(app.ws, "plan_posted")["status"] == "overdue"
    status, body = post(base, {**CLAIM, "token": TOKEN})  # the token as a form field
    assert status == 202 and body["recheck"] == "queued"
    app.join()
    events = app.ws.disputes.events(body["dispute_id"])
    assert [e["event"] for e in events] == ["filed", "confirmed"]
    assert events[0]["channel"] == "form:RU-NVS"
    assert verdict(app.ws, "plan_posted")["status"] == "late"
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
        f"{base}/{body['log']}", timeout=10
    ) as response:
        published = json.loads(response.read())["events"]
    assert [e["event"] for e in published] == ["filed", "confirmed"]
    # every claim with a valid token counts, refused or not; the window fills up
    foreign = {**CLAIM, "url": "http://evil.nokwatch.test/plan.html"}
    answers = [post(base, foreign, TOKEN)[0] for _ in range(app.rate.limit)]
    assert answers[0] == 400 and answers[-1] == 429
    status, body = post(base, CLAIM, TOKEN)
    assert status == 429 and "повторите" in body["error"]
    assert {row["dispute_id"] for row in dispute_rows(app.ws)} == {events[0]["dispute_id"]}


def test_the_rate_limit_frees_up_after_its_window() -> None:
    limit = RateLimit(limit=2, window=60)
    limit.take("t", now=0)
    limit.take("t", now=1)
    with pytest.raises(RateLimited):
        limit.take("t", now=30)
    limit.take("other", now=30)
    limit.take("t", now=61)
