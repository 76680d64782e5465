"""The jobs API over the real app and database: list, get, change, run now, history, restarts, load."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import data_of, error_of
from wheeld.app import Container
from wheeld.config import Config
from wheeld.http.app import create_app
from wheeld.scheduler.jobs import JobContext, JobSpec

JOBS = "/api/v1/jobs"
CORE = ["daily_snapshots", "opportunity_scan", "price_refresh", "risk_monitor"]
MakeClient = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def scheduled_client(aiohttp_client: MakeClient, scheduled_container: Container) -> TestClient:
    """A client of an app whose scheduler runs on a SteppedClock (START, moved by the test)."""
    return await aiohttp_client(create_app(scheduled_container))


async def runs_of(client: TestClient, job_id: str, query: str = "") -> dict[str, Any]:
    """The whole runs response (data and pagination)."""
    response = await client.get(f"{JOBS}/{job_id}/runs{query}")
    assert response.status == 200, await response.text()
    return await response.json()


async def test_the_core_jobs_are_listed(client: TestClient) -> None:
    body = await (await client.get(JOBS)).json()
    assert [job["id"] for job in body["data"]] == CORE
    assert body["pagination"] == {"page": 1, "page_size": 50, "total_items": 4, "total_pages": 1}
    by_id = {job["id"]: job for job in body["data"]}
    assert by_id["price_refresh"]["trigger_description"] == "every 5 minutes"
    assert by_id["daily_snapshots"]["trigger_description"] == "cron 30 16 * * 1-5 (New York time)"
    assert (by_id["daily_snapshots"]["market_hours_only"], by_id["opportunity_scan"]["market_hours_only"]) == (
        False,
        True,
    )
    # This app's scheduler is not running: nothing is scheduled, every job has its handler.
    assert {(j["status"], j["next_run_at"], j["has_handler"], j["kind"]) for j in body["data"]} == {
        ("idle", None, True, "core")
    }
    page = await (await client.get(f"{JOBS}?page=2&page_size=3")).json()
    assert [job["id"] for job in page["data"]] == ["risk_monitor"]


async def test_a_running_scheduler_shows_next_runs_and_is_healthy(scheduled_client: TestClient) -> None:
    jobs = {job["id"]: job for job in await data_of(await scheduled_client.get(JOBS))}
    # START is Tuesday 2026-11-24 10:00 New York (15:00 UTC).
    assert {job_id: job["next_run_at"] for job_id, job in jobs.items()} == {
        "price_refresh": "2026-11-24T15:05:00Z",
        "risk_monitor": "2026-11-24T15:15:00Z",
        "daily_snapshots": "2026-11-24T21:30:00Z",
        "opportunity_scan": "2026-11-25T14:45:00Z",
    }
    assert {job["status"] for job in jobs.values()} == {"scheduled"}
    health = await data_of(await scheduled_client.get("/api/v1/health"))
    scheduler = health["components"]["scheduler"]
    assert (scheduler["status"], scheduler["running"], scheduler["next_wake_at"]) == (
        "ok",
        True,
        "2026-11-24T15:05:00Z",
    )
    assert scheduler["jobs"] == {"total": 4, "enabled": 4, "scheduled": 4, "running": 0}


async def test_a_scheduler_that_is_not_running_reports_disabled(client: TestClient) -> None:
    health = await data_of(await client.get("/api/v1/health"))
    assert health["status"] == "ok"
    assert health["components"]["scheduler"]["status"] == "disabled"


async def test_get_a_job_404_and_bad_ids(client: TestClient) -> None:
    job = await data_of(await client.get(f"{JOBS}/risk_monitor"))
    assert job["id"] == "risk_monitor" and job["trigger"] == {"type": "interval", "seconds": 900}
    error = await error_of(await client.get(f"{JOBS}/plugin:nothing"), 404, "NOT_FOUND")
    assert error["details"] == {"job_id": "plugin:nothing"}
    for path in (f"{JOBS}/nothing/runs", f"{JOBS}/nothing/run"):
        method = client.post if path.endswith("/run") else client.get
        await error_of(await method(path), 404, "NOT_FOUND")
    await error_of(await client.patch(f"{JOBS}/nothing", json={"enabled": False}), 404, "NOT_FOUND")
    for bad in ("Price_Refresh", "x" * 81, "a b", "plugin%3Bdrop"):
        error = await error_of(await client.get(f"{JOBS}/{bad}"), 400, "VALIDATION_ERROR")
        assert error["details"]["field"] == "id"


async def test_changing_the_trigger_reschedules(scheduled_client: TestClient) -> None:
    changed = await data_of(
        await scheduled_client.patch(f"{JOBS}/price_refresh", json={"trigger": {"type": "interval", "seconds": 600}})
    )
    assert changed["trigger_description"] == "every 10 minutes"
    assert changed["next_run_at"] == "2026-11-24T15:10:00Z"
    cron = {"type": "cron", "expression": "0 12 * * 1-5"}
    changed = await data_of(await scheduled_client.patch(f"{JOBS}/opportunity_scan", json={"trigger": cron}))
    assert changed["next_run_at"] == "2026-11-24T17:00:00Z"  # noon in New York
    disabled = await data_of(await scheduled_client.patch(f"{JOBS}/risk_monitor", json={"enabled": False}))
    assert (disabled["status"], disabled["next_run_at"]) == ("disabled", None)
    enabled = await data_of(await scheduled_client.patch(f"{JOBS}/risk_monitor", json={"enabled": True}))
    assert (enabled["status"], enabled["next_run_at"]) == ("scheduled", "2026-11-24T15:15:00Z")
    health = await data_of(await scheduled_client.get("/api/v1/health"))
    assert health["components"]["scheduler"]["next_wake_at"] == "2026-11-24T15:10:00Z"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"trigger": {"type": "interval", "seconds": 0}}, "trigger.seconds"),
        ({"trigger": {"type": "interval", "seconds": -300}}, "trigger.seconds"),
        ({"trigger": {"type": "interval", "seconds": 59}}, "trigger.seconds"),
        ({"trigger": {"type": "interval", "seconds": "300"}}, "trigger.seconds"),
        ({"trigger": {"type": "interval"}}, "trigger.seconds"),
        ({"trigger": {"type": "cron", "expression": "0 0 30 2 *"}}, "trigger.expression"),
        ({"trigger": {"type": "cron", "expression": "61 * * * *"}}, "trigger.expression"),
        ({"trigger": {"type": "cron", "expression": "* * *"}}, "trigger.expression"),
        ({"trigger": {"type": "cron", "expression": "H * * * *"}}, "trigger.expression"),
        ({"trigger": {"type": "interval", "seconds": 300, "expression": "* * * * *"}}, "trigger.expression"),
        ({"trigger": {"type": "hourly"}}, "trigger.type"),
        ({"trigger": "every 5 minutes"}, "trigger._schema"),
        ({"enabled": "yes"}, "enabled"),
        ({"market_hours_only": 1}, "market_hours_only"),
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"timeout_seconds": 30.5}, "timeout_seconds"),
        ({"scope": 999}, "scope"),
        ({"scope": 0}, "scope"),
        ({"kind": "plugin"}, "kind"),
        ({"next_run_at": "2026-11-24T15:00:00Z"}, "next_run_at"),
    ],
)
async def test_bad_changes_are_400_and_change_nothing(client: TestClient, body: dict[str, Any], field: str) -> None:
    before = await data_of(await client.get(f"{JOBS}/price_refresh"))
    error = await error_of(await client.patch(f"{JOBS}/price_refresh", json=body), 400, "VALIDATION_ERROR")
    assert error["details"]["field"] == field, error
    assert await data_of(await client.get(f"{JOBS}/price_refresh")) == before


async def test_scope_timeout_and_description(client: TestClient) -> None:
    pid = (await data_of(await client.post("/api/v1/portfolios", json={"name": "Income"}), 201))["id"]
    body = {"scope": pid, "timeout_seconds": 120, "description": "Income only", "market_hours_only": False}
    job = await data_of(await client.patch(f"{JOBS}/risk_monitor", json=body))
    assert {k: job[k] for k in body} == body
    assert (await data_of(await client.patch(f"{JOBS}/risk_monitor", json={"scope": None})))["scope"] is None
    # A job scoped to a deleted portfolio is disabled, not widened to every portfolio.
    await data_of(await client.patch(f"{JOBS}/risk_monitor", json={"scope": pid}))
    assert (await client.delete(f"/api/v1/portfolios/{pid}")).status == 204
    job = await data_of(await client.get(f"{JOBS}/risk_monitor"))
    assert (job["scope"], job["enabled"], job["status"]) == (None, False, "disabled")


async def test_run_now_records_success_and_failure(client: TestClient, container: Container) -> None:
    started = await data_of(await client.post(f"{JOBS}/risk_monitor/run"), 202)
    assert started == {
        "job_id": "risk_monitor",
        "run_id": started["run_id"],
        "status": "running",
        "started_at": "2026-11-24T15:00:00Z",
    }
    await container.supervisor.wait_idle()
    (run,) = (await runs_of(client, "risk_monitor"))["data"]
    assert run == {
        "id": started["run_id"],
        "job_id": "risk_monitor",
        "trigger": "manual",
        "status": "success",
        "started_at": "2026-11-24T15:00:00Z",
        "finished_at": "2026-11-24T15:00:00Z",
        "duration_ms": 0,
        "error": None,
        "summary": "evaluated 0 positions: raised 0, cleared 0",
    }

    async def broken(scope: int | None) -> str:
        raise RuntimeError("snapshot store unreachable")

    container.core_job_deps.take_snapshots = broken
    await data_of(await client.post(f"{JOBS}/daily_snapshots/run", json={}), 202)
    await container.supervisor.wait_idle()
    (run,) = (await runs_of(client, "daily_snapshots"))["data"]
    assert (run["status"], run["error"], run["summary"]) == (
        "failure",
        "RuntimeError: snapshot store unreachable",
        None,
    )
    job = await data_of(await client.get(f"{JOBS}/daily_snapshots"))
    assert (job["last_status"], job["last_run_at"]) == ("failure", "2026-11-24T15:00:00Z")
    assert (await client.get("/api/v1/health")).status == 200  # the server is fine
    await error_of(await client.post(f"{JOBS}/risk_monitor/run", json={"force": True}), 400, "VALIDATION_ERROR")


@pytest.mark.parametrize("job_id", CORE)
async def test_every_core_job_runs_as_wired(client: TestClient, container: Container, job_id: str) -> None:
    await data_of(await client.post(f"{JOBS}/{job_id}/run"), 202)
    await container.supervisor.wait_idle()
    (run,) = (await runs_of(client, job_id))["data"]
    assert (run["status"], run["error"]) == ("success", None)
    assert run["summary"]


async def test_runs_are_paginated_newest_first(client: TestClient, container: Container) -> None:
    ids = []
    for _ in range(3):
        ids.append((await data_of(await client.post(f"{JOBS}/price_refresh/run"), 202))["run_id"])
        await container.supervisor.wait_idle()
        container.clock.advance(60)  # type: ignore[attr-defined]
    first = await runs_of(client, "price_refresh", "?page_size=2")
    assert [run["id"] for run in first["data"]] == ids[:0:-1]
    assert first["pagination"] == {"page": 1, "page_size": 2, "total_items": 3, "total_pages": 2}
    second = await runs_of(client, "price_refresh", "?page=2&page_size=2")
    assert [run["id"] for run in second["data"]] == ids[:1]
    assert second["data"][0]["summary"] == "no open positions or shares held: nothing to refresh"
    await error_of(await client.get(f"{JOBS}/price_refresh/runs?page_size=501"), 400, "VALIDATION_ERROR")


async def test_the_schedule_runs_when_its_time_comes(
    scheduled_client: TestClient, scheduled_container: Container
) -> None:
    scheduled_container.clock.advance(minutes=5)  # type: ignore[attr-defined]

    async def ran() -> bool:
        return (await runs_of(scheduled_client, "price_refresh"))["pagination"]["total_items"] == 1

    await scheduled_container.clock.asleep()  # type: ignore[attr-defined]  # the loop started what was due
    await scheduled_container.supervisor.wait_idle()
    assert await ran()
    (run,) = (await runs_of(scheduled_client, "price_refresh"))["data"]
    assert (run["trigger"], run["status"], run["started_at"]) == ("schedule", "success", "2026-11-24T15:05:00Z")
    job = await data_of(await scheduled_client.get(f"{JOBS}/price_refresh"))
    assert (job["last_status"], job["next_run_at"]) == ("success", "2026-11-24T15:10:00Z")


async def test_a_changed_schedule_survives_a_restart(
    aiohttp_client: MakeClient, config: Config, scheduled_container: Container, xnys: Any
) -> None:
    first = await aiohttp_client(create_app(scheduled_container))
    every_10 = {"type": "interval", "seconds": 600}
    await data_of(await first.patch(f"{JOBS}/price_refresh", json={"trigger": every_10, "timeout_seconds": 120}))
    await data_of(await first.patch(f"{JOBS}/opportunity_scan", json={"enabled": False}))
    before = await data_of(await first.get(JOBS))
    await first.close()  # stops the scheduler and closes the database

    from tests.scheduler.conftest import SteppedClock

    again = Container.build(config, SteppedClock(scheduled_container.clock.now()), xnys, start_scheduler=True)
    second = await aiohttp_client(create_app(again))
    after = await data_of(await second.get(JOBS))
    assert after == before  # the defaults did not overwrite the changes; due times came back as stored
    by_id = {job["id"]: job for job in after}
    assert by_id["price_refresh"]["trigger"] == every_10 and by_id["price_refresh"]["timeout_seconds"] == 120
    assert by_id["price_refresh"]["next_run_at"] == "2026-11-24T15:10:00Z"
    assert (by_id["opportunity_scan"]["enabled"], by_id["opportunity_scan"]["next_run_at"]) == (False, None)


async def test_the_api_answers_quickly_while_slow_jobs_run(
    scheduled_client: TestClient, scheduled_container: Container
) -> None:
    """One job awaits a long sleep, another blocks a worker thread: the API still answers at once."""
    release = threading.Event()

    async def sleeper(context: JobContext) -> str:
        await asyncio.sleep(30)
        return "woke up"

    async def blocker(context: JobContext) -> str:
        await asyncio.to_thread(release.wait, 5)
        return "unblocked"

    for name, handler in (("sleeper", sleeper), ("blocker", blocker)):
        spec = JobSpec(id=f"plugin:{name}", kind="plugin", trigger={"type": "interval", "seconds": 3600})
        await scheduled_container.jobs.register(spec, handler)
    try:
        sleeper_run = (await data_of(await scheduled_client.post(f"{JOBS}/plugin:sleeper/run"), 202))["run_id"]
        await data_of(await scheduled_client.post(f"{JOBS}/plugin:blocker/run"), 202)
        error = await error_of(await scheduled_client.post(f"{JOBS}/plugin:sleeper/run"), 409, "INVALID_STATE")
        assert error["details"] == {"job_id": "plugin:sleeper", "run_id": sleeper_run}
        timings = []
        for path in ["/api/v1/health", JOBS, f"{JOBS}/plugin:sleeper", "/api/v1/system/info", "/api/v1/portfolios"] * 2:
            began = time.perf_counter()
            response = await scheduled_client.get(path)
            timings.append(time.perf_counter() - began)
            assert response.status == 200, await response.text()
        assert max(timings) < 0.5, timings
        job = await data_of(await scheduled_client.get(f"{JOBS}/plugin:sleeper"))
        assert (job["status"], job["running"]) == ("running", True)
        info = await data_of(await scheduled_client.get("/api/v1/system/info"))
        assert info["active_jobs"] == ["plugin:sleeper", "plugin:blocker"]
    finally:
        release.set()

    async def blocker_done() -> bool:
        runs = (await runs_of(scheduled_client, "plugin:blocker"))["data"]
        return runs[0]["status"] != "running"

    await scheduled_container.supervisor.wait_idle("plugin:blocker")
    assert await blocker_done()
    assert (await runs_of(scheduled_client, "plugin:blocker"))["data"][0]["summary"] == "unblocked"
    # Stopping the scheduler cancels the sleeper and records it so (before the database closes).
    await scheduled_container.supervisor.stop()
    (run,) = (await runs_of(scheduled_client, "plugin:sleeper"))["data"]
    assert (run["status"], run["error"]) == ("cancelled", "cancelled: the scheduler stopped")
