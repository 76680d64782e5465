"""The `daily_snapshots` job on the real scheduler loop, driven by a stepped clock: it snapshots at 16:30
New York on sessions, not on Thanksgiving, and a second run the same day updates instead of adding rows."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import data_of
from wheeld.app import Container
from wheeld.http.app import create_app


async def caught_up(container: Container) -> None:
    """Wait until the scheduler's loop has started all that was due and those runs have finished.

    No real-time polling: the loop sleeps on the stepped clock again once it has started them.
    """
    await container.clock.asleep()  # type: ignore[attr-defined]
    await container.supervisor.wait_idle()


async def _runs(client: TestClient) -> list[dict[str, Any]]:
    return (await (await client.get("/api/v1/jobs/daily_snapshots/runs")).json())["data"]


async def test_daily_snapshots_on_the_schedule(aiohttp_client: Any, scheduled_container: Container) -> None:
    client = await aiohttp_client(create_app(scheduled_container))
    clock: Any = scheduled_container.clock
    p = await data_of(await client.post("/api/v1/portfolios", json={"name": "P"}), 201)
    w = await data_of(await client.post(f"/api/v1/portfolios/{p['id']}/wheels", json={"symbol": "AAPL"}), 201)
    trade = await data_of(
        await client.post(
            f"/api/v1/wheels/{w['id']}/trades",
            json={
                "direction": "put",
                "strike": 100,
                "expiration_date": "2026-12-18",
                "contracts": 1,
                "total_premium": 250,
                "opened_at": "2026-11-20T15:00:00Z",
            },
        ),
        201,
    )

    # Tuesday 2026-11-24, 16:30 New York = 21:30 UTC: the first scheduled run.
    clock.set(clock.now().replace(hour=21, minute=30))

    async def first_run_done() -> bool:
        runs = await _runs(client)
        return len(runs) == 1 and runs[0]["status"] == "success"

    await caught_up(scheduled_container)
    assert await first_run_done()
    (run,) = await _runs(client)
    assert run["trigger"] == "schedule" and "1 of 1 open positions snapshotted for 2026-11-24" in run["summary"]
    snaps = (await (await client.get(f"/api/v1/snapshots?trade_id={trade['id']}")).json())["data"]
    assert [s["snapshot_date"] for s in snaps] == ["2026-11-24"]

    async def runs_done(count: int) -> bool:
        runs = await _runs(client)
        return len(runs) == count and all(r["status"] == "success" for r in runs)

    # Wednesday's run, then Thanksgiving (Thursday 2026-11-26, no session): that run skips itself, says why.
    clock.set(clock.now().replace(day=25))
    await caught_up(scheduled_container)
    assert await runs_done(2)
    clock.set(clock.now().replace(day=26))
    await caught_up(scheduled_container)
    assert await runs_done(3)
    summaries = [r["summary"] for r in await _runs(client)]
    assert "not a trading session" in summaries[0] and "2026-11-25" in summaries[1]
    dates = [
        s["snapshot_date"] for s in (await (await client.get("/api/v1/snapshots?sort=snapshot_date")).json())["data"]
    ]
    assert dates == ["2026-11-24", "2026-11-25"]

    # A manual run the same evening updates the day's row (still one per trade and day).
    await data_of(await client.post("/api/v1/snapshots", json={}), 201)
    after = (await (await client.get(f"/api/v1/snapshots?trade_id={trade['id']}")).json())["pagination"]
    assert after["total_items"] == 3
