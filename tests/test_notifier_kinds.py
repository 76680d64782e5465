"""ntfy and Slack notifiers, several at once, each against a local fake server speaking that service's API;
and `wheeld notify-test` end to end."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.daemon_process import clean_environ
from wheeld.config import ConfigError, load_config
from wheeld.services.notifiers import Notifier, NotifierSettings

ALERT: dict[str, Any] = {
    "id": 12,
    "kind": "itm",
    "severity": "HIGH",
    "message": "AAPL 180.00 put exp 2026-12-18 is in the money (cushion -1.20%)",
}
NTFY_TOKEN = "tk_0123456789abcdefghijklmnop"


class FakeNtfy:
    """ntfy's JSON publishing (POST / with {topic, message, …}); tokens as `Authorization: Bearer`."""

    def __init__(self, token: str = "") -> None:
        self.token = token
        self.messages: list[dict[str, Any]] = []

    async def publish(self, request: web.Request) -> web.Response:
        if self.token and request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"code": 40101, "http": 401, "error": "unauthorized"}, status=401)
        body = await request.json()
        if not isinstance(body, dict) or not body.get("topic"):
            return web.json_response({"code": 40035, "http": 400, "error": "invalid request: topic invalid"}, 400)
        self.messages.append(body)
        return web.json_response({"id": f"m{len(self.messages)}", "event": "message", **body})


