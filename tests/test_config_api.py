"""The configuration over HTTP: masked reads, validated updates, atomic persistence, live application."""

from __future__ import annotations

import logging
import stat
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp.test_utils import TestClient

from tests.conftest import data_of, error_of
from wheeld.app import Container
from wheeld.clock import FrozenClock
from wheeld.config import MASK, Config, load_config
from wheeld.http.app import create_app

ClientFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture(autouse=True)
def _restore_root_level() -> Iterator[None]:
    """PUT server.log_level changes the root logger: put it back for the next test."""
    root = logging.getLogger()
    level = root.level
    yield
    root.setLevel(level)


@pytest.fixture
def data_dir(config: Config) -> Path:
    return config.data_dir


async def client_for(aiohttp_client: ClientFactory, config: Config, clock: FrozenClock) -> TestClient:
    return await aiohttp_client(create_app(Container.build(config, clock)))


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_get_masks_secrets(aiohttp_client: ClientFactory, make_config, clock: FrozenClock) -> None:
    config = make_config(external_apis__finnhub__api_key="fh-secret-123", external_apis__schwab__app_key="")
    client = await client_for(aiohttp_client, config, clock)
    response = await client.get("/api/v1/config")
    text = await response.text()
    data = await data_of(response)
    assert data["external_apis"]["finnhub"]["api_key"] == MASK
    assert data["external_apis"]["schwab"]["app_key"] == ""
    assert data["server"]["port"] == 8000 and data["market_data"]["provider"] == "simulated"
    assert "fh-secret-123" not in text


@pytest.mark.parametrize(
    ("body", "field", "constraint"),
    [
        ({"server": {"port": 70000}}, "server.port", "must be <= 65535"),
        ({"server": {"port": "abc"}}, "server.port", "must be an integer"),
        ({"server": {"log_format": "xml"}}, "server.log_format", "must be one of"),
        ({"server": {"nope": 1}}, "server.nope", "unknown key"),
        ({"market_hours": {"close_hour": 8}}, "market_hours.close_hour", "close after they open"),
        ({"risk": {"medium_threshold_pct": -1}}, "risk.medium_threshold_pct", "must be >= 0"),
    ],
)
async def test_put_validates_and_names_the_key(
    client: TestClient, data_dir: Path, body: dict[str, Any], field: str, constraint: str
) -> None:
    error = await error_of(await client.put("/api/v1/config", json=body), 400, "VALIDATION_ERROR")
    assert error["details"]["field"] == field
    assert constraint in error["details"]["constraint"]
    assert field in error["message"]
    assert not (data_dir / "config.yaml").exists()
    current = await data_of(await client.get("/api/v1/config"))
    assert current["server"]["port"] == 8000 and current["market_hours"]["close_hour"] == 16


async def test_put_rejects_a_body_that_is_not_an_object(client: TestClient) -> None:
    await error_of(await client.put("/api/v1/config", json=[1, 2]), 400, "VALIDATION_ERROR")
    await error_of(await client.put("/api/v1/config", data="{nope"), 400, "VALIDATION_ERROR")


async def test_put_persists_atomically_with_mode_0600(client: TestClient, data_dir: Path) -> None:
    body = {"risk": {"medium_threshold_pct": 7.5}, "caching": {"quote_ttl": "120"}}
    result = await data_of(await client.put("/api/v1/config", json=body))
    assert result["changed"] == ["caching.quote_ttl", "risk.medium_threshold_pct"]
    assert result["restart_required"] == []
    assert result["config"]["risk"]["medium_threshold_pct"] == 7.5
    assert result["config"]["caching"]["quote_ttl"] == 120
    file = data_dir / "config.yaml"
    assert result["file"] == str(file)
    assert file_mode(file) == 0o600
    assert [p.name for p in data_dir.iterdir() if p.name.startswith(".config-")] == []  # no temp left
    assert yaml.safe_load(file.read_text()) == {"caching": {"quote_ttl": 120}, "risk": {"medium_threshold_pct": 7.5}}
    reloaded = load_config(data_dir=data_dir, environ={})
    assert reloaded["risk.medium_threshold_pct"] == 7.5 and reloaded["caching.quote_ttl"] == 120
    assert reloaded.sources["risk.medium_threshold_pct"] == "file"
    again = await data_of(await client.get("/api/v1/config"))
    assert again["risk"]["medium_threshold_pct"] == 7.5


