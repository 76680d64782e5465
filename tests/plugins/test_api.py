"""The plugins API over the real app: list, register (by name or module only), change, remove, restarts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import START, data_of, error_of
from tests.plugins.conftest import PROBE, WritePlugin
from tests.scheduler.conftest import SteppedClock
from wheeld.app import Container
from wheeld.config import Config
from wheeld.http.app import create_app
from wheeld.market_calendar import TradingCalendar

PLUGINS = "/api/v1/plugins"
JOBS = "/api/v1/jobs"
CORE = ["daily_snapshots", "opportunity_scan", "price_refresh", "risk_monitor"]
MakeClient = Callable[..., Awaitable[TestClient]]


async def plugins_by_name(client: TestClient) -> dict[str, dict[str, Any]]:
    """GET /plugins as a dict by name."""
    return {plugin["name"]: plugin for plugin in await data_of(await client.get(PLUGINS))}


async def started(aiohttp_client: MakeClient, config: Config, xnys: TradingCalendar, **kwargs: Any) -> TestClient:
    """A client of a fresh container over `config` (the scheduler runs, on a SteppedClock at START)."""
    container = Container.build(config, SteppedClock(START), xnys, start_scheduler=True, **kwargs)
    return await aiohttp_client(create_app(container))


async def test_the_builtins_are_listed_and_off_by_default(client: TestClient) -> None:
    body = await (await client.get(PLUGINS)).json()
    assert [p["name"] for p in body["data"]] == ["earnings_alert", "premium_target", "volatility_spike"]
    assert body["pagination"]["total_items"] == 3
    for plugin in body["data"]:
        assert (plugin["source"], plugin["builtin"], plugin["status"], plugin["enabled"], plugin["job"]) == (
            "builtin",
            True,
            "disabled",
            False,
            None,
        )
        assert plugin["schedule"] == plugin["default_schedule"] and plugin["config_keys"]
    earnings = await data_of(await client.get(f"{PLUGINS}/earnings_alert"))
    assert earnings["config"] == {"days": 7, "include_watchlist": True, "severity": "MEDIUM"}
    assert earnings["config_keys"][0] == {
        "name": "days",
        "type": "Integer",
        "default": 7,
        "required": False,
        "description": "Alert when a report is at most this many calendar days away.",
    }
    # Nothing is scheduled until someone asks: the jobs are the core ones.
    assert [job["id"] for job in await data_of(await client.get(JOBS))] == CORE


async def test_registering_schedules_the_job_at_once(
    aiohttp_client: MakeClient, config: Config, xnys: TradingCalendar
) -> None:
    client = await started(aiohttp_client, config, xnys)
    plugin = await data_of(await client.post(PLUGINS, json={"name": "premium_target"}), 201)
    assert (plugin["status"], plugin["enabled"], plugin["registered"]) == ("enabled", True, True)
    job = plugin["job"]
    assert (job["id"], job["kind"], job["status"], job["trigger_description"]) == (
        "plugin:premium_target",
        "plugin",
        "scheduled",
        "every 15 minutes",
    )
    # START is Tuesday 10:00 New York: every 15 minutes inside market hours.
    assert job["next_run_at"] == "2026-11-24T15:15:00Z" and job["market_hours_only"] is True
    assert "plugin:premium_target" in [j["id"] for j in await data_of(await client.get(JOBS))]
    error = await error_of(await client.post(PLUGINS, json={"name": "premium_target"}), 409, "CONFLICT")
    assert error["details"] == {"name": "premium_target"}


async def test_registering_with_a_schedule_and_settings(client: TestClient) -> None:
    body = {"name": "earnings_alert", "schedule": {"type": "interval", "seconds": 3600}, "config": {"days": 3}}
    plugin = await data_of(await client.post(PLUGINS, json=body), 201)
    assert plugin["schedule"] == {"type": "interval", "seconds": 3600}
    assert plugin["default_schedule"] == {"type": "cron", "expression": "0 8 * * 1-5"}
    assert plugin["config"]["days"] == 3


async def test_registering_by_module_finds_a_file_added_since_start(
    client: TestClient, write_plugin: WritePlugin
) -> None:
    assert "probe" not in await plugins_by_name(client)
    write_plugin("probe_file", PROBE)
    plugin = await data_of(await client.post(PLUGINS, json={"module": "probe_file"}), 201)
    assert (plugin["name"], plugin["source"], plugin["module"], plugin["version"]) == (
        "probe",
        "directory",
        "probe_file",
        "2.0.0",
    )
    builtin = await data_of(await client.post(PLUGINS, json={"module": "wheeld.builtin_plugins.earnings_alert"}), 201)
    assert builtin["name"] == "earnings_alert"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "../../etc/passwd"}, "name"),
        ({"name": "Probe"}, "name"),
        ({"module": "/tmp/evil.py"}, "module"),
        ({"module": "../evil"}, "module"),
        ({"module": "evil.py "}, "module"),
        ({}, "name"),
        ({"name": "probe", "module": "probe"}, "name"),
        ({"name": "earnings_alert", "path": "/tmp/evil.py"}, "path"),
        ({"name": "earnings_alert", "code": "import os"}, "code"),
        ({"name": "earnings_alert", "schedule": {"type": "interval", "seconds": 5}}, "schedule.seconds"),
        ({"name": "earnings_alert", "config": {"days": "soon"}}, "config.days"),
        ({"name": "earnings_alert", "config": {"nope": 1}}, "config.nope"),
    ],
)
async def test_register_refuses_paths_code_and_bad_values(client: TestClient, body: dict[str, Any], field: str) -> None:
    error = await error_of(await client.post(PLUGINS, json=body), 400, "VALIDATION_ERROR")
    assert error["details"]["field"] == field, error
    assert [job["id"] for job in await data_of(await client.get(JOBS))] == CORE


async def test_only_discovered_modules_are_ever_imported(client: TestClient, tmp_path: Path) -> None:
    """NFR-12: a module outside the plugin sources is never loaded, even when it exists on disk."""
    marker = tmp_path / "imported"
    (tmp_path / "evil.py").write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    for body in ({"module": "evil"}, {"name": "evil"}, {"module": "os.path"}):
        error = await error_of(await client.post(PLUGINS, json=body), 404, "NOT_FOUND")
        assert "directory" in error["details"]
    assert not marker.exists()


async def test_a_broken_plugin_cannot_be_registered(client: TestClient, write_plugin: WritePlugin) -> None:
    write_plugin("broken", "import wheeld_no_such_module\n")
    error = await error_of(await client.post(PLUGINS, json={"module": "broken"}), 409, "INVALID_STATE")
    assert error["details"]["error"].startswith("ModuleNotFoundError: No module named 'wheeld_no_such_module'")
    listed = (await plugins_by_name(client))["broken"]
    assert (listed["status"], listed["source"], listed["enabled"]) == ("broken", "directory", False)
    assert (await client.get("/api/v1/health")).status == 200


async def test_patch_changes_schedule_settings_and_enabled(scheduled_container: Container, aiohttp_client) -> None:
    client = await aiohttp_client(create_app(scheduled_container))
    url = f"{PLUGINS}/earnings_alert"
    untouched = await data_of(await client.patch(f"{PLUGINS}/volatility_spike", json={"enabled": False}))
    assert (untouched["registered"], untouched["job"]) == (False, None)  # nothing to disable
    # A first change to a plugin never registered creates its job, disabled unless asked.
    plugin = await data_of(await client.patch(url, json={"schedule": {"type": "cron", "expression": "30 8 * * 1-5"}}))
    assert (plugin["registered"], plugin["enabled"], plugin["job"]["status"]) == (True, False, "disabled")
    plugin = await data_of(await client.patch(url, json={"enabled": True, "config": {"days": 10}}))
    assert (plugin["status"], plugin["job"]["next_run_at"]) == ("enabled", "2026-11-25T13:30:00Z")
    assert plugin["config"]["days"] == 10
    plugin = await data_of(await client.patch(url, json={"config": {"severity": "HIGH"}}))
    assert plugin["config"] == {"days": 10, "include_watchlist": True, "severity": "HIGH"}
    plugin = await data_of(await client.patch(url, json={"config": {"days": None}, "timeout_seconds": 30}))
    assert (plugin["config"]["days"], plugin["config"]["severity"], plugin["job"]["timeout_seconds"]) == (7, "HIGH", 30)
    plugin = await data_of(await client.patch(url, json={"enabled": False}))
    assert (plugin["status"], plugin["job"]["next_run_at"]) == ("disabled", None)
    # The jobs API sees the same job: one source of truth for schedule and enabled.
    job = await data_of(await client.get(f"{JOBS}/plugin:earnings_alert"))
    assert (job["enabled"], job["trigger"]["expression"]) == (False, "30 8 * * 1-5")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"schedule": {"type": "interval", "seconds": 59}}, "schedule.seconds"),
        ({"schedule": {"type": "cron", "expression": "0 0 30 2 *"}}, "schedule.expression"),
        ({"schedule": {"type": "hourly"}}, "schedule.type"),
        ({"config": {"days": 0}}, "config.days"),
        ({"config": {"days": "7"}}, "config.days"),
        ({"config": {"severity": "URGENT"}}, "config.severity"),
        ({"config": {"day": 7}}, "config.day"),
        ({"config": ["days"]}, "config"),
        ({"enabled": "yes"}, "enabled"),
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"name": "other"}, "name"),
    ],
)
async def test_bad_changes_are_400_naming_the_key(client: TestClient, body: dict[str, Any], field: str) -> None:
    before = await data_of(await client.get(f"{PLUGINS}/earnings_alert"))
    error = await error_of(await client.patch(f"{PLUGINS}/earnings_alert", json=body), 400, "VALIDATION_ERROR")
    assert error["details"]["field"] == field, error
    assert await data_of(await client.get(f"{PLUGINS}/earnings_alert")) == before


async def test_unknown_names_are_404_and_bad_names_400(client: TestClient) -> None:
    for method in ("get", "patch", "delete"):
        error = await error_of(await getattr(client, method)(f"{PLUGINS}/nothing", json={}), 404, "NOT_FOUND")
        assert error["details"] == {"name": "nothing"}
    for bad in ("Earnings", "x" * 65, "plugin:x", "a-b"):
        error = await error_of(await client.get(f"{PLUGINS}/{bad}"), 400, "VALIDATION_ERROR")
        assert error["details"]["field"] == "name"


async def test_delete_unschedules_and_keeps_the_run_history(client: TestClient, container: Container) -> None:
    await data_of(await client.post(PLUGINS, json={"name": "premium_target"}), 201)
    await data_of(await client.post(f"{JOBS}/plugin:premium_target/run"), 202)
    await container.supervisor.wait_idle()
    response = await client.delete(f"{PLUGINS}/premium_target")
    assert response.status == 204
    plugin = await data_of(await client.get(f"{PLUGINS}/premium_target"))
    assert (plugin["status"], plugin["registered"], plugin["job"]["enabled"]) == ("disabled", True, False)
    runs = await data_of(await client.get(f"{JOBS}/plugin:premium_target/runs"))
    assert [(run["trigger"], run["status"]) for run in runs] == [("manual", "success")]
    assert (await client.delete(f"{PLUGINS}/premium_target")).status == 204  # already off: nothing to do
    again = await data_of(await client.post(PLUGINS, json={"name": "premium_target"}), 201)
    assert again["enabled"] is True


async def test_changes_survive_a_restart_and_config_does_not_undo_them(
    aiohttp_client: MakeClient, make_config: Callable[..., Config], xnys: TradingCalendar
) -> None:
    config = make_config(plugins__enabled=["earnings_alert", "premium_target"])
    first = await started(aiohttp_client, config, xnys)
    listed = await plugins_by_name(first)
    assert {name: p["status"] for name, p in listed.items()} == {
        "earnings_alert": "enabled",
        "premium_target": "enabled",
        "volatility_spike": "disabled",
    }
    hourly = {"type": "interval", "seconds": 3600}
    await data_of(await first.patch(f"{PLUGINS}/earnings_alert", json={"schedule": hourly, "config": {"days": 3}}))
    assert (await first.delete(f"{PLUGINS}/premium_target")).status == 204
    before = await plugins_by_name(first)
    await first.close()

    second = await started(aiohttp_client, config, xnys)
    after = await plugins_by_name(second)
    assert after == before
    assert after["earnings_alert"]["schedule"] == hourly and after["earnings_alert"]["config"]["days"] == 3
    # plugins.enabled still names premium_target, but the removal made over the API stands.
    assert after["premium_target"]["status"] == "disabled"


async def test_settings_from_the_config_file_and_their_errors(
    aiohttp_client: MakeClient, make_config: Callable[..., Config], xnys: TradingCalendar, tmp_path: Path
) -> None:
    file = tmp_path / "wheeld.yaml"
    file.write_text(
        "plugins:\n  enabled: [earnings_alert, nowhere]\n"
        "  config:\n    earnings_alert: {days: 14}\n    premium_target: {target_pct: 150}\n",
        encoding="utf-8",
    )
    client = await started(aiohttp_client, make_config(file), xnys)
    listed = await plugins_by_name(client)
    assert listed["earnings_alert"]["config"]["days"] == 14
    patched = await data_of(await client.patch(f"{PLUGINS}/earnings_alert", json={"config": {"days": 2}}))
    assert patched["config"]["days"] == 2  # the API's settings win over the file's
    broken = listed["premium_target"]
    assert (broken["status"], broken["error"]) == (
        "broken",
        "settings: config.target_pct: Must be greater than 0 and less than 100.",
    )
    missing = listed["nowhere"]
    assert (missing["status"], missing["source"], missing["job"]) == ("missing", None, None)
    assert "not found" in missing["error"]
    error = await error_of(await client.patch(f"{PLUGINS}/nowhere", json={"enabled": True}), 409, "INVALID_STATE")
    assert error["details"]["name"] == "nowhere"


async def test_settings_changed_with_the_config_api_apply_at_the_next_read(client: TestClient) -> None:
    body = {"plugins": {"config": {"earnings_alert": {"days": 9}}}}
    result = await data_of(await client.put("/api/v1/config", json=body))
    assert (result["changed"], result["restart_required"]) == (["plugins.config"], [])
    assert (await data_of(await client.get(f"{PLUGINS}/earnings_alert")))["config"]["days"] == 9
    error = await error_of(
        await client.put("/api/v1/config", json={"plugins": {"config": {"earnings_alert": 9}}}), 400, "VALIDATION_ERROR"
    )
    assert error["details"]["field"] == "plugins.config"
    restart = await data_of(await client.put("/api/v1/config", json={"plugins": {"enabled": ["premium_target"]}}))
    assert restart["restart_required"] == ["plugins.enabled"]
