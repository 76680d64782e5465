"""Alerts: de-duplication, the API (filters, pages, acknowledge), the risk monitor end to end, the webhook."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.conftest import START, data_of, error_of
from wheeld.app import Container
from wheeld.clock import FrozenClock
from wheeld.config import Config
from wheeld.errors import ValidationError
from wheeld.http.app import create_app
from wheeld.market_calendar import TradingCalendar

ALERTS = "/api/v1/alerts"


async def raise_(container: Container, key: str = "earnings:AAPL", **fields: Any) -> tuple[dict[str, Any], bool]:
    """Raise a plugin-style alert (no trade) through the service."""
    args = {"kind": "earnings", "severity": "MEDIUM", "message": "AAPL reports on 2026-12-01", **fields}
    return await container.alerts.raise_alert(
        args.pop("kind"), args.pop("severity"), key, args.pop("message"), source="plugin:earnings_alert", **args
    )


async def test_one_active_alert_per_condition(client: TestClient, container: Container) -> None:
    first, created = await raise_(container, symbol="AAPL")
    assert created and first["active"] and first["symbol"] == "AAPL"
    again, created = await raise_(container, message="AAPL reports on 2026-12-01 (confirmed)")
    assert not created and again["id"] == first["id"]
    # A changed severity is a changed condition: the old alert clears, a new one is raised.
    worse, created = await raise_(container, severity="HIGH")
    assert created and worse["id"] != first["id"]
    assert (await data_of(await client.get(f"{ALERTS}/{first['id']}")))["active"] is False
    assert await container.alerts.clear("earnings:AAPL") is True
    assert await container.alerts.clear("earnings:AAPL") is False
    # Once cleared, the condition alerts again when it comes back.
    back, created = await raise_(container, severity="HIGH")
    assert created and back["id"] not in (first["id"], worse["id"])
    listed = await data_of(await client.get(f"{ALERTS}?active=true"))
    assert [a["id"] for a in listed] == [back["id"]]


async def test_bad_alerts_are_refused(container: Container, client: TestClient) -> None:
    for fields, name in (
        ({"severity": "CRITICAL"}, "severity"),
        ({"kind": ""}, "kind"),
        ({"message": "  "}, "message"),
        ({"trade_id": 999}, "trade_id"),
    ):
        with pytest.raises(ValidationError) as caught:
            await raise_(container, **fields)
        assert caught.value.details["field"] == name
    with pytest.raises(ValidationError):
        await raise_(container, key="")


async def test_list_filters_and_pages(client: TestClient, container: Container) -> None:
    a, _ = await raise_(container, "earnings:AAPL", symbol="AAPL")
    container.clock.advance(60)  # type: ignore[attr-defined]
    b, _ = await raise_(container, "volatility:MSFT", kind="volatility_spike", severity="HIGH", symbol="MSFT")
    container.clock.advance(60)  # type: ignore[attr-defined]
    c, _ = await raise_(container, "premium:KO", kind="premium_target", severity="LOW", symbol="KO")
    await data_of(await client.patch(f"{ALERTS}/{b['id']}", json={"acknowledged": True}))

    async def ids(query: str) -> list[int]:
        return [alert["id"] for alert in await data_of(await client.get(f"{ALERTS}{query}"))]

    assert await ids("") == [c["id"], b["id"], a["id"]]  # newest first
    assert await ids("?severity=HIGH") == [b["id"]]
    assert await ids("?kind=premium_target") == [c["id"]]
    assert await ids("?acknowledged=true") == [b["id"]]
    assert await ids("?acknowledged=false") == [c["id"], a["id"]]
    assert await ids("?symbol=msft") == [b["id"]]
    assert await ids("?source=plugin:earnings_alert") == [c["id"], b["id"], a["id"]]
    assert await ids("?since=2026-11-24T15:01:00Z") == [c["id"], b["id"]]
    assert await ids("?since=2026-11-24T10:01:30-05:00") == [c["id"]]
    assert await ids("?active=false") == []
    body = await (await client.get(f"{ALERTS}?page=2&page_size=2")).json()
    assert [alert["id"] for alert in body["data"]] == [a["id"]]
    assert body["pagination"] == {"page": 2, "page_size": 2, "total_items": 3, "total_pages": 2}
    for query, field in (("?severity=urgent", "severity"), ("?trade_id=0", "trade_id"), ("?since=yesterday", "since")):
        error = await error_of(await client.get(f"{ALERTS}{query}"), 400, "VALIDATION_ERROR")
        assert error["details"]["field"] == field


async def test_acknowledge(client: TestClient, container: Container) -> None:
    alert, _ = await raise_(container)
    assert alert["acknowledged"] is False and alert["acknowledged_at"] is None
    done = await data_of(await client.patch(f"{ALERTS}/{alert['id']}", json={"acknowledged": True}))
    assert (done["acknowledged"], done["acknowledged_at"]) == (True, "2026-11-24T15:00:00Z")
    container.clock.advance(300)  # type: ignore[attr-defined]
    again = await data_of(await client.patch(f"{ALERTS}/{alert['id']}", json={"acknowledged": True}))
    assert again["acknowledged_at"] == "2026-11-24T15:00:00Z"  # the first acknowledgement stands
    undone = await data_of(await client.patch(f"{ALERTS}/{alert['id']}", json={"acknowledged": False}))
    assert (undone["acknowledged"], undone["acknowledged_at"]) == (False, None)
    await error_of(await client.patch(f"{ALERTS}/999", json={"acknowledged": True}), 404, "NOT_FOUND")
    await error_of(await client.get(f"{ALERTS}/999"), 404, "NOT_FOUND")
    for body, field in (
        ({}, "acknowledged"),
        ({"acknowledged": "yes"}, "acknowledged"),
        ({"acknowledged": True, "message": "x"}, "message"),
    ):
        error = await error_of(await client.patch(f"{ALERTS}/{alert['id']}", json=body), 400, "VALIDATION_ERROR")
        assert error["details"]["field"] == field


async def _itm_put(client: TestClient, container: Container, symbol: str, expiration: str) -> dict[str, Any]:
    """Open a put 10 % above the simulated price (in the money) on a new wheel."""
    portfolios = await data_of(await client.get("/api/v1/portfolios"))
    pid = (
        portfolios[0]["id"]
        if portfolios
        else (await data_of(await client.post("/api/v1/portfolios", json={"name": "P"}), 201))["id"]
    )
    wheel = await data_of(
        await client.post(f"/api/v1/portfolios/{pid}/wheels", json={"symbol": symbol, "capital_allocated": 100000}), 201
    )
    price = Decimal(str((await container.market.quote(symbol)).price))
    trade = {
        "direction": "put",
        "strike": float((price * Decimal("1.1")).quantize(Decimal("0.01"))),
        "expiration_date": expiration,
        "contracts": 1,
        "total_premium": 250,
    }
    return await data_of(await client.post(f"/api/v1/wheels/{wheel['id']}/trades", json=trade), 201)


async def run_risk_monitor(client: TestClient, container: Container) -> str:
    """Run risk_monitor now and return its summary."""
    await data_of(await client.post("/api/v1/jobs/risk_monitor/run"), 202)
    await container.supervisor.wait_idle()
    (run, *_) = await data_of(await client.get("/api/v1/jobs/risk_monitor/runs"))
    assert run["status"] == "success", run
    return run["summary"]


async def test_the_risk_monitor_raises_once_and_clears_when_settled(client: TestClient, container: Container) -> None:
    itm = await _itm_put(client, container, "KO", "2026-12-18")
    expiring = await _itm_put(client, container, "MSFT", "2026-11-25")  # tomorrow: 1 calendar day
    assert await run_risk_monitor(client, container) == "evaluated 2 positions: raised 3, cleared 0"
    active = await data_of(await client.get(f"{ALERTS}?active=true"))
    assert sorted((a["trade_id"], a["kind"], a["severity"]) for a in active) == sorted(
        [(itm["id"], "itm", "HIGH"), (expiring["id"], "itm", "HIGH"), (expiring["id"], "expiring", "HIGH")]
    )
    ko = next(a for a in active if a["trade_id"] == itm["id"])
    assert ko["condition_key"] == f"itm:trade:{itm['id']}" and ko["source"] == "risk_monitor"
    assert (ko["symbol"], ko["portfolio_id"], ko["wheel_id"]) == ("KO", itm["portfolio_id"], itm["wheel_id"])
    assert ko["details"]["is_itm"] is True and ko["details"]["risk_level"] == "HIGH"
    assert [d["channel"] for d in ko["deliveries"]] == ["log"]
    # Nothing changed: nothing new.
    assert await run_risk_monitor(client, container) == "evaluated 2 positions: raised 0, cleared 0"
    # Settled: its alerts clear; the other position's stay.
    settle = {"outcome": "assigned", "stock_price_at_expiry": 1.0}
    await data_of(await client.post(f"/api/v1/trades/{itm['id']}/settle", json=settle))
    assert await run_risk_monitor(client, container) == "evaluated 1 position: raised 0, cleared 1"
    still = await data_of(await client.get(f"{ALERTS}?active=true"))
    assert {a["trade_id"] for a in still} == {expiring["id"]}
    assert len(await data_of(await client.get(f"{ALERTS}?trade_id={itm['id']}&active=false"))) == 1


async def test_alerts_go_to_the_webhook_and_deliveries_are_recorded(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    make_config: Callable[..., Config],
    xnys: TradingCalendar,
) -> None:
    received: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.json_response({"ok": True})

    receiver = web.Application()
    receiver.router.add_post("/ntfy/wheeld", hook)
    server = await aiohttp_server(receiver)
    config = make_config(notifiers__webhook_url=str(server.make_url("/ntfy/wheeld")), notifiers__min_severity="HIGH")
    container = Container.build(config, FrozenClock(START), xnys)
    client = await aiohttp_client(create_app(container))
    high, _ = await raise_(container, "volatility:MSFT", kind="volatility_spike", severity="HIGH")
    low, _ = await raise_(container, "premium:KO", kind="premium_target", severity="LOW")
    assert [(d["channel"], d["status"]) for d in high["deliveries"]] == [("log", "sent"), ("webhook", "sent")]
    assert [(d["channel"], d["status"]) for d in low["deliveries"]] == [("log", "sent"), ("webhook", "skipped")]
    assert [body["alert"]["id"] for body in received] == [high["id"]]
    stored = await data_of(await client.get(f"{ALERTS}/{high['id']}"))
    at = "2026-11-24T15:00:00Z"
    assert stored["deliveries"] == [
        {"channel": "log", "notifier": "", "status": "sent", "attempts": 1, "error": None, "delivered_at": at},
        {
            "channel": "webhook",
            "notifier": "webhook",
            "status": "sent",
            "attempts": 1,
            "error": None,
            "delivered_at": at,
        },
    ]
    # The URL is a secret: masked in the config API.
    shown = await data_of(await client.get("/api/v1/config"))
    assert shown["notifiers"]["webhook_url"] == "********"
    assert datetime.fromisoformat(stored["created_at"].replace("Z", "+00:00")) == START.astimezone(UTC)
