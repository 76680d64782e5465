"""Issue 18, class 5: `PUT /api/v1/config` never writes a configuration the next start cannot read. It checks
exactly what the next start reads (the YAML file it would write, `${VAR}` expansion and WHEELD_* variables
included) and refuses anything else naming the key; a hand-edited bad file still stops the start."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import yaml
from aiohttp.test_utils import TestClient

from tests.conftest import data_of, error_of
from tests.hardening.conftest import Book, Dump
from wheeld.app import Container
from wheeld.cli_daemon import main
from wheeld.clock import FrozenClock
from wheeld.config import Config, load_config
from wheeld.http.app import create_app

CALLBACK = "external_apis.schwab.callback_url"
ClientFactory = Callable[..., Awaitable[TestClient]]


def callback(value: str) -> dict:
    return {"external_apis": {"schwab": {"callback_url": value}}}


@pytest.mark.parametrize("value", ["https://x/${UNSET_VAR}", "${UNSET_VAR}", "https://${UNSET_VAR}/x/${UNSET_VAR}"])
async def test_an_unset_variable_is_refused_naming_the_key(
    client: TestClient, book: Book, dump: Dump, container: Container, value: str
) -> None:
    file = container.config.data_dir / "config.yaml"
    before = await dump()
    error = await error_of(await client.put("/api/v1/config", json=callback(value)), 400, "VALIDATION_ERROR")
    assert error["details"]["field"] == CALLBACK and error["details"]["value"] == value
    assert "UNSET_VAR" in error["message"] and "could not start" in error["message"]
    assert await dump() == before
    assert not file.exists()
    checked = await data_of(await client.post("/api/v1/config/validate", json=callback(value)))
    assert checked["valid"] is False and checked["errors"][0]["key"] == CALLBACK
    # The daemon still starts on what is there.
    assert load_config(None, data_dir=container.config.data_dir, environ={})[CALLBACK] == "https://127.0.0.1:8182"


async def test_a_refused_change_leaves_an_existing_file_alone(
    aiohttp_client: ClientFactory, make_config: Callable[..., Config], clock: FrozenClock, tmp_path: Path
) -> None:
    file = tmp_path / "wheeld.yaml"
    file.write_text("risk:\n  medium_threshold_pct: 7.5\n")
    client = await aiohttp_client(create_app(Container.build(make_config(file), clock)))
    await error_of(await client.put("/api/v1/config", json=callback("https://x/${UNSET_VAR}")), 400, "VALIDATION_ERROR")
    assert file.read_text() == "risk:\n  medium_threshold_pct: 7.5\n"


async def test_a_set_variable_is_written_as_given_and_applied_as_the_next_start_will_read_it(
    aiohttp_client: ClientFactory, make_config: Callable[..., Config], clock: FrozenClock, tmp_path: Path
) -> None:
    environ = {"CALLBACK_HOST": "wheel.lan:8182"}
    config = make_config(environ=environ)
    client = await aiohttp_client(create_app(Container.build(config, clock)))
    result = await data_of(await client.put("/api/v1/config", json=callback("https://${CALLBACK_HOST}/cb")))
    assert result["changed"] == [CALLBACK]
    live = await data_of(await client.get("/api/v1/config"))
    assert live["external_apis"]["schwab"]["callback_url"] == "https://wheel.lan:8182/cb"
    file = Path(result["file"])
    assert yaml.safe_load(file.read_text())["external_apis"]["schwab"]["callback_url"] == "https://${CALLBACK_HOST}/cb"
    restarted = load_config(None, data_dir=config.data_dir, environ=environ)
    assert restarted[CALLBACK] == "https://wheel.lan:8182/cb"


async def test_a_default_in_the_expansion_is_fine(client: TestClient, container: Container) -> None:
    await data_of(await client.put("/api/v1/config", json=callback("https://${UNSET_VAR:-localhost}/cb")))
    assert load_config(None, data_dir=container.config.data_dir, environ={})[CALLBACK] == "https://localhost/cb"


async def test_a_file_broken_by_the_environment_since_start_is_not_rewritten(
    aiohttp_client: ClientFactory, make_config: Callable[..., Config], clock: FrozenClock, tmp_path: Path
) -> None:
    """The file's other keys are checked too: the next start reads them all."""
    file = tmp_path / "wheeld.yaml"
    text = "external_apis:\n  finnhub:\n    api_key: ${FINNHUB_KEY}\n"
    file.write_text(text)
    environ = {"FINNHUB_KEY": "k-123"}
    client = await aiohttp_client(create_app(Container.build(make_config(file, environ=environ), clock)))
    del environ["FINNHUB_KEY"]  # unset since the start: the next start would stop on it
    error = await error_of(
        await client.put("/api/v1/config", json={"risk": {"medium_threshold_pct": 6}}), 400, "VALIDATION_ERROR"
    )
    assert error["details"]["field"] == "external_apis.finnhub.api_key" and "FINNHUB_KEY" in error["message"]
    assert file.read_text() == text


async def test_every_value_the_api_accepts_starts_again(client: TestClient, container: Container) -> None:
    body = {
        "server": {"log_level": "debug", "allowed_hosts": ["wheel.lan"]},
        "risk": {"medium_threshold_pct": 7.5},
        "plugins": {"config": {"earnings_alert": {"days": 10, "nested": {"list": [1, "two", None]}}}},
        "external_apis": {"schwab": {"callback_url": "https://127.0.0.1:8182/${UNSET_VAR:-cb}"}},
    }
    await data_of(await client.put("/api/v1/config", json=body))
    restarted = load_config(None, data_dir=container.config.data_dir, environ={})
    live = container.settings.config
    changed = ["server.log_level", "server.allowed_hosts", "risk.medium_threshold_pct", "plugins.config", CALLBACK]
    assert {k: restarted[k] for k in changed} == {k: live[k] for k in changed}
    assert restarted[CALLBACK] == "https://127.0.0.1:8182/cb" and restarted["server.log_level"] == "DEBUG"


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ("external_apis:\n  schwab:\n    callback_url: https://x/${UNSET_VAR}\n", CALLBACK, "UNSET_VAR is not set"),
        ("server:\n  port: 70000\n", "server.port", "must be <= 65535"),
        ("risk:\n  medium_threshold_pct: lots\n", "risk.medium_threshold_pct", "must be a number"),
    ],
)
def test_a_hand_edited_bad_file_stops_the_start_with_key_and_reason(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    key: str,
    reason: str,
) -> None:
    monkeypatch.delenv("UNSET_VAR", raising=False)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "config.yaml").write_text(text)
    assert main(["serve", "--data-dir", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert key in err and reason in err
    assert not (data_dir / "wheeld.db").exists()
