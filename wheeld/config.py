"""Configuration: every key with its default, type, documentation and whether changing it needs a restart.

Precedence: command-line flags > environment (`WHEELD_SECTION__KEY`) > config file (YAML, PRD §8.1
layout, `${ENV_VAR}` interpolation) > defaults. No file is needed: every key has a default.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from wheeld.domain.recommendation import profile_table, profiles_problem
from wheeld.domain.vocabulary import normalize_profile
from wheeld.errors import ConfigError
from wheeld.notifier_channels import channels_problem

ENV_PREFIX = "WHEELD_"
MASK = "********"
_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True)
class Key:
    """One configuration key: its type, default, constraints and documentation."""

    name: str
    type: type
    default: Any
    doc: str
    restart: bool = False
    secret: bool = False
    # A file-system path: set in the file, the environment or a flag, never over the API (a client must
    # not choose where the daemon writes).
    path: bool = False
    choices: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    check: Callable[[Any], str | None] | None = field(default=None, compare=False)


def _hosts_check(value: Any) -> str | None:
    if not all(isinstance(item, str) and item for item in value):
        return "must be a list of non-empty strings"
    return None


def _webhook_url_check(value: Any) -> str | None:
    if value and not re.match(r"^https?://[^\s/]+", value):
        return "must be an http:// or https:// URL, or empty"
    return None


def _profile_name_check(value: Any) -> str | None:
    try:
        normalize_profile(value)
    except ValueError as exc:
        return str(exc)
    return None


# The rule of `Plugin.name` (wheeld.plugins.base), repeated so config loads without the plugin machinery.
_PLUGIN_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _plugin_names_check(value: Any) -> str | None:
    if not all(isinstance(item, str) and _PLUGIN_NAME.match(item) for item in value):
        return "must be a list of plugin names (a-z, 0-9, _; starting with a letter)"
    return None


def _plugin_config_check(value: Any) -> str | None:
    for name, settings in value.items():
        if not _PLUGIN_NAME.match(name) or not isinstance(settings, Mapping):
            return "must map plugin names to mappings of their settings, e.g. {earnings_alert: {days: 10}}"
    return None


KEYS: tuple[Key, ...] = (
    Key(
        "server.host",
        str,
        "127.0.0.1",
        "Address to bind. Loopback by default; any other address logs a warning.",
        restart=True,
    ),
    Key("server.port", int, 8000, "TCP port to listen on.", restart=True, minimum=1, maximum=65535),
    Key("server.log_level", str, "INFO", "Log level.", choices=_LOG_LEVELS),
    Key(
        "server.log_format",
        str,
        "text",
        "Log format: human text or one JSON object a line.",
        choices=("text", "json"),
        restart=True,
    ),
    Key(
        "server.log_file",
        str,
        "",
        "Log to this file (rotated by size) instead of stderr; empty = stderr/journald.",
        restart=True,
        path=True,
    ),
    Key(
        "server.log_max_bytes",
        int,
        10_000_000,
        "Rotate the log file at this size.",
        restart=True,
        minimum=10_000,
    ),
    Key(
        "server.log_backup_count",
        int,
        5,
        "Rotated log files to keep.",
        restart=True,
        minimum=0,
        maximum=100,
    ),
    Key(
        "server.api_token",
        str,
        "",
        "Bearer token required on every /api/v1 route but health when set (for LAN use).",
        secret=True,
    ),
    Key(
        "server.allowed_hosts",
        list,
        [],
        "Extra Host header names accepted (loopback names always are).",
        check=_hosts_check,
    ),
    Key(
        "server.allowed_origins",
        list,
        [],
        "Extra Origins allowed to make state-changing requests (e.g. a web client).",
        check=_hosts_check,
    ),
    Key(
        "server.shutdown_timeout",
        float,
        10.0,
        "Seconds in-flight requests get to finish at shutdown.",
        restart=True,
        minimum=0,
        maximum=300,
    ),
    Key(
        "database.path",
        str,
        "",
        "SQLite file, relative to the data directory; empty = wheeld.db inside it.",
        restart=True,
        path=True,
    ),
    Key(
        "database.busy_timeout_ms",
        int,
        5000,
        "How long a connection waits on a lock before failing.",
        restart=True,
        minimum=0,
        maximum=600_000,
    ),
    Key("scheduler.enabled", bool, True, "Run background jobs.", restart=True),
    Key(
        "scheduler.timezone",
        str,
        "America/New_York",
        "Time zone cron expressions are evaluated in.",
        restart=True,
        choices=("America/New_York",),
    ),
    Key("scheduler.run_history_max_age_days", int, 90, "Prune job runs older than this.", minimum=1),
    Key(
        "scheduler.run_history_max_per_job",
        int,
        1000,
        "Keep at most this many runs per job.",
        minimum=10,
    ),
    Key(
        "market_hours.open_hour",
        int,
        9,
        "Market-hours gate: opening hour (New York).",
        minimum=0,
        maximum=23,
    ),
    Key(
        "market_hours.open_minute",
        int,
        30,
        "Market-hours gate: opening minute.",
        minimum=0,
        maximum=59,
    ),
    Key(
        "market_hours.close_hour",
        int,
        16,
        "Market-hours gate: closing hour (New York).",
        minimum=0,
        maximum=23,
    ),
    Key(
        "market_hours.close_minute",
        int,
        0,
        "Market-hours gate: closing minute.",
        minimum=0,
        maximum=59,
    ),
    Key(
        "market_hours.timezone",
        str,
        "America/New_York",
        "Time zone of the market hours.",
        restart=True,
        choices=("America/New_York",),
    ),
    Key(
        "market_data.provider",
        str,
        "simulated",
        "Market data source: simulated (offline, default), schwab or finnhub.",
        restart=True,
        choices=("simulated", "schwab", "finnhub"),
    ),
    Key(
        "market_data.timeout_seconds",
        float,
        10.0,
        "Timeout of one upstream call.",
        restart=True,
        minimum=0.1,
        maximum=120,
    ),
    Key(
        "market_data.max_retries",
        int,
        3,
        "Retries of a transient upstream failure.",
        restart=True,
        minimum=0,
        maximum=10,
    ),
    Key("external_apis.schwab.app_key", str, "", "Schwab app key.", restart=True, secret=True),
    Key("external_apis.schwab.app_secret", str, "", "Schwab app secret.", restart=True, secret=True),
    Key(
        "external_apis.schwab.callback_url",
        str,
        "https://127.0.0.1:8182",
        "Schwab OAuth callback URL.",
        restart=True,
    ),
    Key(
        "external_apis.schwab.token_file",
        str,
        "schwab_token.enc",
        "Encrypted token file, relative to the data directory.",
        restart=True,
        path=True,
    ),
    Key(
        "external_apis.finnhub.api_key",
        str,
        "",
        "Finnhub API key (earnings calendar, fallback quotes).",
        restart=True,
        secret=True,
    ),
    Key("external_apis.finnhub.enabled", bool, True, "Use Finnhub when a key is set.", restart=True),
    Key("caching.quote_ttl", int, 300, "Seconds a quote stays fresh.", minimum=1, maximum=86_400),
    Key(
        "caching.chain_ttl",
        int,
        900,
        "Seconds an option chain stays fresh.",
        minimum=1,
        maximum=86_400,
    ),
    Key(
        "caching.history_ttl",
        int,
        86_400,
        "Seconds daily price history stays fresh.",
        minimum=1,
        maximum=604_800,
    ),
    Key(
        "risk.medium_threshold_pct",
        float,
        5.0,
        "OTM cushion (%) below which a position is MEDIUM risk.",
        minimum=0,
        maximum=100,
    ),
    Key(
        "risk.approaching_dte",
        int,
        3,
        "Fewer calendar days to expiry than this is 'approaching expiration'.",
        minimum=0,
        maximum=60,
    ),
    Key(
        "notifiers.webhook_url",
        str,
        "",
        "POST each alert as JSON here (ntfy, Slack, Discord …); empty = alerts go to the log only."
        " Secret: such URLs often embed a token.",
        secret=True,
        check=_webhook_url_check,
    ),
    Key(
        "notifiers.webhook_timeout_seconds",
        float,
        10.0,
        "Timeout of one webhook POST.",
        minimum=0.1,
        maximum=120,
    ),
    Key(
        "notifiers.webhook_retries",
        int,
        3,
        "Retries of a failed webhook POST (connection error, timeout, HTTP 429 or 5xx), with backoff.",
        minimum=0,
        maximum=10,
    ),
    Key(
        "notifiers.min_severity",
        str,
        "MEDIUM",
        "Least severe alert sent to the webhook (the log gets every alert).",
        choices=("LOW", "MEDIUM", "HIGH"),
    ),
    Key(
        "notifiers.channels",
        dict,
        {},
        "Notifiers by name, as many as you like: {phone: {kind: ntfy, server: https://ntfy.sh, topic:"
        " wheel-alerts, token: tk_…, tags: [wheel]}, team: {kind: slack, url: https://hooks.slack.com/services/…},"
        " hook: {kind: webhook, url: https://…}}; each may set its own min_severity. ntfy gets the message,"
        " a title, a priority from the severity (LOW 2, MEDIUM 3, HIGH 5), tags and a click URL; slack an"
        " incoming-webhook `text`; webhook the JSON described in the README. Secret: URLs and tokens.",
        secret=True,
        check=channels_problem,
    ),
    Key(
        "notifiers.public_url",
        str,
        "",
        "The daemon's address as your phone reaches it, for ntfy's click URL (e.g. https://wheel.example.net);"
        " empty: http://server.host:server.port.",
        check=_webhook_url_check,
    ),
    Key(
        "recommendations.profiles",
        dict,
        profile_table(),
        "Strategy profiles by name: {delta: [min, max], sigma: [min, max], dte: [min, max], max_p_itm}."
        " Given values are merged field by field over the built-in conservative, moderate, aggressive and"
        " defensive; a new name is a user-defined profile starting from `base` (default moderate). A wheel"
        " naming a profile defined nowhere gets moderate's parameters and an UNKNOWN_PROFILE warning."
        " The advice on an open option reads `expire_dte` (default 2), `take_profit_pct` (50) and"
        " `roll_dte` (21) of its wheel's profile.",
        check=profiles_problem,
    ),
    Key(
        "recommendations.bias_delta_shift",
        float,
        0.03,
        "How far the trend moves the target |delta|: bullish puts and bearish calls closer to the money.",
        minimum=0,
        maximum=0.2,
    ),
    Key(
        "recommendations.risk_free_rate",
        float,
        0.04,
        "Annual risk-free rate in P(ITM) = N(d2).",
        minimum=0,
        maximum=0.25,
    ),
    Key(
        "recommendations.min_open_interest",
        int,
        100,
        "Open interest below this is THIN_LIQUIDITY.",
        minimum=0,
        maximum=1_000_000,
    ),
    Key(
        "recommendations.max_spread_pct",
        float,
        10.0,
        "A bid/ask spread above this % of the mid is THIN_LIQUIDITY.",
        minimum=0,
        maximum=200,
    ),
    Key(
        "recommendations.min_annualized_yield_pct",
        float,
        8.0,
        "An annualized premium yield on collateral below this % is LOW_PREMIUM_YIELD.",
        minimum=0,
        maximum=1000,
    ),
    Key(
        "recommendations.min_iv_rank",
        float,
        20.0,
        "An IV rank (0-100) below this is LOW_IV_RANK.",
        minimum=0,
        maximum=100,
    ),
    Key(
        "recommendations.short_dte",
        int,
        7,
        "A contract this many calendar days or fewer from expiration is SHORT_DTE.",
        minimum=0,
        maximum=60,
    ),
    Key(
        "recommendations.max_concurrency",
        int,
        8,
        "Symbols whose chains and history a batch or a scan fetches at once.",
        minimum=1,
        maximum=64,
    ),
    Key(
        "recommendations.notify_top_n",
        int,
        0,
        "After each opportunity scan, send its best N to the notifiers (log, webhook); 0 = off.",
        minimum=0,
        maximum=50,
    ),
    Key(
        "opportunities.profile",
        str,
        "moderate",
        "Profile of scan candidates with none of their own (a watchlist entry without one).",
        check=_profile_name_check,
    ),
    Key(
        "opportunities.min_iv_rank",
        float,
        0.0,
        "Scan default: leave out candidates whose IV rank is below this.",
        minimum=0,
        maximum=100,
    ),
    Key(
        "opportunities.min_annualized_yield_pct",
        float,
        0.0,
        "Scan default: leave out candidates whose put yields less than this % annualized.",
        minimum=0,
        maximum=1000,
    ),
    Key(
        "opportunities.earnings",
        str,
        "penalize",
        "Scan default for earnings before the put's expiration: penalize the score or exclude the candidate.",
        choices=("penalize", "exclude"),
    ),
    Key(
        "opportunities.earnings_penalty",
        float,
        25.0,
        "Scan default: points taken off a score when earnings fall before the put's expiration.",
        minimum=0,
        maximum=100,
    ),
    Key(
        "opportunities.min_open_interest",
        int,
        100,
        "Scan default: leave out candidates whose put has less open interest.",
        minimum=0,
        maximum=1_000_000,
    ),
    Key(
        "opportunities.max_spread_pct",
        float,
        10.0,
        "Scan default: leave out candidates whose put's bid/ask spread is above this % of the mid.",
        minimum=0,
        maximum=200,
    ),
    Key(
        "opportunities.top_n",
        int,
        20,
        "Scan default: how many ranked opportunities a scan keeps.",
        minimum=1,
        maximum=500,
    ),
    Key(
        "opportunities.keep_scans",
        int,
        30,
        "Keep the results of this many latest scans (older ones are deleted).",
        minimum=1,
        maximum=10_000,
    ),
    Key(
        "plugins.directory",
        str,
        "",
        "Directory of plugin files (*.py), relative to the data directory; empty = plugins/ inside it.",
        restart=True,
        path=True,
    ),
    Key(
        "plugins.enabled",
        list,
        [],
        "Plugins to register (and schedule) at start-up when they have no job yet, e.g. [earnings_alert,"
        " premium_target]. Off by default, the built-ins included; afterwards the plugins API's changes are kept.",
        restart=True,
        check=_plugin_names_check,
    ),
    Key(
        "plugins.config",
        dict,
        {},
        "Plugin settings by plugin name, e.g. {earnings_alert: {days: 10}}, checked against each plugin's schema"
        " at every run; settings given over the plugins API take precedence (docs/plugins.md).",
        check=_plugin_config_check,
    ),
)
KEYS_BY_NAME: dict[str, Key] = {key.name: key for key in KEYS}


class Config(Mapping[str, Any]):
    """The effective configuration: a flat, read-only mapping from dotted key to value."""

    def __init__(
        self,
        values: Mapping[str, Any],
        *,
        data_dir: Path,
        file: Path | None,
        sources: Mapping[str, str] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._values = dict(values)
        self.data_dir = data_dir
        self.file = file
        self.sources: dict[str, str] = dict(sources or {})
        # The environment it was read with: the next start expands `${VAR}` and WHEELD_* in it too.
        self.environ: Mapping[str, str] = os.environ if environ is None else environ

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    @property
    def database_path(self) -> Path:
        """The SQLite file: `database.path` (relative to the data directory) or wheeld.db inside it."""
        raw = self._values["database.path"]
        # A daemon's working directory means nothing (systemd starts it in /): anchor relative paths.
        return self.data_dir / Path(raw).expanduser() if raw else self.data_dir / "wheeld.db"

    def masked(self) -> dict[str, Any]:
        """Nested view for clients, with secrets replaced by a mask (or '' when unset)."""
        nested: dict[str, Any] = {}
        for name, value in self._values.items():
            # An unset secret shows as its empty value ('' or {}), which can be sent back as it is.
            shown = (MASK if value else value) if KEYS_BY_NAME[name].secret else value
            _set_nested(nested, name, shown)
        return nested

    def secrets(self) -> list[str]:
        """The secret values that are set (for the log redaction filter)."""
        return [leaf for k, v in self._values.items() if KEYS_BY_NAME[k].secret and v for leaf in _leaves(v)]

    def replace(self, changes: Mapping[str, Any]) -> Config:
        """A new Config with `changes` applied (already validated)."""
        return Config(
            {**self._values, **changes},
            data_dir=self.data_dir,
            file=self.file,
            sources={**self.sources, **dict.fromkeys(changes, "api")},
            environ=self.environ,
        )


def default_data_dir() -> Path:
    """`$XDG_DATA_HOME/wheeld`, else ~/.local/share/wheeld."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "wheeld"


