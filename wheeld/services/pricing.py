"""Prices for the shares wheels hold: from the quote cache, and fetched on a read that finds none.

`price_refresh` keeps every symbol with shares held or an open option warm; a read (portfolio
summary, performance) that still finds a symbol with nothing cached asks the provider for all such
symbols in one batched call, bounded in count and time, so only a symbol the provider really has no
quote for stays unpriced. A cached quote past its TTL is used as it is, marked stale. A symbol the
provider could not price is not asked for again until a quote TTL has passed, so an outage or an
unknown symbol costs one bounded call per TTL, not one per read.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from wheeld.clock import Clock, utc_iso
from wheeld.domain.money import to_cents
from wheeld.errors import ExternalAPIError
from wheeld.marketdata.models import Quote
from wheeld.marketdata.service import MarketData, normalize_symbols

log = logging.getLogger(__name__)

MAX_FETCH_PER_READ = 500
FETCH_TIMEOUT_SECONDS = 2.0


class HeldPrices:
    """Quotes for a read: cached ones at once, the missing ones in one bounded provider call."""

    def __init__(
        self,
        market: MarketData,
        clock: Clock,
        max_fetch: int = MAX_FETCH_PER_READ,
        timeout: float = FETCH_TIMEOUT_SECONDS,
    ) -> None:
        self.market = market
        self.clock = clock
        self.max_fetch = max_fetch
        self.timeout = timeout
        self._missed: dict[str, float] = {}  # symbol -> monotonic time of the last fetch that found nothing

    async def quotes(self, symbols: Iterable[str]) -> dict[str, Quote]:
        """Quotes by symbol; a symbol left out has no quote (provider down, unknown or over the bound)."""
        found: dict[str, Quote] = {}
        missing: list[str] = []
        now = self.clock.monotonic()
        retry_after = self.market.ttls.quotes
        for symbol in normalize_symbols(symbols):
            quote = self.market.peek_quote(symbol)
            if quote is not None:
                found[symbol] = quote
            elif now - self._missed.get(symbol, -retry_after) >= retry_after:
                missing.append(symbol)
        if missing:
            batch = missing[: self.max_fetch]
            try:
                found.update(await asyncio.wait_for(self.market.quotes(batch), self.timeout))
            except (ExternalAPIError, TimeoutError) as exc:
                log.warning("no quote for %d held symbol(s): %s", len(batch), exc)
            for symbol in batch:
                if symbol in found:
                    self._missed.pop(symbol, None)
                else:
                    self._missed[symbol] = now
        return found


def price_cents(quotes: Mapping[str, Quote], symbol: str) -> int | None:
    """The last price of `symbol` in cents, or None when unpriced."""
    quote = quotes.get(symbol)
    return to_cents(quote.price) if quote is not None else None


def quote_age_fields(quotes: Mapping[str, Quote], symbols: Iterable[str]) -> dict[str, Any]:
    """How fresh the prices behind an aggregate are: the oldest quote's time and age, the stale symbols."""
    used = [quotes[s] for s in sorted(set(symbols)) if s in quotes]
    oldest = min(used, key=lambda q: q.as_of, default=None)
    return {
        "price_as_of": utc_iso(oldest.as_of) if oldest is not None else None,
        "price_age_seconds": round(oldest.age_seconds, 1) if oldest is not None else None,
        "price_stale": any(q.stale for q in used) if used else None,
        "stale_symbols": sorted(q.symbol for q in used if q.stale),
    }


def quote_fields(quote: Quote | None) -> dict[str, Any]:
    """One price's source, time, true age and stale flag (all None without a quote)."""
    if quote is None:
        return {"price_source": None, "price_as_of": None, "price_age_seconds": None, "price_stale": None}
    return {
        "price_source": quote.source,
        "price_as_of": utc_iso(quote.as_of),
        "price_age_seconds": round(quote.age_seconds, 1),
        "price_stale": quote.stale,
    }
