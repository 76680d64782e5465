"""The `wheel` CLI's own configuration: `~/.wheel_strategy/config.yaml` (PRD §8.2), every key documented here.

The file is optional; a missing key takes its default. The daemon's configuration is a separate file
(`wheeld check-config` shows it); direct mode reads it to find the database.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

TOKEN_ENV = "WHEEL_API_TOKEN"
URL_ENV = "WHEEL_API_URL"


@dataclass(frozen=True)
class SettingKey:
    """One key of the CLI configuration file."""

    name: str
    type: type
    default: Any
    doc: str


KEYS: tuple[SettingKey, ...] = (
    SettingKey("api.enabled", bool, True, "Talk to the daemon (API mode); false makes direct mode the default."),
    SettingKey(
        "api.base_url",
        str,
        "http://127.0.0.1:8000",
        f"Where the daemon listens ({URL_ENV} overrides it, and `--api-url` both).",
    ),
    SettingKey("api.timeout", float, 30.0, "Seconds to wait for the daemon's answer."),
    SettingKey(
        "api.token",
        str,
        "",
        f"The daemon's `server.api_token`, if it requires one (or set {TOKEN_ENV}; else the token in wheeld's"
        " own configuration is used).",
    ),
    SettingKey(
        "default_portfolio",
        str,
        "",
        "Portfolio name or id used when `--portfolio` is not given; empty: the daemon's default portfolio.",
    ),
    SettingKey(
        "fallback_to_direct",
        bool,
        False,
        "When the daemon is not running, open the database directly instead (with a notice on stderr).",
    ),
    SettingKey(
        "direct.config", str, "", "wheeld's configuration file for direct mode (default: as `wheeld` finds it)."
    ),
    SettingKey("direct.data_dir", str, "", "wheeld's data directory for direct mode (default: as `wheeld` finds it)."),
)
_BY_NAME = {key.name: key for key in KEYS}
_SECTIONS = {key.name.split(".")[0] for key in KEYS if "." in key.name}


class SettingsError(Exception):
    """The CLI configuration file is unreadable or holds a bad value (the message names the key)."""


@dataclass(frozen=True)
class Settings:
    """The effective CLI configuration."""

    api_enabled: bool = True
    base_url: str = "http://127.0.0.1:8000"
    timeout: float = 30.0
    token: str = ""
    default_portfolio: str = ""
    fallback_to_direct: bool = False
    wheeld_config: Path | None = None
    wheeld_data_dir: Path | None = None
    file: Path | None = None


def default_path() -> Path:
    """`~/.wheel_strategy/config.yaml`, where the old CLI kept its files."""
    return Path.home() / ".wheel_strategy" / "config.yaml"


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _coerce(key: SettingKey, value: Any) -> Any:
    if value is None:
        return key.default
    if key.type is bool and isinstance(value, bool):
        return value
    if key.type is float and isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    if key.type is str and isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    expected = {bool: "true or false", float: "a positive number", str: "text"}[key.type]
    raise SettingsError(f"{key.name}: must be {expected}, got {value!r}")


def check_base_url(url: str, source: str = "api.base_url") -> str:
    """An http(s) URL with a host, without a trailing slash; SettingsError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{source}: must be an http:// or https:// URL like http://127.0.0.1:8000, got {url!r}")
    return url.rstrip("/")


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Read the CLI configuration (`path`, else the default file if it exists) over the defaults."""
    environ = dict(os.environ) if environ is None else environ
    explicit = path is not None
    path = (path or default_path()).expanduser()
    values = {key.name: key.default for key in KEYS}
    if path.is_file():
        import yaml  # only when there is a file: `wheel` starts faster without it

        try:
            tree = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise SettingsError(f"cannot read {path}: {exc}") from None
        if not isinstance(tree, dict):
            raise SettingsError(f"{path}: must be a YAML mapping (api:, default_portfolio: …)")
        for name, value in _flatten(tree).items():
            if name in _SECTIONS:
                keys = ", ".join(k for k in _BY_NAME if k.startswith(f"{name}."))
                raise SettingsError(f"{path}: {name}: must be a section of keys ({keys})")
            if name not in _BY_NAME:
                raise SettingsError(f"{path}: unknown key {name!r}; known: {', '.join(_BY_NAME)}")
            values[name] = _coerce(_BY_NAME[name], value)
    elif explicit:
        raise SettingsError(f"no such configuration file: {path}")
    token = environ.get(TOKEN_ENV) or values["api.token"]
    url = environ.get(URL_ENV)
    return Settings(
        api_enabled=values["api.enabled"],
        base_url=check_base_url(url, URL_ENV) if url else check_base_url(values["api.base_url"]),
        timeout=values["api.timeout"],
        token=token,
        default_portfolio=values["default_portfolio"],
        fallback_to_direct=values["fallback_to_direct"],
        wheeld_config=Path(values["direct.config"]).expanduser() if values["direct.config"] else None,
        wheeld_data_dir=Path(values["direct.data_dir"]).expanduser() if values["direct.data_dir"] else None,
        file=path if path.is_file() else None,
    )