def _set_nested(target: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[leaf] = value


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mapping → {dotted.key: value}; lists and scalars are leaves.

    A section left empty (YAML `server:` with every key commented out) reads as None: it is skipped.
    """
    flat: dict[str, Any] = {}
    for name, value in tree.items():
        dotted = f"{prefix}{name}"
        if isinstance(value, Mapping) and dotted not in KEYS_BY_NAME:
            flat.update(flatten(value, dotted + "."))
        elif value is None and dotted not in KEYS_BY_NAME and _is_section(dotted):
            continue
        else:
            flat[dotted] = value
    return flat


def _is_section(dotted: str) -> bool:
    return any(name.startswith(dotted + ".") for name in KEYS_BY_NAME)


def interpolate(value: Any, environ: Mapping[str, str], key: str) -> Any:
    """Replace `${VAR}` / `${VAR:-default}` in strings; an unset variable without default is an error."""
    if isinstance(value, list):
        return [interpolate(item, environ, key) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, fallback = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if fallback is not None:
            return fallback
        raise ConfigError(key, f"environment variable {name} is not set")

    return _INTERPOLATION.sub(substitute, value)


def coerce(key: Key, value: Any) -> Any:
    """Convert and check one value for `key`; raises ConfigError naming the key and the problem."""
    value = _convert(key, value)
    if key.choices is not None and value not in key.choices:
        raise ConfigError(key.name, f"must be one of {', '.join(map(str, key.choices))}, got {value!r}")
    if key.minimum is not None and value < key.minimum:
        raise ConfigError(key.name, f"must be >= {key.minimum}, got {value!r}")
    if key.maximum is not None and value > key.maximum:
        raise ConfigError(key.name, f"must be <= {key.maximum}, got {value!r}")
    if key.check is not None and (problem := key.check(value)):
        raise ConfigError(key.name, problem)
    return value


def _to_bool(key: Key, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    raise ConfigError(key.name, f"must be true or false, got {value!r}")


def _to_int(key: Key, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise ConfigError(key.name, f"must be an integer, got {value!r}")


def _to_float(key: Key, value: Any) -> float:
    if isinstance(value, bool):
        raise ConfigError(key.name, f"must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(key.name, f"must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ConfigError(key.name, f"must be a finite number, got {value!r}")
    return number


_NOT_SECRET = frozenset({"kind", "min_severity", "tags"})


def _leaves(value: Any) -> list[str]:
    """The text inside a secret value: a mapping of notifiers holds URLs, tokens and topics (on a public ntfy
    server the topic is the password) beside settings that are not secret."""
    if isinstance(value, Mapping):
        return [leaf for key, item in value.items() if key not in _NOT_SECRET for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value] if isinstance(value, str) and value else []


def _to_list(key: Key, value: Any) -> list[Any]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return list(value)
    raise ConfigError(key.name, f"must be a list, got {value!r}")


def _to_str(key: Key, value: Any) -> str:
    if isinstance(value, str):
        return value.upper() if key.name == "server.log_level" else value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ConfigError(key.name, f"must be a string, got {value!r}")


def _to_dict(key: Key, value: Any) -> dict[str, Any]:
    # An environment variable can only carry text: a mapping comes as JSON there.
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ConfigError(key.name, f"must be a mapping (JSON in an environment variable), got {value!r}") from None
    if not isinstance(value, Mapping):
        raise ConfigError(key.name, f"must be a mapping, got {value!r}")
    try:
        # A copy of plain JSON values: the API shows it, and nobody shares the caller's mapping.
        return json.loads(json.dumps(value))
    except (TypeError, ValueError):
        raise ConfigError(key.name, "must hold only strings, numbers, lists and mappings") from None


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_CONVERTERS: dict[type, Callable[[Key, Any], Any]] = {
    bool: _to_bool,
    int: _to_int,
    float: _to_float,
    list: _to_list,
    dict: _to_dict,
    str: _to_str,
}


def _convert(key: Key, value: Any) -> Any:
    return _CONVERTERS[key.type](key, value)


def validate_values(raw: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Check a flat mapping of raw values: unknown keys and bad values raise ConfigError."""
    result: dict[str, Any] = {}
    for name, value in raw.items():
        key = KEYS_BY_NAME.get(name)
        if key is None:
            raise ConfigError(name, f"unknown key (from {source})")
        result[name] = coerce(key, value)
    return result


def check_market_hours(values: Mapping[str, Any]) -> None:
    """Market hours must close after they open."""
    opens = values["market_hours.open_hour"] * 60 + values["market_hours.open_minute"]
    closes = values["market_hours.close_hour"] * 60 + values["market_hours.close_minute"]
    if closes <= opens:
        raise ConfigError("market_hours.close_hour", "market hours must close after they open")


def read_file(path: Path) -> dict[str, Any]:
    """Read a YAML config file into a nested dict (an empty file is an empty config)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("--config", f"file not found: {path}") from None
    except OSError as exc:
        raise ConfigError("--config", f"cannot read {path}: {exc.strerror}") from None
    return parse_file_text(text, path)


def parse_file_text(text: str, path: Path) -> dict[str, Any]:
    """A config file's YAML text as a nested dict, as a start reads it."""
    try:
        tree = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError("--config", f"{path} is not valid YAML: {exc}") from None
    except RecursionError:
        raise ConfigError("--config", f"{path} nests mappings or lists too deeply") from None
    if tree is None:
        return {}
    if not isinstance(tree, dict):
        raise ConfigError("--config", f"{path} must hold a mapping of sections")
    return tree


def _file_values(tree: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    flat = flatten(tree)
    # PRD §8.1 names the database by URL; accept sqlite:/// URLs as a path.
    if "database.url" in flat:
        url = str(interpolate(flat.pop("database.url"), environ, "database.url"))
        if not url.startswith("sqlite:///"):
            raise ConfigError("database.url", "only sqlite:/// URLs are supported")
        flat.setdefault("database.path", url.removeprefix("sqlite:///"))
    for ignored in (
        "server.workers",
        "database.echo",
        "scheduler.job_defaults.coalesce",
        "scheduler.job_defaults.max_instances",
    ):
        flat.pop(ignored, None)  # PRD keys with no meaning here (one process, our own scheduler)
    return {name: interpolate(value, environ, name) for name, value in flat.items()}


def _env_values(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for var, value in environ.items():
        if not var.startswith(ENV_PREFIX) or "__" not in var:
            continue
        name = var[len(ENV_PREFIX) :].lower().replace("__", ".")
        if name not in KEYS_BY_NAME:
            raise ConfigError(name, f"unknown key (from environment variable {var})")
        values[name] = value
    return values


def load_config(
    file: Path | None = None,
    *,
    data_dir: Path | None = None,
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Build the effective config from defaults, file, environment and flags (in rising precedence)."""
    environ = os.environ if environ is None else environ
    data_dir = (data_dir or Path(environ.get("WHEELD_DATA_DIR") or default_data_dir())).expanduser()
    if file is None and (data_dir / "config.yaml").is_file():
        file = data_dir / "config.yaml"
    tree = read_file(file) if file is not None else None
    return _assemble(tree, file, data_dir, flags or {}, environ)


def config_from_file_text(text: str, file: Path, data_dir: Path, environ: Mapping[str, str]) -> Config:
    """The config a start without flags would build from a file holding `text` (the same steps as
    load_config: YAML, `${VAR}` expansion, WHEELD_* variables, every check); raises ConfigError naming the key."""
    return _assemble(parse_file_text(text, file), file, data_dir, {}, environ)


def file_layer_values(text: str, file: Path, environ: Mapping[str, str]) -> dict[str, Any]:
    """The checked values a file holding `text` gives, `${VAR}` expanded."""
    return validate_values(_file_values(parse_file_text(text, file), environ), f"file {file}")


def _assemble(
    tree: Mapping[str, Any] | None,
    file: Path | None,
    data_dir: Path,
    flags: Mapping[str, Any],
    environ: Mapping[str, str],
) -> Config:
    values = {key.name: key.default for key in KEYS}
    sources = dict.fromkeys(values, "default")
    layers: list[tuple[str, Mapping[str, Any]]] = []
    if tree is not None:
        layers.append((f"file {file}", _file_values(tree, environ)))
    layers.append(("environment", _env_values(environ)))
    layers.append(("flags", {k: v for k, v in flags.items() if v is not None}))
    for source, layer in layers:
        checked = validate_values(layer, source)
        values.update(checked)
        sources.update(dict.fromkeys(checked, source.split(" ")[0]))
    check_market_hours(values)
    return Config(values, data_dir=data_dir, file=file, sources=sources, environ=environ)


def diff_restart_keys(changes: Iterable[str]) -> list[str]:
    """Which of the changed keys only take effect after a restart."""
    return sorted(name for name in changes if KEYS_BY_NAME[name].restart)


def render_file(tree: Mapping[str, Any]) -> str:
    """A nested config as the YAML text written to the file."""
    try:
        return yaml.safe_dump(dict(tree), sort_keys=True, default_flow_style=False)
    except RecursionError:
        raise ConfigError("body", "nests mappings or lists too deeply") from None


def write_file_atomically(path: Path, text: str) -> None:
    """Write a config file's text via a temp file and rename, mode 0600 (it may hold secrets)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".yaml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def merge_into_file_tree(tree: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Return the file's nested tree with dotted `changes` set in it (raw `${VAR}` texts elsewhere kept)."""
    merged = yaml.safe_load(yaml.safe_dump(tree)) or {}
    for name, value in changes.items():
        _set_nested(merged, name, value)
    return merged
