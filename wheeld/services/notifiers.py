"""Where alerts go (FR-9): always the log, and every configured notifier — a generic JSON webhook, ntfy,
Slack — several at once (`wheeld.notifier_channels` reads the configuration).

- `webhook` receives ``{"text", "content", "title", "alert"}``: `text` is what Slack and Mattermost show,
  `content` what Discord shows, `title` a short headline, and `alert` the alert as the API returns it.
- `ntfy` gets ntfy's JSON publish at the server's root: topic, message, title, a priority from the
  severity, tags and a click URL opening the daemon's page (with `Authorization: Bearer` for a token).
- `slack` gets an incoming webhook's ``{"text"}``.

A failed POST (connection error, timeout, HTTP 429 or 5xx) is retried with exponential backoff; any other
HTTP error is final. Delivery never raises into the caller: it returns what happened per channel, and
the alert service records it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp

from wheeld import __version__
from wheeld.config import Config
from wheeld.domain.alerts import severity_rank
from wheeld.domain.risk import RISK_ICONS, RiskLevel
from wheeld.notifier_channels import Channel, configured_channels

DeliveryStatus = Literal["sent", "failed", "skipped"]
# ntfy's priorities run 1 (min) to 5 (urgent); an alert in the money is worth waking the phone for.
NTFY_PRIORITY = {"LOW": 2, "MEDIUM": 3, "HIGH": 5}
NTFY_TAGS = {"LOW": "information_source", "MEDIUM": "warning", "HIGH": "rotating_light"}
# The first retry waits this long, each next one twice as long, capped.
BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0
MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class Delivery:
    """How one alert went to one channel."""

    channel: str  # "log" or the notifier's kind: "webhook", "ntfy", "slack"
    status: DeliveryStatus
    attempts: int
    error: str | None = None
    notifier: str = ""  # the notifier's name in notifiers.channels ("webhook" for notifiers.webhook_url)


@dataclass(frozen=True)
class NotifierSettings:
    """The `notifiers.*` configuration keys."""

    webhook_url: str = ""
    webhook_timeout_seconds: float = 10.0
    webhook_retries: int = 3
    min_severity: str = "MEDIUM"
    channels: tuple[Channel, ...] = ()
    public_url: str = "http://127.0.0.1:8000"

    @classmethod
    def from_config(cls, config: Config) -> NotifierSettings:
        """Read the settings from a configuration."""
        host = str(config["server.host"])
        host = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else (f"[{host}]" if ":" in host else host)
        return cls(
            webhook_url=config["notifiers.webhook_url"],
            webhook_timeout_seconds=config["notifiers.webhook_timeout_seconds"],
            webhook_retries=config["notifiers.webhook_retries"],
            min_severity=config["notifiers.min_severity"],
            channels=configured_channels(config["notifiers.channels"], ""),
            public_url=(config["notifiers.public_url"] or f"http://{host}:{config['server.port']}").rstrip("/"),
        )

    def all_channels(self) -> tuple[Channel, ...]:
        """`webhook_url` as a webhook named "webhook", then the named notifiers."""
        return configured_channels({}, self.webhook_url) + tuple(
            c for c in self.channels if not (self.webhook_url and c.name == "webhook")
        )


@dataclass(frozen=True)
class Outgoing:
    """One HTTP POST to a notifier service."""

    url: str
    body: bytes
    headers: dict[str, str]


class _Retry(Exception):
    """A webhook attempt failed in a way worth retrying."""


class Notifier:
    """Delivers alerts to the log and, when configured, to a webhook (settings are read per delivery)."""

    def __init__(
        self,
        settings: Callable[[], NotifierSettings],
        *,
        logger: logging.Logger | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        backoff_seconds: float = BACKOFF_SECONDS,
    ) -> None:
        self._settings = settings
        self._logger = logger or logging.getLogger("wheeld.alerts")
        self._sleep = sleep
        self._backoff_seconds = backoff_seconds
        self._session: aiohttp.ClientSession | None = None

    async def deliver(self, alert: Mapping[str, Any], *, every_severity: bool = False) -> list[Delivery]:
        """Send one alert to the log and every notifier at once; returns what happened on each (never raises).

        `every_severity` ignores the min_severity settings (`wheeld notify-test`: a person asked)."""
        settings = self._settings()
        sent = await asyncio.gather(
            *(self._to_channel(alert, channel, settings, every_severity) for channel in settings.all_channels())
        )
        return [self._to_log(alert), *sent]

    async def close(self) -> None:
        """Close the HTTP session, if one was opened."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _to_log(self, alert: Mapping[str, Any]) -> Delivery:
        level = logging.WARNING if alert["severity"] == "HIGH" else logging.INFO
        self._logger.log(
            level,
            "alert %s [%s] %s (alert %s)",
            alert["kind"],
            alert["severity"],
            alert["message"],
            alert["id"],
        )
        return Delivery("log", "sent", 1)

    async def _to_channel(
        self, alert: Mapping[str, Any], channel: Channel, settings: NotifierSettings, every_severity: bool
    ) -> Delivery:
        least = channel.min_severity or settings.min_severity
        if not every_severity and severity_rank(alert["severity"]) < severity_rank(least):
            key = (
                f"notifiers.channels.{channel.name}.min_severity" if channel.min_severity else "notifiers.min_severity"
            )
            return Delivery(channel.kind, "skipped", 0, f"severity below {key} {least}", channel.name)
        outgoing = REQUESTS[channel.kind](channel, alert, settings.public_url)
        attempts, error = 0, "not attempted"
        for attempt in range(1, settings.webhook_retries + 2):
            attempts = attempt
            try:
                await self._post(outgoing, settings.webhook_timeout_seconds)
            except _Retry as exc:
                error = _without(channel, str(exc))
            except Exception as exc:  # a final failure (4xx, a bad URL): retrying will not help
                error = _without(channel, f"{type(exc).__name__}: {exc}")
                break
            else:
                return Delivery(channel.kind, "sent", attempts, None, channel.name)
            if attempt <= settings.webhook_retries:
                self._logger.info(
                    "alert %s notifier %s attempt %d failed (%s); retrying", alert["id"], channel.name, attempt, error
                )
                await self._sleep(min(MAX_BACKOFF_SECONDS, self._backoff_seconds * 2 ** (attempt - 1)))
        self._logger.warning(
            "alert %s notifier %s (%s) failed after %d attempt(s): %s",
            alert["id"],
            channel.name,
            channel.kind,
            attempts,
            error,
        )
        return Delivery(channel.kind, "failed", attempts, error[:MAX_ERROR_CHARS], channel.name)

    async def _post(self, outgoing: Outgoing, timeout: float) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(headers={"User-Agent": f"wheeld/{__version__}"})
        try:
            async with self._session.post(
                outgoing.url,
                data=outgoing.body,
                headers=outgoing.headers,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                if response.status < 300:
                    return
                if response.status == 429 or response.status >= 500:
                    raise _Retry(f"HTTP {response.status}")
                raise WebhookRefused(f"HTTP {response.status}")
        except TimeoutError:
            raise _Retry(f"timed out after {timeout} s") from None
        except aiohttp.ClientConnectionError as exc:
            raise _Retry(f"{type(exc).__name__}: {exc}") from None


class WebhookRefused(Exception):
    """The webhook answered with an HTTP error that retrying will not fix (4xx but 429)."""


def alert_text(alert: Mapping[str, Any]) -> str:
    """One line for people: the severity's icon, severity, kind and message."""
    try:
        icon = RISK_ICONS[RiskLevel(alert["severity"])] + " "
    except ValueError:
        icon = ""
    return f"{icon}{alert['severity']} {alert['kind']}: {alert['message']}"


def alert_title(alert: Mapping[str, Any]) -> str:
    """A short headline."""
    return f"wheeld alert: {alert['kind']}"


def webhook_payload(alert: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body POSTed to a generic webhook for an alert."""
    text = alert_text(alert)
    return {"text": text, "content": text, "title": alert_title(alert), "alert": dict(alert)}


def ntfy_payload(channel: Channel, alert: Mapping[str, Any], public_url: str) -> dict[str, Any]:
    """ntfy's JSON publish (https://docs.ntfy.sh/publish/#publish-as-json) for an alert."""
    severity = str(alert["severity"])
    return {
        "topic": channel.topic,
        "message": str(alert["message"]),
        "title": f"{alert_title(alert)} ({severity})",
        "priority": NTFY_PRIORITY.get(severity, 3),
        "tags": [NTFY_TAGS.get(severity, "bell"), str(alert["kind"]), *channel.tags],
        "click": f"{public_url}/",
    }


def slack_payload(alert: Mapping[str, Any]) -> dict[str, Any]:
    """A Slack incoming webhook's message for an alert."""
    return {"text": alert_text(alert)}


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, default=str, ensure_ascii=False).encode()


_JSON = {"Content-Type": "application/json"}
REQUESTS: dict[str, Callable[[Channel, Mapping[str, Any], str], Outgoing]] = {
    "webhook": lambda channel, alert, _url: Outgoing(channel.url, _json(webhook_payload(alert)), dict(_JSON)),
    "slack": lambda channel, alert, _url: Outgoing(channel.url, _json(slack_payload(alert)), dict(_JSON)),
    "ntfy": lambda channel, alert, url: Outgoing(
        channel.url + "/",
        _json(ntfy_payload(channel, alert, url)),
        {**_JSON, **({"Authorization": f"Bearer {channel.token}"} if channel.token else {})},
    ),
}


def _without(channel: Channel, text: str) -> str:
    """`text` with the notifier's URL and token masked: a URL may embed a token."""
    for secret in channel.secrets:
        text = text.replace(secret, f"<{channel.name} {'token' if secret == channel.token else 'url'}>")
    return text