class FakeSlack:
    """A Slack incoming webhook: `{"text": …}` in, plain `ok` out (`invalid_payload` without text)."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def hook(self, request: web.Request) -> web.Response:
        body = await request.json()
        if not isinstance(body, dict) or not body.get("text"):
            return web.Response(text="invalid_payload", status=400)
        self.messages.append(body)
        return web.Response(text="ok")


Start = Callable[[web.Application], Awaitable[TestServer]]


@pytest.fixture
async def services(aiohttp_server: Start) -> tuple[FakeNtfy, FakeSlack, str, str]:
    """Fake ntfy and Slack servers: (ntfy, slack, ntfy's server URL, the Slack webhook URL)."""
    ntfy, slack = FakeNtfy(NTFY_TOKEN), FakeSlack()
    ntfy_app, slack_app = web.Application(), web.Application()
    ntfy_app.router.add_post("/", ntfy.publish)
    slack_app.router.add_post("/services/T000/B000/XXXX", slack.hook)
    ntfy_server, slack_server = await aiohttp_server(ntfy_app), await aiohttp_server(slack_app)
    return (
        ntfy,
        slack,
        str(ntfy_server.make_url("")).rstrip("/"),
        str(slack_server.make_url("/services/T000/B000/XXXX")),
    )


def channels(ntfy_url: str, slack_url: str, **extra: Any) -> dict[str, Any]:
    return {
        "phone": {"kind": "ntfy", "server": ntfy_url, "topic": "wheel-alerts", "token": NTFY_TOKEN, "tags": ["wheel"]},
        "team": {"kind": "slack", "url": slack_url, "min_severity": "HIGH"},
        **extra,
    }


async def no_wait(_seconds: float) -> None:
    return None


def notifier_for(tmp_path: Path, value: dict[str, Any], **keys: Any) -> Notifier:
    environ = {"WHEELD_NOTIFIERS__CHANNELS": json.dumps(value)}
    environ.update({f"WHEELD_NOTIFIERS__{k.upper()}": str(v) for k, v in keys.items()})
    config = load_config(data_dir=tmp_path, environ=environ)
    return Notifier(lambda: NotifierSettings.from_config(config), sleep=no_wait)


async def test_ntfy_and_slack_both_get_the_alert(
    services: tuple[FakeNtfy, FakeSlack, str, str], tmp_path: Path
) -> None:
    ntfy, slack, ntfy_url, slack_url = services
    notifier = notifier_for(tmp_path, channels(ntfy_url, slack_url), public_url="https://wheel.example.net")
    try:
        deliveries = await notifier.deliver(ALERT)
    finally:
        await notifier.close()
    assert [(d.channel, d.notifier, d.status, d.attempts) for d in deliveries] == [
        ("log", "", "sent", 1),
        ("ntfy", "phone", "sent", 1),
        ("slack", "team", "sent", 1),
    ]
    assert ntfy.messages == [
        {
            "topic": "wheel-alerts",
            "message": ALERT["message"],
            "title": "wheeld alert: itm (HIGH)",
            "priority": 5,  # HIGH → urgent
            "tags": ["rotating_light", "itm", "wheel"],
            "click": "https://wheel.example.net/",
        }
    ]
    assert slack.messages == [{"text": "🔴 HIGH itm: " + ALERT["message"]}]


@pytest.mark.parametrize(("severity", "priority", "tag"), [("LOW", 2, "information_source"), ("MEDIUM", 3, "warning")])
async def test_ntfy_priority_follows_severity_and_each_notifier_has_its_own_minimum(
    services: tuple[FakeNtfy, FakeSlack, str, str], tmp_path: Path, severity: str, priority: int, tag: str
) -> None:
    ntfy, slack, ntfy_url, slack_url = services
    notifier = notifier_for(tmp_path, channels(ntfy_url, slack_url), min_severity="LOW")
    try:
        deliveries = await notifier.deliver({**ALERT, "severity": severity})
    finally:
        await notifier.close()
    assert [(d.notifier, d.status) for d in deliveries[1:]] == [("phone", "sent"), ("team", "skipped")]
    assert deliveries[2].error == "severity below notifiers.channels.team.min_severity HIGH"
    assert (ntfy.messages[0]["priority"], ntfy.messages[0]["tags"][0]) == (priority, tag)
    # No public_url: the click opens the daemon where it listens.
    assert ntfy.messages[0]["click"] == "http://127.0.0.1:8000/"
    assert slack.messages == []


async def test_a_wrong_ntfy_token_is_final_and_never_leaks(
    services: tuple[FakeNtfy, FakeSlack, str, str], tmp_path: Path
) -> None:
    ntfy, _slack, ntfy_url, slack_url = services
    value = channels(ntfy_url, slack_url)
    value["phone"]["token"] = "tk_wrong_token_zzzzzzzzzzzz"
    notifier = notifier_for(tmp_path, value)
    try:
        deliveries = await notifier.deliver(ALERT)
    finally:
        await notifier.close()
    phone = deliveries[1]
    assert (phone.status, phone.attempts) == ("failed", 1)  # 401 is not retried
    assert "HTTP 401" in (phone.error or "") and "tk_wrong" not in (phone.error or "")
    assert deliveries[2].status == "sent"  # one notifier failing does not stop the others
    assert ntfy.messages == []


async def test_the_webhook_shorthand_and_named_webhooks_work_beside_the_others(
    services: tuple[FakeNtfy, FakeSlack, str, str], tmp_path: Path, aiohttp_server: Start
) -> None:
    ntfy, slack, ntfy_url, slack_url = services
    received: list[Any] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((request.path, await request.json()))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/{name}", hook)
    server = await aiohttp_server(app)
    value = channels(ntfy_url, slack_url, audit={"kind": "webhook", "url": str(server.make_url("/audit"))})
    notifier = notifier_for(tmp_path, value, webhook_url=str(server.make_url("/legacy")))
    try:
        deliveries = await notifier.deliver(ALERT)
    finally:
        await notifier.close()
    assert [(d.channel, d.notifier) for d in deliveries] == [
        ("log", ""),
        ("webhook", "webhook"),
        ("ntfy", "phone"),
        ("slack", "team"),
        ("webhook", "audit"),
    ]
    assert sorted(path for path, _ in received) == ["/audit", "/legacy"]
    assert all(body["alert"]["id"] == 12 for _, body in received)
    assert len(ntfy.messages) == len(slack.messages) == 1


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"phone": {"kind": "pager", "url": "https://x"}}, "phone.kind: must be one of webhook, ntfy, slack"),
        ({"phone": {"kind": "ntfy"}}, "phone.topic: required for a ntfy notifier"),
        ({"phone": {"kind": "ntfy", "topic": "a b"}}, "phone.topic: 1-64 letters"),
        ({"team": {"kind": "slack", "url": "hooks.slack.com"}}, "team.url: must be an http:// or https:// URL"),
        ({"team": {"kind": "slack", "url": "https://x", "topic": "t"}}, "team: unknown key 'topic'"),
        ({"team": {"kind": "slack", "url": "https://x", "min_severity": "huge"}}, "team.min_severity: must be one"),
    ],
)
def test_a_bad_notifier_is_refused_with_its_name(tmp_path: Path, value: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem.replace(".", r"\.").replace("(", r"\(")):
        load_config(data_dir=tmp_path, environ={"WHEELD_NOTIFIERS__CHANNELS": json.dumps(value)})


async def test_notify_test_sends_through_each_notifier(
    services: tuple[FakeNtfy, FakeSlack, str, str], tmp_path: Path
) -> None:
    ntfy, slack, ntfy_url, slack_url = services
    value = channels(ntfy_url, slack_url, broken={"kind": "webhook", "url": "http://127.0.0.1:9/nothing"})
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump({"notifiers": {"channels": value, "webhook_retries": 0}}, sort_keys=False), encoding="utf-8"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "wheeld",
        "notify-test",
        "--config",
        str(config),
        "--data-dir",
        str(tmp_path / "data"),
        "--severity",
        "LOW",
        env=clean_environ(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    lines = out.decode().splitlines()
    assert process.returncode == 1, err.decode()  # one notifier failed
    assert lines[:2] == ["phone (ntfy): sent (1 attempt)", "team (slack): sent (1 attempt)"]
    assert lines[2].startswith("broken (webhook): failed: ClientConnectorError")
    assert "/nothing" not in lines[2]  # the URL is a secret (its path often holds a token)
    # min_severity does not apply to a test: the LOW test reached the HIGH-only Slack notifier too.
    assert ntfy.messages[0]["tags"][:2] == ["information_source", "test"]
    assert slack.messages[0]["text"].startswith("🟢 LOW test: a test from `wheeld notify-test`")
