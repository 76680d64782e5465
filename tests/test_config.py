"""Configuration: precedence, interpolation, validation messages, masking and the `wheeld` command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from wheeld import __version__
from wheeld.cli_daemon import main
from wheeld.config import KEYS, KEYS_BY_NAME, MASK, load_config
from wheeld.errors import ConfigError

PRD_SAMPLE = """
# config.yaml (PRD §8.1, verbatim apart from comments)
server:
  host: "0.0.0.0"
  port: 8000
  workers: 1
  log_level: "INFO"

database:
  url: "sqlite:///data/wheel_strategy.db"
  echo: false  # SQL logging

scheduler:
  enabled: true
  timezone: "America/New_York"
  job_defaults:
    coalesce: false
    max_instances: 1

market_hours:
  open_hour: 9
  open_minute: 30
  close_hour: 16
  close_minute: 0
  timezone: "America/New_York"

external_apis:
  schwab:
    app_key: "${SCHWAB_APP_KEY}"
    app_secret: "${SCHWAB_APP_SECRET}"
    token_file: ".schwab_tokens.json"
  finnhub:
    api_key: "${FINNHUB_API_KEY}"
    enabled: true

caching:
  quote_ttl: 300  # 5 minutes
  chain_ttl: 900  # 15 minutes
  history_ttl: 86400  # 24 hours
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str | None = None, environ: dict[str, str] | None = None, **flags: Any):
    file = write(tmp_path / "config.yaml", text) if text is not None else None
    return load_config(
        file,
        data_dir=tmp_path / "data",
        flags={k.replace("__", "."): v for k, v in flags.items()},
        environ=environ or {},
    )


def config_error(tmp_path: Path, text: str | None = None, environ: dict[str, str] | None = None, **flags):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text, environ, **flags)
    return caught.value


# --- defaults and precedence -------------------------------------------------------------------------


def test_every_key_has_a_valid_default_and_documentation(tmp_path: Path) -> None:
    config = load(tmp_path)
    assert set(config) == set(KEYS_BY_NAME)
    for key in KEYS:
        assert config[key.name] == key.default
        assert key.doc.strip(), key.name
        assert config.sources[key.name] == "default"
    assert config["server.host"] == "127.0.0.1" and config["server.port"] == 8000
    assert config.database_path == tmp_path / "data" / "wheeld.db"


FILE_PORT = "server:\n  port: 8001\n"


@pytest.mark.parametrize(
    ("file_text", "environ", "flag", "expected", "source"),
    [
        (None, {}, None, 8000, "default"),
        (FILE_PORT, {}, None, 8001, "file"),
        (None, {"WHEELD_SERVER__PORT": "8002"}, None, 8002, "environment"),
        (FILE_PORT, {"WHEELD_SERVER__PORT": "8002"}, None, 8002, "environment"),
        (None, {}, 8003, 8003, "flags"),
        (FILE_PORT, {}, 8003, 8003, "flags"),
        (FILE_PORT, {"WHEELD_SERVER__PORT": "8002"}, 8003, 8003, "flags"),
    ],
    ids=[
        "default",
        "file",
        "env",
        "env-beats-file",
        "flag",
        "flag-beats-file",
        "flag-beats-env-and-file",
    ],
)
def test_precedence_flags_env_file_defaults(
    tmp_path: Path, file_text: str | None, environ: dict[str, str], flag: int | None, expected: int, source
) -> None:
    config = load(tmp_path, file_text, environ, server__port=flag)
    assert config["server.port"] == expected
    assert config.sources["server.port"] == source


def test_layers_merge_key_by_key(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        "server:\n  port: 8001\n  log_level: debug\nrisk:\n  medium_threshold_pct: 7.5\n",
        {"WHEELD_SERVER__LOG_LEVEL": "warning", "WHEELD_EXTERNAL_APIS__FINNHUB__ENABLED": "no"},
        server__host="::1",
    )
    assert config["server.port"] == 8001  # file
    assert config["server.log_level"] == "WARNING"  # environment over file, upper-cased
    assert config["external_apis.finnhub.enabled"] is False  # nested section from the environment
    assert config["risk.medium_threshold_pct"] == 7.5  # file
    assert config["server.host"] == "::1"  # flag
    assert config["caching.quote_ttl"] == 300  # default


def test_environment_lists_are_comma_separated(tmp_path: Path) -> None:
    config = load(tmp_path, environ={"WHEELD_SERVER__ALLOWED_HOSTS": "wheel.lan, nas.local,"})
    assert config["server.allowed_hosts"] == ["wheel.lan", "nas.local"]


