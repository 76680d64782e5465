"""The one async interface every market-data provider implements, and the error it raises."""

from __future__ import annotations

import email.utils
import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from wheeld.marketdata.models import (
    Direction,
    DividendEvent,
    EarningsEvent,
    OptionChain,
    PriceBar,
    Quote,
)


class ProviderError(Exception):
    """An upstream call failed; `transient` says whether trying again may help."""

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        retry_after: float | None = None,
        status: int | None = None,
        provider: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.retry_after = retry_after
        self.status = status
        self.provider = provider

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, transient={self.transient}, "
            f"status={self.status}, retry_after={self.retry_after})"
        )


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), if parseable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


def status_error(
    provider: str,
    what: str,
    status: int,
    retry_after: float | None = None,
    auth_hint: str | None = None,
) -> ProviderError:
    """The ProviderError for an HTTP status: 408, 429 and 5xx are transient, any other 4xx final."""
    transient = status in (408, 429) or status >= 500
    hint = f": {auth_hint}" if auth_hint and status in (401, 403) else ""
    return ProviderError(
        f"{provider}: {what} answered HTTP {status}{hint}",
        transient=transient,
        retry_after=retry_after if transient else None,
        status=status,
        provider=provider,
    )


class NotSupported(ProviderError):
    """The provider does not offer this kind of data (not a failure of the provider)."""

    def __init__(self, provider: str, what: str) -> None:
        super().__init__(f"{provider} does not provide {what}", transient=False, provider=provider)


class MarketDataProvider(ABC):
    """Quotes, option chains, daily history, earnings and dividends from one source."""

    name: str = "provider"
    simulated: bool = False

    @abstractmethod
    async def get_quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """Latest quotes for many symbols in one upstream call; unknown symbols are left out."""

    @abstractmethod
    async def get_option_chain(
        self,
        symbol: str,
        direction: Direction | None = None,
        min_dte: int | None = None,
        max_dte: int | None = None,
        strike_count: int | None = None,
    ) -> OptionChain:
        """Options of `symbol`, optionally one direction, a calendar-DTE window and strikes near ATM.

        `strike_count` keeps that many strikes above and that many below the underlying price.
        """

    @abstractmethod
    async def get_price_history(self, symbol: str, days: int = 365) -> list[PriceBar]:
        """Daily bars for the last `days` calendar days, oldest first."""

    async def get_earnings(self, symbols: Sequence[str], start: date, end: date) -> list[EarningsEvent]:
        """Earnings reports dated from `start` through `end`, by date."""
        raise NotSupported(self.name, "earnings dates")

    async def get_dividends(self, symbols: Sequence[str], start: date, end: date) -> list[DividendEvent]:
        """Dividends with ex-dates from `start` through `end`; [] where unknown."""
        return []

    def health(self) -> dict[str, Any]:
        """Static health of the provider itself (no I/O): status ok/degraded/down and a detail."""
        return {"status": "ok", "detail": f"{self.name} configured"}

    async def close(self) -> None:
        """Release connections and threads."""
        return None
