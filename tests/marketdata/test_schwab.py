"""The real schwab-py async client against a local fake of Schwab's API: mapping, retries, stale data."""

from __future__ import annotations

import json
import logging
import time as wall
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.marketdata.fake_schwab import FakeSchwab, LoopbackTransport, Scripted
from tests.marketdata.fake_schwab import token_document as schwab_token
from wheeld.clock import FrozenClock
from wheeld.errors import ExternalAPIError
from wheeld.marketdata.base import ProviderError
from wheeld.marketdata.resilience import RetryPolicy
from wheeld.marketdata.schwab import SchwabProvider, parse_contract
from wheeld.marketdata.service import MarketData
from wheeld.marketdata.token_store import EncryptedTokenStore, TokenKey

QUOTES = "/marketdata/v1/quotes"
CHAINS = "/marketdata/v1/chains"
HISTORY = "/marketdata/v1/pricehistory"
TOKEN = "/v1/oauth/token"


def token_document(clock: FrozenClock, *, issued_days_ago: float = 1.0, expired: bool = False):
    """What schwab-py stores: its creation timestamp around the OAuth token."""
    return schwab_token(clock.now(), issued_days_ago=issued_days_ago, expired=expired)


@dataclass
class Env:
    """One fake Schwab server, a provider driving schwab-py at it, and the sleeps it asked for."""

    fake: FakeSchwab
    transport: LoopbackTransport
    store: EncryptedTokenStore
    provider: SchwabProvider
    clock: FrozenClock
    sleeps: list[float] = field(default_factory=list)
    markets: list[MarketData] = field(default_factory=list)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await self.clock.sleep(seconds)

    def market(self, **overrides: Any) -> MarketData:
        options: dict[str, Any] = {
            "retry": RetryPolicy(attempts=3, timeout=0.2, base_delay=1.0, max_delay=8.0),
            "failure_threshold": 5,
            "cooldown": 30.0,
            "sleep": self.sleep,
            "uniform": lambda: 0.5,
        }
        options.update(overrides)
        made = MarketData(self.provider, self.clock, **options)
        self.markets.append(made)
        return made


@pytest.fixture
async def env(aiohttp_server, tmp_path, clock):
    fake = FakeSchwab(clock.today_ny())
    server = await aiohttp_server(fake.app())
    transport = LoopbackTransport(str(server.make_url("/")))
    store = EncryptedTokenStore(tmp_path / "schwab_token.enc", TokenKey(env_var=None, key_file=tmp_path / "token.key"))
    store.write(token_document(clock))
    provider = SchwabProvider("APP-KEY", "APP-SECRET", store, clock, transport=transport)
    made = Env(fake, transport, store, provider, clock)
    yield made
    fake.release.set()
    for market in made.markets:
        await market.close()
    await provider.close()
    assert set(transport.hosts_seen) <= {"api.schwabapi.com"}


async def test_quotes_in_one_request_mapped_from_schwab_json(env):
    market = env.market()
    quotes = await market.quotes(["aapl", "MSFT", "ZZZZ"])
    assert env.fake.count(QUOTES) == 1
    _, query = env.fake.requests[-1]
    assert query["symbols"] == "AAPL,MSFT,ZZZZ"
    assert query["fields"] == "quote,regular"
    assert set(quotes) == {"AAPL", "MSFT"}  # ZZZZ came back under errors.invalidSymbols
    aapl = quotes["AAPL"]
    assert (aapl.price, aapl.bid, aapl.ask, aapl.volume) == (230.12, 230.1, 230.15, 41_234_567)
    assert aapl.previous_close == 229.02
    assert aapl.source == "schwab"
    assert not aapl.stale
    assert aapl.as_of == datetime(2026, 11, 23, 20, 59, tzinfo=UTC)
    # Within the TTL the cache answers; the server is not asked again.
    again = await market.quotes(["AAPL", "MSFT"])
    assert again["AAPL"].price == 230.12
    assert env.fake.count(QUOTES) == 1
    assert market.peek_quote("msft").price == 415.5