def test_config_yaml_in_the_data_dir_is_read_when_no_file_is_given(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    write(tmp_path / "data" / "config.yaml", FILE_PORT)
    config = load(tmp_path)
    assert config["server.port"] == 8001
    assert config.file == tmp_path / "data" / "config.yaml"


def test_data_dir_from_environment_and_xdg(tmp_path: Path) -> None:
    config = load_config(environ={"WHEELD_DATA_DIR": str(tmp_path / "elsewhere")})
    assert config.data_dir == tmp_path / "elsewhere"
    # The autouse fixture points XDG_DATA_HOME into tmp_path: never the real home.
    assert load_config(environ={}).data_dir == Path(os.environ["XDG_DATA_HOME"]) / "wheeld"


def test_empty_file_and_empty_sections_are_empty_config(tmp_path: Path) -> None:
    assert load(tmp_path, "")["server.port"] == 8000
    # A section whose keys are all commented out is an empty section, not an unknown key.
    config = load(tmp_path, "server:\n  # port: 9000\ncaching:\n")
    assert config["server.port"] == 8000


def test_prd_sample_file_loads(tmp_path: Path) -> None:
    environ = {"SCHWAB_APP_KEY": "k" * 16, "SCHWAB_APP_SECRET": "s" * 16, "FINNHUB_API_KEY": "f" * 16}
    config = load(tmp_path, PRD_SAMPLE, environ)
    assert config["server.host"] == "0.0.0.0"
    assert config["external_apis.schwab.app_key"] == "k" * 16
    assert config["external_apis.finnhub.api_key"] == "f" * 16
    # A relative sqlite URL is relative to the data directory (a daemon's cwd is not meaningful).
    assert config.database_path == tmp_path / "data" / "data" / "wheel_strategy.db"


# --- database.url ------------------------------------------------------------------------------------


def test_sqlite_url_is_accepted_as_the_database_path(tmp_path: Path) -> None:
    target = tmp_path / "db" / "wheel.db"
    config = load(tmp_path, f"database:\n  url: sqlite:///{target}\n")
    assert config.database_path == target


def test_database_path_wins_over_url_and_expands_home(tmp_path: Path) -> None:
    config = load(tmp_path, "database:\n  url: sqlite:////a.db\n  path: ~/w.db\n")
    assert config.database_path == Path(os.environ["HOME"]) / "w.db"


def test_non_sqlite_url_is_refused(tmp_path: Path) -> None:
    error = config_error(tmp_path, "database:\n  url: postgresql://db/wheel\n")
    assert error.key == "database.url" and "sqlite" in error.problem


# --- interpolation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "environ", "expected"),
    [
        ("${TOKEN}", {"TOKEN": "abcdef"}, "abcdef"),
        ("${TOKEN:-fallback}", {}, "fallback"),
        ("${TOKEN:-fallback}", {"TOKEN": "given"}, "given"),
        ("${TOKEN:-}", {}, ""),
        ("pre-${A}-${B:-b}-post", {"A": "a"}, "pre-a-b-post"),
        ("no variables", {}, "no variables"),
    ],
)
def test_interpolation(tmp_path: Path, text: str, environ: dict[str, str], expected: str) -> None:
    config = load(tmp_path, f'server:\n  api_token: "{text}"\n', environ)
    assert config["server.api_token"] == expected


def test_interpolation_in_numbers_and_lists(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        'server:\n  port: "${PORT}"\n  allowed_hosts: ["${LAN_HOST}", "b.lan"]\n',
        {"PORT": "8123", "LAN_HOST": "a.lan"},
    )
    assert config["server.port"] == 8123
    assert config["server.allowed_hosts"] == ["a.lan", "b.lan"]


def test_unset_variable_is_an_error_naming_the_key(tmp_path: Path) -> None:
    error = config_error(tmp_path, 'external_apis:\n  finnhub:\n    api_key: "${FINNHUB_API_KEY}"\n')
    assert error.key == "external_apis.finnhub.api_key"
    assert "FINNHUB_API_KEY" in error.problem and "not set" in error.problem
    assert "external_apis.finnhub.api_key" in str(error)


