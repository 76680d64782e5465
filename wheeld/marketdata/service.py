"""MarketData: the one object the rest of wheeld asks for prices, chains, history and events.

It caches (per-kind TTLs), coalesces concurrent requests, batches quote misses into one provider
call, retries transient failures behind a circuit breaker, falls back to a second quote provider,
and, when upstream fails, serves expired cache entries marked stale with their age. With nothing
to serve it raises ExternalAPIError (HTTP 502); it never lets a provider fault escape otherwise.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from wheeld.clock import Clock, utc_iso
from wheeld.errors import ExternalAPIError
from wheeld.market_calendar import TradingCalendar
from wheeld.marketdata.base import MarketDataProvider, NotSupported, ProviderError
from wheeld.marketdata.cache import Missing, TTLCache
from wheeld.marketdata.freshness import is_quote_stale, quote_age_seconds
from wheeld.marketdata.models import (
    Direction,
    DividendEvent,
    EarningsEvent,
    OptionChain,
    PriceBar,
    Quote,
)
from wheeld.marketdata.resilience import CircuitBreaker, Resilient, RetryPolicy

T = TypeVar("T")
log = logging.getLogger(__name__)

_SEVERITY = {"ok": 0, "degraded": 1, "down": 2}


@dataclass(frozen=True, slots=True)
class CacheTTLs:
    """Seconds each kind of market data stays fresh."""

    quotes: float = 300.0
    chains: float = 900.0
    history: float = 86_400.0
    events: float = 86_400.0

    def by_kind(self) -> dict[str, float]:
        """The TTLs keyed by cache kind."""
        return {
            "quote": self.quotes,
            "chain": self.chains,
            "history": self.history,
            "earnings": self.events,
            "dividends": self.events,
        }


def normalize_symbols(symbols: Iterable[str]) -> list[str]:
    """Upper-cased, stripped, de-duplicated symbols in their first-seen order."""
    return list(dict.fromkeys(s.strip().upper() for s in symbols if s and s.strip()))


class MarketData:
    """Cached, coalesced, resilient market data over a primary provider (and optional others)."""

    def __init__(
        self,
        provider: MarketDataProvider,
        clock: Clock,
        *,
        fallback: MarketDataProvider | None = None,
        events_provider: MarketDataProvider | None = None,
        ttls: CacheTTLs | None = None,
        retry: RetryPolicy | None = None,
        failure_threshold: int = 5,
        cooldown: float = 60.0,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        uniform: Callable[[], float] | None = None,
        max_entries: int = 20_000,
        calendar: TradingCalendar | None = None,
    ) -> None:
        self.provider = provider
        # Decides when a quote is stale (market open or closed); weekdays stand in without XNYS.
        self.calendar = calendar or TradingCalendar.weekdays_only()
        self.fallback = fallback
        self.events_provider = events_provider or provider
        self.ttls = ttls or CacheTTLs()
        self._clock = clock
        self._cache = TTLCache(clock, self.ttls.by_kind(), max_entries=max_entries)
        self._guards: dict[int, Resilient] = {}
        for member in self._providers():
            self._guards[id(member)] = Resilient(
                member.name,
                clock,
                policy=retry,
                breaker=CircuitBreaker(clock, failure_threshold=failure_threshold, cooldown=cooldown),
                sleep=sleep,
                uniform=uniform,
            )

    def _providers(self) -> list[MarketDataProvider]:
        members: list[MarketDataProvider] = []
        for member in (self.provider, self.fallback, self.events_provider):
            if member is not None and all(member is not seen for seen in members):
                members.append(member)
        return members

    def guard(self, provider: MarketDataProvider) -> Resilient:
        """The retry/circuit wrapper of one of this service's providers."""
        return self._guards[id(provider)]

    @property
    def simulated(self) -> bool:
        """Whether the primary data are simulated."""
        return self.provider.simulated

    @property
    def source(self) -> str:
        """Name of the primary provider."""
        return self.provider.name

    # --- quotes ---------------------------------------------------------------------------

    async def _load_quotes(self, symbols: list[Hashable]) -> dict[Hashable, Quote]:
        wanted = [str(s) for s in symbols]
        primary = self.provider
        try:
            return dict(
                await self.guard(primary).call(
                    lambda: primary.get_quotes(wanted), what=f"quotes for {len(wanted)} symbols"
                )
            )
        except ProviderError as exc:
            fallback = self.fallback
            if fallback is None:
                raise
            log.warning("%s quotes failed (%s); trying %s", primary.name, exc, fallback.name)
            try:
                return dict(
                    await self.guard(fallback).call(
                        lambda: fallback.get_quotes(wanted), what=f"quotes for {len(wanted)} symbols"
                    )
                )
            except ProviderError as second:
                raise ProviderError(
                    f"{exc}; fallback {fallback.name}: {second}",
                    transient=exc.transient,
                    retry_after=exc.retry_after,
                    status=exc.status,
                    provider=primary.name,
                ) from second

    def dated(self, quote: Quote, *, upstream_failed: bool = False) -> Quote:
        """`quote` with its true age (now − as_of) and stale flag (see `wheeld.marketdata.freshness`).

        A quote served from an expired entry because upstream failed is stale whatever its time stamp.
        """
        now = self._clock.now()
        stale = upstream_failed or is_quote_stale(quote.as_of, now, self.ttls.quotes, self.calendar)
        return quote.aged(quote_age_seconds(quote.as_of, now), stale=stale)

    async def quotes(self, symbols: Iterable[str], *, refresh: bool = False) -> dict[str, Quote]:
        """Quotes for `symbols`, cache misses (all of them with `refresh`) fetched in ONE provider call.

        Every quote carries its true age (now − as_of) and its stale flag. Symbols the provider does
        not know are left out. When upstream fails, symbols with an expired cache entry come back
        `stale=True`; symbols with nothing cached are left out. ExternalAPIError only when upstream
        failed and nothing could be served.
        """
        wanted = normalize_symbols(symbols)
        if not wanted:
            return {}
        outcomes = await self._cache.get_many_or_load("quote", wanted, self._load_quotes, refresh=refresh)
        served: dict[str, Quote] = {}
        failures: dict[str, BaseException] = {}
        for count, symbol in enumerate(wanted, start=1):
            if count % 64 == 0:
                await asyncio.sleep(0)  # hundreds of symbols: let requests in between slices
            outcome = outcomes[symbol]
            if isinstance(outcome, Quote):
                served[symbol] = self.dated(outcome)
                continue
            if isinstance(outcome, Missing):
                continue
            entry = self._cache.peek("quote", symbol)
            if entry is not None:
                served[symbol] = self.dated(entry.value, upstream_failed=True)
            else:
                failures[symbol] = outcome
        if failures and not served:
            raise self._external_error("quotes", sorted(failures), next(iter(failures.values())))
        return served

    async def quote(self, symbol: str) -> Quote:
        """One quote (fresh or stale); ExternalAPIError when there is none to give."""
        wanted = normalize_symbols([symbol])
        if not wanted:
            raise ValueError("symbol is empty")
        found = (await self.quotes(wanted)).get(wanted[0])
        if found is None:
            raise ExternalAPIError(
                f"no quote for {wanted[0]} from {self.provider.name}",
                {"provider": self.provider.name, "symbols": wanted, "reason": "unknown symbol"},
            )
        return found

    def peek_quote(self, symbol: str) -> Quote | None:
        """The cached quote for `symbol` without any I/O, with its true age and stale flag."""
        entry = self._cache.peek("quote", symbol.strip().upper())
        if entry is None:
            return None
        return self.dated(entry.value)

    # --- everything else --------------------------------------------------------------------

    async def _cached(
        self,
        kind: str,
        key: Hashable,
        provider: MarketDataProvider,
        what: str,
        fetch: Callable[[], Awaitable[T]],
    ) -> tuple[T, float, bool]:
        """(value, age, stale) from the cache or `fetch`, stale on failure when cached."""
        try:
            value = await self._cache.get_or_load(kind, key, lambda: self.guard(provider).call(fetch, what=what))
        except NotSupported:
            raise
        except ProviderError as exc:
            entry = self._cache.peek(kind, key)
            if entry is None:
                raise self._external_error(kind, [what], exc) from exc
            log.warning("%s: serving stale %s (%.0f s old): %s", provider.name, what, entry.age_seconds, exc)
            return entry.value, entry.age_seconds, True
        entry = self._cache.peek(kind, key)
        return value, (entry.age_seconds if entry is not None else 0.0), False

    async def chain(
        self,
        symbol: str,
        direction: Direction | None = None,
        min_dte: int | None = None,
        max_dte: int | None = None,
        strike_count: int | None = None,
    ) -> OptionChain:
        """The option chain (see MarketDataProvider.get_option_chain), stale-marked if served old."""
        symbol = symbol.strip().upper()
        provider = self.provider
        try:
            value, age, stale = await self._cached(
                "chain",
                (symbol, direction, min_dte, max_dte, strike_count),
                provider,
                f"option chain for {symbol}",
                lambda: provider.get_option_chain(symbol, direction, min_dte, max_dte, strike_count),
            )
        except NotSupported as exc:
            raise self._external_error("chain", [symbol], exc) from exc
        return value.aged(age, stale=stale)

    def peek_chain(
        self, symbol: str, direction: Direction | None = None, min_dte: int | None = None, max_dte: int | None = None
    ) -> OptionChain | None:
        """The cached chain of `chain(symbol, direction, min_dte, max_dte)` without any I/O (None when
        never fetched), stale-marked once past its TTL."""
        entry = self._cache.peek("chain", (symbol.strip().upper(), direction, min_dte, max_dte, None))
        if entry is None:
            return None
        chain: OptionChain = entry.value
        return chain.aged(entry.age_seconds, stale=not entry.fresh)

    async def history(self, symbol: str, days: int = 365) -> list[PriceBar]:
        """Daily bars over the last `days` calendar days, oldest first (stale ones on outage)."""
        symbol = symbol.strip().upper()
        provider = self.provider
        try:
            bars, _, _ = await self._cached(
                "history",
                (symbol, days),
                provider,
                f"price history for {symbol}",
                lambda: provider.get_price_history(symbol, days),
            )
        except NotSupported as exc:
            raise self._external_error("history", [symbol], exc) from exc
        return list(bars)

    async def earnings(self, symbols: Sequence[str], start: date, end: date) -> list[EarningsEvent]:
        """Earnings dates from `start` through `end`; [] when no configured provider has them."""
        wanted = normalize_symbols(symbols)
        if not wanted:
            return []
        provider = self.events_provider
        try:
            events, _, _ = await self._cached(
                "earnings",
                (tuple(sorted(wanted)), start, end),
                provider,
                "earnings calendar",
                lambda: provider.get_earnings(wanted, start, end),
            )
        except NotSupported:
            return []
        return list(events)

    async def dividends(self, symbols: Sequence[str], start: date, end: date) -> list[DividendEvent]:
        """Ex-dividend dates from `start` through `end`; [] where the provider does not know."""
        wanted = normalize_symbols(symbols)
        if not wanted:
            return []
        provider = self.provider
        try:
            events, _, _ = await self._cached(
                "dividends",
                (tuple(sorted(wanted)), start, end),
                provider,
                "dividends",
                lambda: provider.get_dividends(wanted, start, end),
            )
        except NotSupported:
            return []
        return list(events)

    def _external_error(self, kind: str, subjects: Sequence[str], cause: BaseException) -> ExternalAPIError:
        details: dict[str, Any] = {
            "provider": self.provider.name,
            "kind": kind,
            "subjects": list(subjects),
            "reason": str(cause),
        }
        if isinstance(cause, ProviderError) and cause.retry_after is not None:
            details["retry_after"] = round(cause.retry_after, 1)
        return ExternalAPIError(f"market data unavailable ({kind}): {cause}", details)

    # --- health and lifecycle -----------------------------------------------------------------

    def _member_health(self, provider: MarketDataProvider) -> dict[str, Any]:
        guard = self.guard(provider).status()
        static = provider.health()
        status = static.get("status", "ok")
        detail = static.get("detail", "")
        if guard["circuit"] != "closed":
            status = max(status, "degraded", key=_SEVERITY.__getitem__)
            detail = f"circuit {guard['circuit']} after repeated failures; {guard['last_error']}"
        elif guard["consecutive_failures"]:
            status = max(status, "degraded", key=_SEVERITY.__getitem__)
            detail = f"last call failed: {guard['last_error']}"
        report = {
            **static,
            "name": provider.name,
            "status": status,
            "detail": detail,
            "simulated": provider.simulated,
            **guard,
        }
        for moment in ("last_error_at", "last_success_at"):
            if report[moment] is not None:
                report[moment] = utc_iso(report[moment])
        return report

    def health(self) -> dict[str, Any]:
        """Provider name, simulated flag, circuit, last error and success, token warnings (no I/O)."""
        primary = self._member_health(self.provider)
        report: dict[str, Any] = {
            "provider": self.provider.name,
            "simulated": self.provider.simulated,
            "status": primary["status"],
            "detail": primary["detail"],
            "circuit": primary["circuit"],
            "last_error": primary["last_error"],
            "last_error_at": primary["last_error_at"],
            "last_success_at": primary["last_success_at"],
            "primary": primary,
            "cache_entries": len(self._cache),
            "ttls": self.ttls.by_kind(),
        }
        if self.fallback is not None:
            report["fallback"] = self._member_health(self.fallback)
        if self.events_provider is not self.provider:
            report["events"] = self._member_health(self.events_provider)
        return report

    async def close(self) -> None:
        """Cancel loads in flight and close every provider."""
        await self._cache.close()
        for member in self._providers():
            try:
                await member.close()
            except Exception:  # shutdown goes on whatever one provider does
                log.exception("closing %s failed", member.name)
