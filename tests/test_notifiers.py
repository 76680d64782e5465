"""The webhook notifier against a local fake endpoint (ntfy / Slack style): retries, timeouts, refusals."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from wheeld.services.notifiers import Notifier, NotifierSettings, webhook_payload

ALERT: dict[str, Any] = {
    "id": 12,
    "kind": "itm",
    "severity": "HIGH",
    "condition_key": "itm:trade:7",
    "message": "AAPL 180.00 put exp 2026-12-18 is in the money (cushion -1.20%)",
    "details": {"moneyness_pct": -1.2},
}


class FakeEndpoint:
    """A webhook receiver that answers from a script of statuses; "slow" answers after 0.3 s."""

    def __init__(self, script: list[int | str]) -> None:
        self.script = script
        self.bodies: list[Any] = []
        self.headers: list[dict[str, str]] = []

    async def handle(self, request: web.Request) -> web.Response:
        """Record the POST and answer the next scripted status."""
        self.bodies.append(await request.json())
        self.headers.append(dict(request.headers))
        step = self.script.pop(0) if self.script else 200
        if step == "slow":
            await asyncio.sleep(0.3)
            step = 200
        return web.json_response({"ok": step == 200}, status=int(step))


@pytest.fixture
def endpoint_server(
    aiohttp_server: Callable[..., Awaitable[TestServer]],
) -> Callable[[list[int | str]], Awaitable[tuple[FakeEndpoint, str]]]:
    """Start a fake webhook endpoint with a script; returns it and its URL (with a token in it)."""

    async def start(script: list[int | str]) -> tuple[FakeEndpoint, str]:
        endpoint = FakeEndpoint(script)
        app = web.Application()
        app.router.add_post("/hooks/{token}", endpoint.handle)
        server = await aiohttp_server(app)
        return endpoint, str(server.make_url("/hooks/s3cr3t-token"))

    return start


@pytest.fixture
async def make_notifier() -> AsyncIterator[Callable[..., Notifier]]:
    """Notifiers whose backoff does not really wait (the waits are recorded), closed afterwards."""
    made: list[Notifier] = []

    def build(url: str, **settings: Any) -> Notifier:
        waits: list[float] = []

        async def no_wait(seconds: float) -> None:
            waits.append(seconds)

        notifier = Notifier(lambda: NotifierSettings(webhook_url=url, **settings), sleep=no_wait)
        notifier.waits = waits  # type: ignore[attr-defined]
        made.append(notifier)
        return notifier

    yield build
    for notifier in made:
        await notifier.close()


async def test_log_always_and_webhook_json(
    endpoint_server: Callable[..., Any], make_notifier: Callable[..., Notifier], caplog: pytest.LogCaptureFixture
) -> None:
    endpoint, url = await endpoint_server([200])
    with caplog.at_level(logging.INFO, logger="wheeld.alerts"):
        deliveries = await make_notifier(url).deliver(ALERT)
    assert [(d.channel, d.status, d.attempts, d.error) for d in deliveries] == [
        ("log", "sent", 1, None),
        ("webhook", "sent", 1, None),
    ]
    assert any(r.levelno == logging.WARNING and ALERT["message"] in r.getMessage() for r in caplog.records)
    (body,) = endpoint.bodies
    assert body == webhook_payload(ALERT)
    assert body["text"] == body["content"] == "🔴 HIGH itm: " + ALERT["message"]
    assert body["alert"]["condition_key"] == "itm:trade:7"
    assert endpoint.headers[0]["Content-Type"] == "application/json"
    assert endpoint.headers[0]["User-Agent"].startswith("wheeld/")


async def test_a_500_then_a_200_is_retried_with_backoff(
    endpoint_server: Callable[..., Any], make_notifier: Callable[..., Notifier]
) -> None:
    endpoint, url = await endpoint_server([500, 503, 200])
    notifier = make_notifier(url, webhook_retries=3)
    _, webhook = await notifier.deliver(ALERT)
    assert (webhook.status, webhook.attempts) == ("sent", 3)
    assert len(endpoint.bodies) == 3
    assert notifier.waits == [0.5, 1.0]  # type: ignore[attr-defined]


async def test_a_timeout_is_retried_then_given_up(
    endpoint_server: Callable[..., Any], make_notifier: Callable[..., Notifier]
) -> None:
    endpoint, url = await endpoint_server(["slow", "slow"])
    notifier = make_notifier(url, webhook_timeout_seconds=0.1, webhook_retries=1)
    _, webhook = await notifier.deliver(ALERT)
    assert (webhook.status, webhook.attempts) == ("failed", 2)
    assert webhook.error == "timed out after 0.1 s"
    assert len(endpoint.bodies) == 2


async def test_a_4xx_is_final_and_the_url_never_leaks(
    endpoint_server: Callable[..., Any], make_notifier: Callable[..., Notifier], caplog: pytest.LogCaptureFixture
) -> None:
    endpoint, url = await endpoint_server([404])
    with caplog.at_level(logging.INFO):
        _, webhook = await make_notifier(url, webhook_retries=3).deliver(ALERT)
    assert (webhook.status, webhook.attempts, webhook.error) == ("failed", 1, "WebhookRefused: HTTP 404")
    assert len(endpoint.bodies) == 1
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("wheeld")]
    assert ours and not any("s3cr3t-token" in message for message in ours)


async def test_an_unreachable_webhook_never_raises(make_notifier: Callable[..., Notifier]) -> None:
    url = "http://127.0.0.1:9/hooks/s3cr3t-token"  # the discard port: nothing listens
    _, webhook = await make_notifier(url, webhook_retries=2).deliver(ALERT)
    assert (webhook.status, webhook.attempts) == ("failed", 3)
    assert webhook.error is not None and "s3cr3t-token" not in webhook.error


async def test_below_min_severity_is_skipped_and_no_url_means_log_only(
    endpoint_server: Callable[..., Any], make_notifier: Callable[..., Notifier]
) -> None:
    endpoint, url = await endpoint_server([])
    low = {**ALERT, "severity": "LOW", "kind": "expiring"}
    log, webhook = await make_notifier(url, min_severity="MEDIUM").deliver(low)
    assert (log.status, webhook.status, webhook.attempts) == ("sent", "skipped", 0)
    assert endpoint.bodies == []
    assert [d.channel for d in await make_notifier("").deliver(ALERT)] == ["log"]