# --- validation --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "environ", "key", "problem"),
    [
        ("server:\n  port: abc\n", {}, "server.port", "must be an integer, got 'abc'"),
        ("server:\n  port: 80.5\n", {}, "server.port", "must be an integer"),
        ("server:\n  port: true\n", {}, "server.port", "must be an integer"),
        ("server:\n  port: 70000\n", {}, "server.port", "must be <= 65535, got 70000"),
        ("server:\n  port: 0\n", {}, "server.port", "must be >= 1"),
        (None, {"WHEELD_SERVER__PORT": "-5"}, "server.port", "must be >= 1"),
        ("server:\n  log_format: xml\n", {}, "server.log_format", "must be one of text, json"),
        ("server:\n  log_level: loud\n", {}, "server.log_level", "must be one of DEBUG"),
        ("market_data:\n  provider: yahoo\n", {}, "market_data.provider", "must be one of simulated"),
        ("scheduler:\n  enabled: maybe\n", {}, "scheduler.enabled", "must be true or false"),
        ("risk:\n  medium_threshold_pct: .inf\n", {}, "risk.medium_threshold_pct", "finite"),
        ("risk:\n  medium_threshold_pct: [1]\n", {}, "risk.medium_threshold_pct", "must be a number"),
        ("server:\n  allowed_hosts: [1, '']\n", {}, "server.allowed_hosts", "list of non-empty strings"),
        ("server:\n  allowed_hosts: 5\n", {}, "server.allowed_hosts", "must be a list"),
        ("server:\n  host: [a]\n", {}, "server.host", "must be a string"),
        ("server:\n  prot: 8000\n", {}, "server.prot", "unknown key (from file"),
        ("servr:\n  port: 8000\n", {}, "servr.port", "unknown key (from file"),
        (None, {"WHEELD_SERVER__PROT": "8000"}, "server.prot", "WHEELD_SERVER__PROT"),
        (
            "market_hours:\n  open_hour: 16\n  close_hour: 9\n",
            {},
            "market_hours.close_hour",
            "close after they open",
        ),
        (
            "market_hours:\n  open_hour: 9\n  open_minute: 30\n  close_hour: 9\n  close_minute: 30\n",
            {},
            "market_hours.close_hour",
            "close after they open",
        ),
    ],
)
def test_bad_values_name_the_key_and_problem(
    tmp_path: Path, text: str | None, environ: dict[str, str], key: str, problem: str
) -> None:
    error = config_error(tmp_path, text, environ)
    assert error.key == key
    assert problem in error.problem
    assert str(error).startswith(f"config {key}: ")


def test_bad_flag_names_the_key(tmp_path: Path) -> None:
    error = config_error(tmp_path, server__port=70000)
    assert error.key == "server.port" and "65535" in error.problem


def test_invalid_yaml(tmp_path: Path) -> None:
    error = config_error(tmp_path, "server:\n  port: [8000\n")
    assert error.key == "--config" and "not valid YAML" in error.problem


def test_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    error = config_error(tmp_path, "- a\n- b\n")
    assert error.key == "--config" and "mapping" in error.problem


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.yaml", data_dir=tmp_path, environ={})
    assert caught.value.key == "--config" and "file not found" in caught.value.problem


# --- masking -----------------------------------------------------------------------------------------


def test_masked_hides_secrets_and_secrets_lists_them(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        "server:\n  api_token: tok-123456\nexternal_apis:\n  schwab:\n    app_secret: shh-123456\n",
    )
    masked = config.masked()
    assert masked["server"]["api_token"] == MASK
    assert masked["external_apis"]["schwab"]["app_secret"] == MASK
    assert masked["external_apis"]["schwab"]["app_key"] == ""  # unset secrets show as empty
    assert masked["server"]["port"] == 8000
    assert "tok-123456" not in repr(masked) and "shh-123456" not in repr(masked)
    assert sorted(config.secrets()) == ["shh-123456", "tok-123456"]
    secret_keys = {k.name for k in KEYS if k.secret}
    assert secret_keys >= {
        "server.api_token",
        "external_apis.schwab.app_key",
        "external_apis.schwab.app_secret",
        "external_apis.finnhub.api_key",
    }


# --- the command line --------------------------------------------------------------------------------


def test_check_config_prints_the_masked_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = write(tmp_path / "c.yaml", "server:\n  api_token: tok-123456\n  port: 8123\n")
    assert main(["check-config", "--config", str(file), "--data-dir", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    shown = yaml.safe_load(out)
    assert shown["server"]["port"] == 8123 and shown["server"]["api_token"] == MASK
    assert "tok-123456" not in out


@pytest.mark.parametrize("command", ["check-config", "serve"])
@pytest.mark.parametrize(
    ("text", "key"),
    [("server:\n  port: seventy\n", "server.port"), ("risk:\n  nope: 1\n", "risk.nope")],
)
def test_bad_config_exits_non_zero_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, text: str, key: str
) -> None:
    file = write(tmp_path / "c.yaml", text)
    code = main([command, "--config", str(file), "--data-dir", str(tmp_path / "d")])
    assert code != 0
    err = capsys.readouterr().err
    assert key in err
    assert not (tmp_path / "d" / "wheeld.db").exists()  # nothing started


def test_bad_environment_exits_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHEELD_MARKET_DATA__PROVIDER", "yahoo")
    assert main(["check-config", "--data-dir", str(tmp_path)]) != 0
    assert "market_data.provider" in capsys.readouterr().err


def test_bad_port_flag_exits_non_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--data-dir", str(tmp_path), "--port", "70000"]) != 0
    assert "server.port" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.strip() == f"wheeld {__version__}"


def test_console_script_reports_a_bad_config(tmp_path: Path) -> None:
    """The installed `wheeld` script (not only `main`) exits non-zero with the key on stderr."""
    script = Path(sys.executable).with_name("wheeld")
    file = write(tmp_path / "c.yaml", "server:\n  log_format: xml\n")
    result = subprocess.run(
        [str(script), "check-config", "--config", str(file), "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "HOME": str(tmp_path)},
        check=False,
    )
    assert result.returncode != 0
    assert "server.log_format" in result.stderr