async def test_put_keeps_interpolated_texts_of_the_file(
    aiohttp_client: ClientFactory, make_config, clock: FrozenClock, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "config.yaml").write_text(
        '# my settings\nexternal_apis:\n  finnhub:\n    api_key: "${FINNHUB_KEY}"\nserver:\n  port: ${PORT:-8011}\n'
    )
    environ = {"FINNHUB_KEY": "fh-from-env-123"}
    config = make_config(environ=environ)
    assert config["external_apis.finnhub.api_key"] == "fh-from-env-123"
    client = await client_for(aiohttp_client, config, clock)
    await data_of(await client.put("/api/v1/config", json={"risk": {"approaching_dte": 5}}))
    text = (data_dir / "config.yaml").read_text()
    assert "${FINNHUB_KEY}" in text and "${PORT:-8011}" in text
    assert "fh-from-env-123" not in text
    reloaded = load_config(data_dir=data_dir, environ=environ)
    assert reloaded["risk.approaching_dte"] == 5
    assert reloaded["server.port"] == 8011
    assert reloaded["external_apis.finnhub.api_key"] == "fh-from-env-123"


async def test_put_applies_the_log_level_live(client: TestClient) -> None:
    logging.getLogger().setLevel(logging.INFO)
    result = await data_of(await client.put("/api/v1/config", json={"server": {"log_level": "debug"}}))
    assert result["changed"] == ["server.log_level"] and result["restart_required"] == []
    assert logging.getLogger().level == logging.DEBUG
    await data_of(await client.put("/api/v1/config", json={"server": {"log_level": "ERROR"}}))
    assert logging.getLogger().level == logging.ERROR


async def test_api_token_set_via_put_is_then_required(client: TestClient) -> None:
    token = "tok-abcdef-123456"
    result = await data_of(await client.put("/api/v1/config", json={"server": {"api_token": token}}))
    assert result["config"]["server"]["api_token"] == MASK
    assert token not in str(result)
    await error_of(await client.get("/api/v1/config"), 401, "UNAUTHORIZED")
    headers = {"Authorization": f"Bearer {token}"}
    shown = await data_of(await client.get("/api/v1/config", headers=headers))
    assert shown["server"]["api_token"] == MASK
    # Clearing it again (with the token) opens the API.
    await data_of(await client.put("/api/v1/config", json={"server": {"api_token": ""}}, headers=headers))
    await data_of(await client.get("/api/v1/config"))


@pytest.mark.parametrize(
    ("body", "restart"),
    [
        ({"server": {"port": 9000}}, ["server.port"]),
        ({"server": {"host": "0.0.0.0", "log_level": "WARNING"}}, ["server.host"]),
        ({"market_data": {"provider": "finnhub"}}, ["market_data.provider"]),
        ({"database": {"busy_timeout_ms": 100}}, ["database.busy_timeout_ms"]),
        ({"caching": {"chain_ttl": 60}}, []),
    ],
)
async def test_put_reports_restart_required(client: TestClient, body: dict[str, Any], restart: list[str]) -> None:
    result = await data_of(await client.put("/api/v1/config", json=body))
    assert result["restart_required"] == restart


async def test_unchanged_values_are_not_changes(client: TestClient, data_dir: Path) -> None:
    result = await data_of(await client.put("/api/v1/config", json={"server": {"port": 8000}}))
    assert result["changed"] == [] and result["restart_required"] == []
    assert not (data_dir / "config.yaml").exists()


async def test_masked_secret_sent_back_keeps_the_secret(
    aiohttp_client: ClientFactory, make_config, clock: FrozenClock, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "config.yaml").write_text("external_apis:\n  schwab:\n    app_secret: schwab-secret-1\n")
    client = await client_for(aiohttp_client, make_config(), clock)
    shown = await data_of(await client.get("/api/v1/config"))
    assert shown["external_apis"]["schwab"]["app_secret"] == MASK
    shown["risk"]["medium_threshold_pct"] = 6.0  # the whole view sent back with one change
    result = await data_of(await client.put("/api/v1/config", json=shown))
    assert result["changed"] == ["risk.medium_threshold_pct"]
    reloaded = load_config(data_dir=data_dir, environ={})
    assert reloaded["external_apis.schwab.app_secret"] == "schwab-secret-1"
    assert reloaded["risk.medium_threshold_pct"] == 6.0