async def test_chain_request_parameters_and_mapping(env):
    market = env.market()
    chain = await market.chain("AAPL", direction="put", min_dte=20, max_dte=60, strike_count=5)
    _, query = env.fake.requests[-1]
    assert query["contractType"] == "PUT"
    assert query["strikeCount"] == "5"
    assert query["fromDate"] == "2026-12-13"
    assert query["toDate"] == "2027-01-22"
    assert query["includeUnderlyingQuote"] == "true"
    assert chain.underlying_price == 230.12
    assert chain.expirations() == [date(2026, 12, 18), date(2027, 1, 15)]
    assert {c.direction for c in chain.contracts} == {"put"}
    assert len(chain.contracts) == 10
    put = next(c for c in chain.contracts if c.strike == 225.0 and c.expiration.month == 12)
    assert put.symbol == "AAPL  261218P00225000"
    assert put.iv == pytest.approx(0.275)  # Schwab sends percent
    assert put.delta == pytest.approx(-0.449)
    assert (put.bid, put.ask, put.open_interest, put.volume) == (5.2, 5.3, 4567, 321)
    blank = next(c for c in chain.contracts if c.strike == 240.0)
    # -999 and "NaN" mean "not computed": they must not reach a trader as numbers.
    assert blank.iv is None and blank.delta is None and blank.gamma is None


async def test_chain_window_is_held_exactly(env):
    chain = await env.market().chain("AAPL", direction="call", min_dte=30, max_dte=60)
    assert chain.expirations() == [date(2027, 1, 15)]


async def test_unknown_chain_symbol_is_an_external_error_without_retries(env):
    with pytest.raises(ExternalAPIError) as caught:
        await env.market().chain("ZZZZ")
    assert "no option chain for ZZZZ" in caught.value.message
    assert env.fake.count(CHAINS) == 1


async def test_price_history_maps_daily_candles_to_new_york_dates(env):
    bars = await env.market().history("AAPL", days=30)
    _, query = env.fake.requests[-1]
    assert (query["periodType"], query["frequencyType"], query["frequency"]) == (
        "year",
        "daily",
        "1",
    )
    assert int(query["endDate"]) == int(env.clock.now().timestamp() * 1000)
    assert bars[-1].day == date(2026, 11, 23)
    assert bars[0].day == date(2026, 10, 26)
    assert all(b.day.weekday() < 5 for b in bars)
    assert [b.day for b in bars] == sorted(b.day for b in bars)


async def test_dividends_come_from_quote_fundamentals(env):
    events = await env.market().dividends(["AAPL", "ZZZZ"], date(2026, 11, 1), date(2027, 3, 1))
    _, query = env.fake.requests[-1]
    assert query["fields"] == "fundamental"
    assert [(e.symbol, e.ex_date, e.amount) for e in events] == [
        ("AAPL", date(2026, 11, 10), 0.26),
        ("AAPL", date(2027, 2, 10), 0.26),
    ]


async def test_schwab_has_no_earnings_calendar(env):
    assert await env.market().earnings(["AAPL"], date(2026, 11, 1), date(2027, 3, 1)) == []


async def test_5xx_then_success_retries_with_backoff(env):
    env.fake.script(QUOTES, Scripted(status=503), Scripted(status=502))
    quotes = await env.market().quotes(["AAPL"])
    assert quotes["AAPL"].price == 230.12
    assert env.fake.count(QUOTES) == 3
    # Full jitter with uniform 0.5: 0.5 x 1 s, then 0.5 x 2 s.
    assert env.sleeps == [0.5, 1.0]


async def test_429_waits_for_retry_after(env):
    env.fake.script(QUOTES, Scripted(status=429, headers={"Retry-After": "7"}))
    quotes = await env.market().quotes(["MSFT"])
    assert quotes["MSFT"].price == 415.5
    assert env.fake.count(QUOTES) == 2
    assert env.sleeps == [7.0]


async def test_timeout_is_retried(env):
    env.fake.script(QUOTES, Scripted(hang=True))
    started = wall.perf_counter()
    quotes = await env.market().quotes(["AAPL"])
    assert wall.perf_counter() - started < 1.0
    assert quotes["AAPL"].price == 230.12
    assert env.fake.count(QUOTES) == 2
    assert env.sleeps == [0.5]


async def test_4xx_is_not_retried(env):
    env.fake.script(QUOTES, Scripted(status=400, body={"errors": [{"title": "Bad Request"}]}))
    market = env.market()
    with pytest.raises(ExternalAPIError) as caught:
        await market.quotes(["AAPL"])
    assert env.fake.count(QUOTES) == 1
    assert env.sleeps == []
    assert caught.value.status == 502
    assert caught.value.details["provider"] == "schwab"
    assert "HTTP 400" in caught.value.details["reason"]
    # A bad request says nothing about the provider's health: the circuit stays closed.
    assert market.health()["circuit"] == "closed"


