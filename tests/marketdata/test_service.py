"""MarketData over the simulated provider: batching, coalescing, TTLs, stale serving, errors, health."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date

import pytest

from wheeld.errors import ExternalAPIError
from wheeld.marketdata.base import NotSupported, ProviderError
from wheeld.marketdata.models import Quote
from wheeld.marketdata.resilience import RetryPolicy
from wheeld.marketdata.service import CacheTTLs, MarketData
from wheeld.marketdata.simulated import SimulatedProvider


class RecordingUpstream(SimulatedProvider):
    """The simulation as an upstream that records its calls and can be switched off."""

    def __init__(self, *args, name: str = "upstream", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.name = name
        self.simulated = False
        self.quote_calls: list[list[str]] = []
        self.chain_calls = 0
        self.down = False
        self.gate: asyncio.Event | None = None
        self.closed = False

    async def _maybe_fail(self) -> None:
        if self.gate is not None:
            await self.gate.wait()
        if self.down:
            raise ProviderError(f"{self.name}: HTTP 503", transient=True, status=503)

    async def get_quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        self.quote_calls.append(list(symbols))
        await self._maybe_fail()
        return await super().get_quotes(symbols)

    async def get_option_chain(self, symbol, *args, **kwargs):
        self.chain_calls += 1
        await self._maybe_fail()
        return await super().get_option_chain(symbol, *args, **kwargs)

    async def close(self) -> None:
        self.closed = True


@pytest.fixture
def upstream(clock, xnys) -> RecordingUpstream:
    return RecordingUpstream(clock, xnys)


@pytest.fixture
async def market(upstream, clock):
    service = MarketData(upstream, clock, retry=RetryPolicy(attempts=2, timeout=1.0), uniform=lambda: 0.0)
    yield service
    await service.close()


async def test_cache_misses_go_upstream_in_one_batch(market, upstream):
    first = [f"S{i}" for i in range(100)]
    quotes = await market.quotes(first)
    assert len(quotes) == 100
    assert upstream.quote_calls == [first]
    mixed = [*first[:50], "NEW1", "NEW2"]
    await market.quotes(mixed)
    assert upstream.quote_calls[1] == ["NEW1", "NEW2"]
    assert len(upstream.quote_calls) == 2


async def test_concurrent_quote_requests_are_coalesced(market, upstream):
    upstream.gate = asyncio.Event()
    requests = [asyncio.create_task(market.quotes(["AAPL", "KO"])) for _ in range(10)]
    await asyncio.sleep(0)
    upstream.gate.set()
    answers = await asyncio.gather(*requests)
    assert len(upstream.quote_calls) == 1
    assert len({a["AAPL"].price for a in answers}) == 1


async def test_concurrent_chain_requests_are_coalesced(market, upstream):
    upstream.gate = asyncio.Event()
    requests = [asyncio.create_task(market.chain("AAPL", "put", 20, 50)) for _ in range(10)]
    await asyncio.sleep(0)
    upstream.gate.set()
    chains = await asyncio.gather(*requests)
    assert upstream.chain_calls == 1
    assert all(c.contracts == chains[0].contracts for c in chains)
    # A different filter is a different upstream request.
    await market.chain("AAPL", "call", 20, 50)
    assert upstream.chain_calls == 2


async def test_each_kind_expires_after_its_ttl(upstream, clock):
    market = MarketData(upstream, clock, ttls=CacheTTLs(quotes=60, chains=120))
    await market.quotes(["AAPL"])
    await market.chain("AAPL")
    clock.advance(59)
    cached = await market.quotes(["AAPL"])
    assert cached["AAPL"].age_seconds == 59 and not cached["AAPL"].stale
    assert len(upstream.quote_calls) == 1
    clock.advance(1)
    await market.quotes(["AAPL"])
    await market.chain("AAPL")
    assert len(upstream.quote_calls) == 2 and upstream.chain_calls == 1
    clock.advance(60)
    await market.chain("AAPL")
    assert upstream.chain_calls == 2
    await market.close()


async def test_stale_quotes_when_upstream_fails_and_error_when_nothing_cached(market, upstream, clock):
    await market.quotes(["AAPL"])
    clock.advance(400)
    upstream.down = True
    quotes = await market.quotes(["AAPL", "MSFT"])
    assert quotes["AAPL"].stale and quotes["AAPL"].age_seconds == 400
    assert "MSFT" not in quotes
    with pytest.raises(ExternalAPIError) as caught:
        await market.quotes(["MSFT"])
    assert caught.value.code == "EXTERNAL_API_ERROR" and caught.value.status == 502
    assert caught.value.details["provider"] == "upstream"
    assert caught.value.details["subjects"] == ["MSFT"]
    with pytest.raises(ExternalAPIError):
        await market.quote("MSFT")
    assert (await market.quote("aapl")).stale


async def test_stale_chain_on_outage(market, upstream, clock):
    fresh = await market.chain("KO")
    clock.advance(901)
    upstream.down = True
    stale = await market.chain("KO")
    assert stale.stale and stale.age_seconds == 901
    assert stale.contracts == fresh.contracts
    with pytest.raises(ExternalAPIError):
        await market.chain("PEP")


async def test_peek_quote_reads_the_cache_without_io(market, upstream, clock):
    assert market.peek_quote("AAPL") is None
    await market.quotes(["AAPL"])
    calls = len(upstream.quote_calls)
    peeked = market.peek_quote("aapl")
    assert peeked is not None and not peeked.stale and peeked.source == "simulated"
    clock.advance(301)
    assert market.peek_quote("AAPL").stale
    assert market.peek_quote("AAPL").age_seconds == 301
    assert len(upstream.quote_calls) == calls


async def test_fallback_provider_answers_quotes_when_primary_fails(upstream, clock, xnys):
    backup = RecordingUpstream(clock, xnys, name="backup")
    market = MarketData(upstream, clock, fallback=backup, retry=RetryPolicy(attempts=1))
    upstream.down = True
    quotes = await market.quotes(["AAPL"])
    assert quotes["AAPL"].price > 0
    assert backup.quote_calls == [["AAPL"]]
    health = market.health()
    assert health["status"] == "degraded"
    assert health["fallback"]["name"] == "backup" and health["fallback"]["status"] == "ok"
    await market.close()
    assert upstream.closed and backup.closed


async def test_history_earnings_and_dividends(market, upstream):
    bars = await market.history("AAPL", days=30)
    assert bars and bars[-1].day == date(2026, 11, 23)
    assert await market.history("aapl", days=30) == bars
    window = (date(2026, 1, 1), date(2026, 12, 31))
    assert len(await market.earnings(["AAPL"], *window)) == 4
    assert await market.earnings([], *window) == []
    assert {d.symbol for d in await market.dividends(["KO", "AMZN"], *window)} == {"KO"}


class Bare(RecordingUpstream):
    """An upstream with quotes only."""

    async def get_earnings(self, symbols, start, end):
        raise NotSupported(self.name, "earnings dates")

    async def get_option_chain(self, symbol, *args, **kwargs):
        raise NotSupported(self.name, "option chains")


async def test_unsupported_kinds(clock, xnys):
    market = MarketData(Bare(clock, xnys), clock)
    assert await market.earnings(["AAPL"], date(2026, 1, 1), date(2026, 12, 31)) == []
    with pytest.raises(ExternalAPIError, match="does not provide option chains"):
        await market.chain("AAPL")
    assert market.health()["status"] == "ok"  # not offering something is not a failure
    await market.close()


class Broken(RecordingUpstream):
    """An adapter with a bug."""

    async def get_quotes(self, symbols):
        raise KeyError("lastPrice")


async def test_an_adapter_bug_becomes_a_502_not_a_crash(clock, xnys):
    market = MarketData(Broken(clock, xnys), clock)
    with pytest.raises(ExternalAPIError):
        await market.quotes(["AAPL"])
    assert market.health()["last_error"]
    await market.close()


async def test_health_of_the_simulated_default(clock, xnys):
    market = MarketData(SimulatedProvider(clock, xnys), clock)
    await market.quotes(["AAPL"])
    health = market.health()
    assert health["provider"] == "simulated"
    assert health["simulated"] is True and market.simulated
    assert health["status"] == "ok" and health["circuit"] == "closed"
    assert health["last_success_at"] == "2026-11-23T16:00:00Z"
    assert health["last_error"] is None
    assert health["ttls"]["quote"] == 300.0
    await market.close()


async def test_symbols_are_normalized(market, upstream):
    quotes = await market.quotes([" aapl", "AAPL", "ko", ""])
    assert list(quotes) == ["AAPL", "KO"]
    assert upstream.quote_calls == [["AAPL", "KO"]]
    assert await market.quotes([]) == {}
