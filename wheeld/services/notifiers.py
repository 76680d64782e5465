"""Where alerts go (FR-9): always the log, and a webhook (ntfy, Slack, Discord …) when one is configured.

The webhook receives a JSON POST: ``{"text", "content", "title", "alert"}`` — `text` is what Slack and
Mattermost show, `content` what Discord shows, `title` a short headline, and `alert` the alert as
the API returns it. A failed POST (connection error, timeout, HTTP 429 or 5xx) is retried with
exponential backoff; any other HTTP error is final. Delivery never raises into the caller: it returns
what happened per channel, and the alert service records it.
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

DeliveryStatus = Literal["sent", "failed", "skipped"]
# The first retry waits this long, each next one twice as long, capped.
BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0
MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class Delivery:
    """How one alert went to one channel."""

    channel: Literal["log", "webhook"]
    status: DeliveryStatus
    attempts: int
    error: str | None = None


@dataclass(frozen=True)
class NotifierSettings:
    """The `notifiers.*` configuration keys."""

    webhook_url: str = ""
    webhook_timeout_seconds: float = 10.0
    webhook_retries: int = 3
    min_severity: str = "MEDIUM"

    @classmethod
    def from_config(cls, config: Config) -> NotifierSettings:
        """Read the settings from a configuration."""
        return cls(
            webhook_url=config["notifiers.webhook_url"],
            webhook_timeout_seconds=config["notifiers.webhook_timeout_seconds"],
            webhook_retries=config["notifiers.webhook_retries"],
            min_severity=config["notifiers.min_severity"],
        )


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

    async def deliver(self, alert: Mapping[str, Any]) -> list[Delivery]:
        """Send one alert to every channel; returns what happened on each (never raises)."""
        deliveries = [self._to_log(alert)]
        settings = self._settings()
        if settings.webhook_url:
            deliveries.append(await self._to_webhook(alert, settings))
        return deliveries

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

    async def _to_webhook(self, alert: Mapping[str, Any], settings: NotifierSettings) -> Delivery:
        if severity_rank(alert["severity"]) < severity_rank(settings.min_severity):
            return Delivery("webhook", "skipped", 0, f"severity below notifiers.min_severity {settings.min_severity}")
        body = json.dumps(webhook_payload(alert), default=str)
        attempts, error = 0, "not attempted"
        for attempt in range(1, settings.webhook_retries + 2):
            attempts = attempt
            try:
                await self._post(settings, body)
            except _Retry as exc:
                error = str(exc)
            except Exception as exc:  # a final failure (4xx, a bad URL): retrying will not help
                error = _without(settings.webhook_url, f"{type(exc).__name__}: {exc}")
                break
            else:
                return Delivery("webhook", "sent", attempts)
            if attempt <= settings.webhook_retries:
                self._logger.info("alert %s webhook attempt %d failed (%s); retrying", alert["id"], attempt, error)
                await self._sleep(min(MAX_BACKOFF_SECONDS, self._backoff_seconds * 2 ** (attempt - 1)))
        self._logger.warning("alert %s webhook delivery failed after %d attempt(s): %s", alert["id"], attempts, error)
        return Delivery("webhook", "failed", attempts, error[:MAX_ERROR_CHARS])

    async def _post(self, settings: NotifierSettings, body: str) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(headers={"User-Agent": f"wheeld/{__version__}"})
        try:
            async with self._session.post(
                settings.webhook_url,
                data=body,
                headers={"Content-Type": "application/json"},
                timeout=aiohttp.ClientTimeout(total=settings.webhook_timeout_seconds),
            ) as response:
                if response.status < 300:
                    return
                if response.status == 429 or response.status >= 500:
                    raise _Retry(f"HTTP {response.status}")
                raise WebhookRefused(f"HTTP {response.status}")
        except TimeoutError:
            raise _Retry(f"timed out after {settings.webhook_timeout_seconds} s") from None
        except aiohttp.ClientConnectionError as exc:
            raise _Retry(_without(settings.webhook_url, f"{type(exc).__name__}: {exc}")) from None


class WebhookRefused(Exception):
    """The webhook answered with an HTTP error that retrying will not fix (4xx but 429)."""


def webhook_payload(alert: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body POSTed for an alert."""
    try:
        icon = RISK_ICONS[RiskLevel(alert["severity"])] + " "
    except ValueError:
        icon = ""
    text = f"{icon}{alert['severity']} {alert['kind']}: {alert['message']}"
    return {"text": text, "content": text, "title": f"wheeld alert: {alert['kind']}", "alert": dict(alert)}


def _without(url: str, text: str) -> str:
    """`text` with the webhook URL masked: it may embed a token."""
    return text.replace(url, "<webhook url>") if url else text