async def test_retries_exhausted_with_nothing_cached_is_external_api_error(env):
    env.fake.script(QUOTES, *[Scripted(status=500)] * 3)
    with pytest.raises(ExternalAPIError):
        await env.market().quotes(["AAPL", "MSFT"])
    assert env.fake.count(QUOTES) == 3


async def test_stale_quotes_served_when_upstream_is_down(env):
    market = env.market()
    await market.quotes(["AAPL"])
    env.clock.advance(301)  # past the 300 s quote TTL
    env.fake.script(QUOTES, *[Scripted(status=503)] * 3)
    quotes = await market.quotes(["AAPL", "MSFT"])
    assert env.fake.count(QUOTES) == 4
    stale = quotes["AAPL"]
    assert stale.stale
    assert stale.price == 230.12
    # The age is now − the quote's own time: the fake stamps 15:59 New York, later than the clock's 11:05,
    # so the age is 0, never negative (stale it is all the same: served because upstream failed).
    assert stale.age_seconds == 0.0
    assert "MSFT" not in quotes  # never cached: nothing to stand in
    health = market.health()
    assert health["status"] == "degraded"
    assert "HTTP 503" in health["last_error"]


async def test_stale_chain_served_when_upstream_is_down(env):
    market = env.market()
    fresh = await market.chain("AAPL")
    env.clock.advance(901)
    env.fake.script(CHAINS, *[Scripted(status=500)] * 3)
    stale = await market.chain("AAPL")
    assert stale.stale and stale.age_seconds >= 901
    assert stale.contracts == fresh.contracts


async def test_circuit_opens_then_half_opens_and_closes(env):
    market = env.market(failure_threshold=2, cooldown=30.0)
    env.fake.script(QUOTES, *[Scripted(status=503)] * 2)
    with pytest.raises(ExternalAPIError):
        await market.quotes(["AAPL"])
    # Two failed attempts opened the circuit: the third attempt was never sent.
    assert env.fake.count(QUOTES) == 2
    assert market.health()["circuit"] == "open"
    with pytest.raises(ExternalAPIError) as caught:
        await market.quotes(["AAPL"])
    assert env.fake.count(QUOTES) == 2
    assert "circuit open" in caught.value.message
    env.clock.advance(30)
    assert market.health()["circuit"] == "half_open"
    quotes = await market.quotes(["AAPL"])
    assert quotes["AAPL"].price == 230.12
    assert env.fake.count(QUOTES) == 3
    health = market.health()
    assert health["circuit"] == "closed"
    assert health["status"] == "ok"


async def test_failed_trial_reopens_the_circuit(env):
    market = env.market(failure_threshold=1, cooldown=10.0)
    env.fake.script(QUOTES, Scripted(status=500), Scripted(status=500))
    with pytest.raises(ExternalAPIError):
        await market.quotes(["AAPL"])
    env.clock.advance(10)
    with pytest.raises(ExternalAPIError):
        await market.quotes(["AAPL"])
    assert env.fake.count(QUOTES) == 2
    assert market.health()["circuit"] == "open"


async def test_expired_access_token_is_refreshed_and_stored_encrypted(env):
    env.store.write(token_document(env.clock, expired=True))
    quotes = await env.market().quotes(["KO"])
    assert quotes["KO"].price == 68.02
    assert env.fake.token_refreshes == 1
    assert env.fake.count(TOKEN) == 1
    raw = env.store.path.read_bytes()
    assert b"AT-2" not in raw and b"RT-1" not in raw
    with pytest.raises(ValueError):
        json.loads(raw)
    stored = env.store.read()
    assert stored["token"]["access_token"] == "AT-2"
    # schwab-py keeps the creation time: the refresh token's 7-day clock does not restart.
    assert stored["creation_timestamp"] == int(env.clock.now().timestamp() - 86400)


async def test_tokens_secrets_and_key_never_reach_the_logs(env, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)  # every logger, schwab-py, authlib, httpx and httpcore included
    env.store.write(token_document(env.clock, expired=True))
    market = env.market()
    await market.quotes(["AAPL"])
    env.fake.script(QUOTES, Scripted(status=401))
    with pytest.raises(ExternalAPIError):
        await market.quotes(["MSFT"])
    assert env.fake.token_refreshes == 1
    key = (tmp_path / "token.key").read_text().strip()
    assert "/v1/oauth/token" in caplog.text  # the refresh itself was logged (by httpx)
    logged = caplog.text + repr(market.health()) + repr(env.provider) + repr(env.store)
    for secret in ("AT-1", "AT-2", "RT-1", "ID-TOKEN", "APP-SECRET", key):
        assert secret not in logged, secret