async def test_overridden_at_start(aiohttp_client: ClientFactory, make_config, clock: FrozenClock) -> None:
    config = make_config(environ={"WHEELD_RISK__APPROACHING_DTE": "5"})
    client = await client_for(aiohttp_client, config, clock)
    result = await data_of(await client.put("/api/v1/config", json={"risk": {"approaching_dte": 4}}))
    assert result["overridden_at_start"] == ["risk.approaching_dte"]


async def test_validate_writes_nothing(client: TestClient, data_dir: Path) -> None:
    good = await data_of(
        await client.post("/api/v1/config/validate", json={"server": {"port": 9001, "log_level": "DEBUG"}})
    )
    assert good == {
        "valid": True,
        "errors": [],
        "changed": ["server.log_level", "server.port"],
        "restart_required": ["server.port"],
    }
    bad = await data_of(await client.post("/api/v1/config/validate", json={"server": {"port": 70000}}))
    assert bad["valid"] is False
    assert bad["errors"][0]["key"] == "server.port" and "65535" in bad["errors"][0]["problem"]
    assert bad["changed"] == []
    assert not (data_dir / "config.yaml").exists()
    current = await data_of(await client.get("/api/v1/config"))
    assert current["server"]["port"] == 8000 and current["server"]["log_level"] == "INFO"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"server": {"log_file": "/home/someone/.bashrc"}}, "server.log_file"),
        ({"database": {"path": "/tmp/elsewhere.db"}}, "database.path"),
        (
            {"external_apis": {"schwab": {"token_file": "../../.ssh/authorized_keys"}}},
            "external_apis.schwab.token_file",
        ),
    ],
)
async def test_file_paths_cannot_be_set_over_the_api(
    client: TestClient, data_dir: Path, body: dict[str, Any], field: str
) -> None:
    """A client must not choose where the daemon writes (the log's lines are partly the client's own text)."""
    error = await error_of(await client.put("/api/v1/config", json=body), 400, "VALIDATION_ERROR")
    assert error["details"]["field"] == field
    assert "config file" in error["details"]["constraint"]
    assert not (data_dir / "config.yaml").exists()
    verdict = await data_of(await client.post("/api/v1/config/validate", json=body))
    assert verdict["valid"] is False and verdict["errors"][0]["key"] == field


async def test_unchanged_file_paths_may_be_sent_back(client: TestClient) -> None:
    shown = await data_of(await client.get("/api/v1/config"))
    shown["caching"]["quote_ttl"] = 60
    result = await data_of(await client.put("/api/v1/config", json=shown))
    assert result["changed"] == ["caching.quote_ttl"]


async def test_put_with_a_broken_file_on_disk_is_refused_not_a_500(client: TestClient, data_dir: Path) -> None:
    await data_of(await client.put("/api/v1/config", json={"caching": {"quote_ttl": 60}}))
    (data_dir / "config.yaml").write_text("caching: [unclosed\n")  # edited by hand meanwhile
    error = await error_of(
        await client.put("/api/v1/config", json={"caching": {"quote_ttl": 90}}), 409, "INVALID_STATE"
    )
    assert "config.yaml" in error["message"]
    assert (data_dir / "config.yaml").read_text() == "caching: [unclosed\n"  # left for the user to fix


async def test_put_when_the_file_cannot_be_written_changes_nothing(
    aiohttp_client: ClientFactory, make_config, clock: FrozenClock, tmp_path: Path
) -> None:
    conf_dir = tmp_path / "conf"
    conf_dir.mkdir()
    (conf_dir / "config.yaml").write_text("risk:\n  approaching_dte: 4\n")
    config = make_config(file=conf_dir / "config.yaml", database__path=str(tmp_path / "db" / "wheeld.db"))
    client = await client_for(aiohttp_client, config, clock)
    (conf_dir / "config.yaml").unlink()
    conf_dir.rmdir()
    conf_dir.write_text("a file where the directory was")
    error = await error_of(
        await client.put("/api/v1/config", json={"caching": {"quote_ttl": 90}}), 409, "INVALID_STATE"
    )
    assert "cannot write the config file" in error["message"]
    current = await data_of(await client.get("/api/v1/config"))
    assert current["caching"]["quote_ttl"] == 300 and current["risk"]["approaching_dte"] == 4
