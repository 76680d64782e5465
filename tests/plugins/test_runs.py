"""Plugin runs are job runs: recorded in the jobs API, isolated when they raise, cancelled when they hang."""

from __future__ import annotations

import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import data_of, error_of
from tests.plugins.conftest import FAILING, PROBE, Distribute, WritePlugin
from wheeld.app import Container
from wheeld.errors import ValidationError
from wheeld.http.app import create_app
from wheeld.plugins import PluginStore

PLUGINS = "/api/v1/plugins"
JOBS = "/api/v1/jobs"


async def runs_of(client: TestClient, job_id: str) -> list[dict[str, Any]]:
    """A job's runs, newest first."""
    return await data_of(await client.get(f"{JOBS}/{job_id}/runs"))


async def run_and_wait(client: TestClient, container: Container, name: str) -> dict[str, Any]:
    """Run a plugin's job now through the jobs API and return the finished run."""
    started = await data_of(await client.post(f"{JOBS}/plugin:{name}/run"), 202)
    await container.supervisor.wait_idle()
    (run, *_) = await runs_of(client, f"plugin:{name}")
    assert run["id"] == started["run_id"]
    return run


async def test_a_directory_plugin_runs_as_a_job_with_its_context(
    aiohttp_client: Any, container: Container, write_plugin: WritePlugin
) -> None:
    write_plugin("probe", PROBE)
    client = await aiohttp_client(create_app(container))
    pid = (await data_of(await client.post("/api/v1/portfolios", json={"name": "Income"}), 201))["id"]
    await data_of(await client.post(f"/api/v1/portfolios/{pid}/wheels", json={"symbol": "KO"}), 201)
    await data_of(await client.post("/api/v1/watchlist", json={"symbol": "PFE"}), 201)
    await data_of(await client.post(PLUGINS, json={"name": "probe", "config": {"symbol": "MSFT"}}), 201)

    run = await run_and_wait(client, container, "probe")
    assert (run["status"], run["trigger"], run["error"]) == ("success", "manual", None)
    expected = {
        "portfolios": 1,
        "wheels": 1,
        "positions": 0,
        "symbols": ["KO", "PFE"],
        "runs": 1,
        "trigger": "manual",
        "today": "2026-11-24",
    }
    assert run["summary"] == (
        '{"portfolios": 1, "positions": 0, "runs": 1, "symbols": ["KO", "PFE"], "today": "2026-11-24",'
        ' "trigger": "manual", "wheels": 1}'
    )
    store = PluginStore(container.db, container.clock, "probe")
    assert await store.get("last_result") == expected  # on_success got execute's result
    (alert,) = await data_of(await client.get("/api/v1/alerts?source=plugin:probe"))
    assert (alert["kind"], alert["severity"], alert["symbol"], alert["condition_key"]) == (
        "probe",
        "LOW",
        "MSFT",
        "plugin:probe:price:MSFT",
    )
    # The second run finds the alert active: no new one, and its own counter went on.
    assert (await run_and_wait(client, container, "probe"))["status"] == "success"
    assert len(await data_of(await client.get("/api/v1/alerts?source=plugin:probe"))) == 1
    assert await store.get("runs") == 2


async def test_a_plugin_that_raises_is_a_failure_and_the_api_carries_on(
    aiohttp_client: Any, container: Container, write_plugin: WritePlugin
) -> None:
    write_plugin("trouble", FAILING)
    client = await aiohttp_client(create_app(container))
    await data_of(await client.post(PLUGINS, json={"name": "failing"}), 201)
    run = await run_and_wait(client, container, "failing")
    assert (run["status"], run["error"], run["summary"]) == ("failure", "RuntimeError: the broker said no", None)
    failure = await PluginStore(container.db, container.clock, "failing").get("failure")
    assert failure == "RuntimeError: the broker said no"  # on_failure saw the error
    plugin = await data_of(await client.get(f"{PLUGINS}/failing"))
    assert (plugin["status"], plugin["job"]["last_status"]) == ("enabled", "failure")
    assert (await client.get("/api/v1/health")).status == 200


async def test_a_plugin_that_hangs_times_out_while_the_api_answers(
    aiohttp_client: Any, scheduled_container: Container, write_plugin: WritePlugin
) -> None:
    write_plugin("trouble", FAILING)
    client = await aiohttp_client(create_app(scheduled_container))
    await data_of(await client.post(PLUGINS, json={"name": "hanging"}), 201)
    started = await data_of(await client.post(f"{JOBS}/plugin:hanging/run"), 202)
    error = await error_of(await client.post(f"{JOBS}/plugin:hanging/run"), 409, "INVALID_STATE")
    assert error["details"] == {"job_id": "plugin:hanging", "run_id": started["run_id"]}
    for path in ("/api/v1/health", PLUGINS, f"{PLUGINS}/hanging", JOBS, "/api/v1/portfolios"):
        began = time.perf_counter()
        response = await client.get(path)
        assert response.status == 200 and time.perf_counter() - began < 0.5
    assert (await data_of(await client.get(f"{PLUGINS}/hanging")))["job"]["running"] is True

    scheduled_container.clock.advance(61)  # type: ignore[attr-defined]  # past its 60 s timeout
    await scheduled_container.clock.asleep()  # type: ignore[attr-defined]  # the loop has cancelled the run
    await scheduled_container.supervisor.wait_idle("plugin:hanging")
    assert (await runs_of(client, "plugin:hanging"))[0]["status"] != "running", "the run was never timed out"
    (run,) = await runs_of(client, "plugin:hanging")
    assert (run["status"], run["error"]) == ("timeout", "timed out after 60 s")
    assert (await client.get("/api/v1/health")).status == 200