async def test_rejected_token_is_final_and_says_how_to_fix_it(env):
    env.fake.access_token = "SOMETHING-ELSE"
    with pytest.raises(ExternalAPIError) as caught:
        await env.market().quotes(["AAPL"])
    assert env.fake.count(QUOTES) == 1
    assert "HTTP 401" in caught.value.message
    assert "wheeld auth schwab" in caught.value.message


@pytest.mark.parametrize(
    ("issued_days_ago", "status"),
    [(1.0, "ok"), (5.9, "ok"), (6.5, "degraded"), (7.5, "down")],
)
async def test_health_warns_before_the_refresh_token_expires(env, issued_days_ago, status):
    env.store.write(token_document(env.clock, issued_days_ago=issued_days_ago))
    provider = SchwabProvider("APP-KEY", "APP-SECRET", env.store, env.clock)
    health = MarketData(provider, env.clock).health()
    assert health["provider"] == "schwab"
    assert health["simulated"] is False
    assert health["status"] == status
    assert health["primary"]["token_age_seconds"] == round(issued_days_ago * 86400)
    if status != "ok":
        assert "wheeld auth schwab" in health["detail"]


async def test_missing_token_degrades_instead_of_crashing(env, tmp_path, clock):
    store = EncryptedTokenStore(tmp_path / "absent.enc", TokenKey(env_var=None, key_file=tmp_path / "k"))
    provider = SchwabProvider("APP-KEY", "APP-SECRET", store, clock, transport=env.transport)
    market = MarketData(provider, clock, sleep=env.sleep)
    try:
        assert market.health()["status"] == "down"
        with pytest.raises(ExternalAPIError) as caught:
            await market.quotes(["AAPL"])
        assert "wheeld auth schwab" in caught.value.message
        assert env.sleeps == []  # not transient: no retries
    finally:
        await market.close()


def test_login_flow_stores_the_token_encrypted(monkeypatch, tmp_path):
    # The interactive flow itself (browser, callback server, input()) is schwab-py's and is never
    # run in tests; this pins our side of it: the token it hands over is stored encrypted.
    import schwab

    from wheeld.marketdata.schwab import run_login_flow

    closed = []

    class Session:
        def close(self):
            closed.append(True)

    class Client:
        session = Session()

    def manual_flow(api_key, app_secret, callback_url, token_path, *, token_write_func):
        assert (api_key, app_secret, callback_url) == ("K", "S", "https://127.0.0.1:8182")
        token_write_func({"creation_timestamp": 1, "token": {"refresh_token": "RT-SECRET"}})
        return Client()

    monkeypatch.setattr(schwab.auth, "client_from_manual_flow", manual_flow)
    store = EncryptedTokenStore(tmp_path / "t.enc", TokenKey(None, tmp_path / "k"))
    run_login_flow("K", "S", "https://127.0.0.1:8182", store, manual=True)
    assert b"RT-SECRET" not in store.path.read_bytes()
    assert store.read()["token"]["refresh_token"] == "RT-SECRET"
    assert closed == [True]


def test_documented_contract_shape_is_understood_too():
    # Schwab's published schema names the prices bidPrice/askPrice/lastPrice/markPrice.
    contract = parse_contract(
        {
            "putCall": "CALL",
            "symbol": "AAPL  261218C00230000",
            "bidPrice": 7.1,
            "askPrice": 7.3,
            "lastPrice": 7.2,
            "markPrice": 7.2,
            "volatility": 31.0,
            "delta": 0.52,
            "openInterest": 10,
            "totalVolume": 3,
            "strikePrice": 230.0,
        },
        "call",
        date(2026, 12, 18),
        230.0,
    )
    assert (contract.bid, contract.ask, contract.last, contract.mark) == (7.1, 7.3, 7.2, 7.2)
    assert contract.iv == pytest.approx(0.31)


def test_provider_error_repr_and_transience():
    error = ProviderError("x", transient=True, retry_after=3.0, status=429)
    assert "transient=True" in repr(error)
    assert error.retry_after == 3.0
