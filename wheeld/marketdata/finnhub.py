"""Finnhub for the earnings calendar, dividends where the plan allows, and fallback quotes.

finnhub-python is blocking (requests), so every call runs in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import finnhub
import requests

from wheeld.clock import Clock
from wheeld.marketdata.base import (
    MarketDataProvider,
    NotSupported,
    ProviderError,
    retry_after_seconds,
    status_error,
)
from wheeld.marketdata.models import (
    Direction,
    DividendEvent,
    EarningsEvent,
    OptionChain,
    PriceBar,
    Quote,
)

SOURCE = "finnhub"
T = TypeVar("T")


def parse_quote(symbol: str, payload: Any, now: datetime) -> Quote | None:
    """A Quote from Finnhub's /quote answer; None for an unknown symbol (all zeros)."""
    if not isinstance(payload, dict):
        return None
    price = payload.get("c")
    if not isinstance(price, int | float) or price <= 0:
        return None
    stamp = payload.get("t")
    as_of = datetime.fromtimestamp(stamp, tz=UTC) if isinstance(stamp, int | float) and stamp > 0 else now
    previous = payload.get("pc")
    return Quote(
        symbol=symbol,
        price=float(price),
        bid=None,
        ask=None,
        volume=None,
        as_of=as_of,
        source=SOURCE,
        previous_close=float(previous) if isinstance(previous, int | float) and previous else None,
    )


def parse_earnings(payload: Any, wanted: set[str]) -> list[EarningsEvent]:
    """EarningsEvents from /calendar/earnings for the `wanted` symbols."""
    rows = payload.get("earningsCalendar") if isinstance(payload, dict) else None
    events = []
    for row in rows or []:
        symbol = str(row.get("symbol", "")).upper()
        if symbol not in wanted:
            continue
        try:
            day = date.fromisoformat(str(row.get("date")))
        except ValueError:
            continue
        hour = row.get("hour") or None
        events.append(EarningsEvent(symbol=symbol, day=day, hour=hour, source=SOURCE))
    return sorted(set(events), key=lambda e: (e.day, e.symbol))


class FinnhubProvider(MarketDataProvider):
    """Finnhub's REST API through finnhub-python, off the event loop."""

    name = "finnhub"

    def __init__(
        self,
        api_key: str,
        clock: Clock,
        *,
        api_url: str | None = None,
        request_timeout: float = 10.0,
        max_concurrency: int = 4,
    ) -> None:
        self._client = finnhub.Client(api_key=api_key)
        # finnhub-python sends the key as ?token=, and URLs end up in urllib3's debug log and in
        # requests' exception texts; Finnhub also accepts it as a header, which neither prints.
        session = self._client._session
        session.params.pop("token", None)
        session.headers["X-Finnhub-Token"] = api_key
        if api_url is not None:
            # API_URL is a class attribute; an instance attribute points this client elsewhere.
            self._client.API_URL = api_url.rstrip("/")
        self._client.DEFAULT_TIMEOUT = request_timeout
        self._clock = clock
        self._limit = asyncio.Semaphore(max_concurrency)
        self._dividends_in_plan = True

    def __repr__(self) -> str:
        return "FinnhubProvider()"

    async def _call(self, what: str, function: Callable[[], T]) -> T:
        async with self._limit:
            try:
                return await asyncio.to_thread(function)
            except finnhub.FinnhubAPIException as exc:
                retry_after = retry_after_seconds(exc.response.headers.get("Retry-After"), self._clock.now())
                raise status_error(self.name, what, exc.status_code, retry_after) from None
            except requests.Timeout:
                raise ProviderError(f"finnhub: {what} timed out", transient=True, provider=self.name) from None
            except requests.RequestException as exc:
                raise ProviderError(
                    f"finnhub: {what} failed: {type(exc).__name__}",
                    transient=True,
                    provider=self.name,
                ) from None
            except finnhub.FinnhubRequestException:
                raise ProviderError(
                    f"finnhub: {what} answered with something other than JSON",
                    transient=False,
                    provider=self.name,
                ) from None

    async def get_quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """Quotes (last price and previous close; Finnhub has no bid/ask) one request per symbol."""
        wanted = list(dict.fromkeys(s.upper() for s in symbols))

        async def one(symbol: str) -> tuple[str, Quote | None]:
            payload = await self._call(f"quote for {symbol}", lambda: self._client.quote(symbol))
            return symbol, parse_quote(symbol, payload, self._clock.now())

        answers = await asyncio.gather(*(one(symbol) for symbol in wanted))
        return {symbol: quote for symbol, quote in answers if quote is not None}

    async def get_option_chain(
        self,
        symbol: str,
        direction: Direction | None = None,
        min_dte: int | None = None,
        max_dte: int | None = None,
        strike_count: int | None = None,
    ) -> OptionChain:
        """Not offered: Finnhub has no option chains on its standard plans."""
        raise NotSupported(self.name, "option chains")

    async def get_price_history(self, symbol: str, days: int = 365) -> list[PriceBar]:
        """Not offered: Finnhub's candles are a premium endpoint."""
        raise NotSupported(self.name, "price history")

    async def get_earnings(self, symbols: Sequence[str], start: date, end: date) -> list[EarningsEvent]:
        """Earnings dates: one request for one symbol, else one for the whole range, filtered."""
        wanted = {s.upper() for s in symbols}
        if not wanted:
            return []
        only = next(iter(wanted)) if len(wanted) == 1 else ""
        payload = await self._call(
            "earnings calendar",
            lambda: self._client.earnings_calendar(_from=start.isoformat(), to=end.isoformat(), symbol=only),
        )
        return [e for e in parse_earnings(payload, wanted) if start <= e.day <= end]

    async def get_dividends(self, symbols: Sequence[str], start: date, end: date) -> list[DividendEvent]:
        """Dividends by ex-date; [] when the API key's plan does not include them (HTTP 401/403)."""
        if not self._dividends_in_plan:
            return []
        events: list[DividendEvent] = []
        for symbol in dict.fromkeys(s.upper() for s in symbols):
            try:
                rows = await self._call(
                    f"dividends for {symbol}",
                    lambda symbol=symbol: self._client.stock_dividends(
                        symbol, _from=start.isoformat(), to=end.isoformat()
                    ),
                )
            except ProviderError as exc:
                if exc.status in (401, 403):
                    self._dividends_in_plan = False
                    return []
                raise
            for row in rows if isinstance(rows, list) else []:
                try:
                    ex_date = date.fromisoformat(str(row.get("date")))
                    amount = float(row.get("amount"))
                except (TypeError, ValueError):
                    continue
                if start <= ex_date <= end:
                    events.append(DividendEvent(symbol, ex_date, amount, SOURCE))
        return sorted(events, key=lambda e: (e.ex_date, e.symbol))

    def health(self) -> dict[str, Any]:
        """Configured (Finnhub needs no token refresh)."""
        return {"status": "ok", "detail": "finnhub configured"}

    async def close(self) -> None:
        """Close the requests session."""
        self._client.close()