async def test_broken_plugins_never_stop_the_daemon(
    aiohttp_client: Any, scheduled_container: Container, write_plugin: WritePlugin
) -> None:
    write_plugin("syntax", "def broken(:\n")
    write_plugin("imports", "import wheeld_no_such_module\n")
    write_plugin(
        "schedule",
        "from wheeld.plugins import Plugin, every\n\n\nclass Fast(Plugin):\n    name = 'too_fast'\n"
        "    default_schedule = every(seconds=1)\n\n    async def execute(self, ctx):\n        return None\n",
    )
    write_plugin("probe", PROBE)
    client = await aiohttp_client(create_app(scheduled_container))
    health = await data_of(await client.get("/api/v1/health"))
    assert health["components"]["scheduler"]["status"] == "ok"
    listed = {p["name"]: p for p in await data_of(await client.get(PLUGINS))}
    assert {name: p["status"] for name, p in listed.items()} == {
        "earnings_alert": "disabled",
        "imports": "broken",
        "premium_target": "disabled",
        "probe": "disabled",
        "syntax": "broken",
        "too_fast": "broken",
        "volatility_spike": "disabled",
    }
    assert listed["syntax"]["error"] == "SyntaxError: invalid syntax (syntax.py, line 1)"
    assert (
        listed["imports"]["error"]
        == "ModuleNotFoundError: No module named 'wheeld_no_such_module' (imports.py, line 1)"
    )
    assert listed["too_fast"]["error"].startswith("default_schedule: trigger.seconds: must be between 60")
    assert (await data_of(await client.post(PLUGINS, json={"name": "probe"}), 201))["status"] == "enabled"


async def test_a_plugin_whose_file_breaks_loses_its_handler(
    aiohttp_client: Any, container: Container, write_plugin: WritePlugin
) -> None:
    path = write_plugin("probe", PROBE)
    client = await aiohttp_client(create_app(container))
    await data_of(await client.post(PLUGINS, json={"name": "probe"}), 201)
    path.write_text("import wheeld_no_such_module\n", encoding="utf-8")
    write_plugin("later", PROBE.replace('"probe"', '"later"'))
    await data_of(await client.post(PLUGINS, json={"name": "later"}), 201)  # the rescan saw both files
    job = await data_of(await client.get(f"{JOBS}/plugin:probe"))
    assert (job["status"], job["has_handler"]) == ("no_handler", False)
    error = await error_of(await client.post(f"{JOBS}/plugin:probe/run"), 409, "INVALID_STATE")
    assert "no handler" in error["message"]


async def test_an_entry_point_plugin_registers_and_runs(
    aiohttp_client: Any, container: Container, distribute: Distribute
) -> None:
    distribute("probe-pkg", PROBE, "probe = probe_pkg:Probe")
    client = await aiohttp_client(create_app(container))
    plugin = await data_of(await client.post(PLUGINS, json={"module": "probe"}), 201)
    assert (plugin["source"], plugin["location"]) == ("entry_point", "probe_pkg:Probe")
    run = await run_and_wait(client, container, "probe")
    assert run["status"] == "success" and '"symbols": []' in run["summary"]


async def test_run_once_runs_in_the_calling_task(container: Container, write_plugin: WritePlugin) -> None:
    write_plugin("probe", PROBE)
    await container.start()
    try:
        result = await container.plugins.run_once("probe")
        assert isinstance(result, dict) and (result["runs"], result["trigger"]) == (1, None)
    finally:
        await container.stop()


async def test_the_store_keeps_json_values_per_plugin(container: Container) -> None:
    await container.start()
    try:
        mine = PluginStore(container.db, container.clock, "mine")
        theirs = PluginStore(container.db, container.clock, "theirs")
        assert await mine.get("seen") is None and await mine.get("seen", []) == []
        await mine.set("seen", {"AAPL": [1, 2.5, "x", None, True]})
        await theirs.set("seen", 3)
        assert await mine.get("seen") == {"AAPL": [1, 2.5, "x", None, True]}
        assert await theirs.get("seen") == 3
        assert await mine.delete("seen") is True and await mine.delete("seen") is False
        assert await theirs.get("seen") == 3
        for key, value in (("", 1), ("k" * 201, 1), ("ok", {1, 2}), ("ok", float("nan")), ("ok", "x" * 70_000)):
            with pytest.raises(ValidationError):
                await mine.set(key, value)
    finally:
        await container.stop()
