"""finnhub-python (blocking, in threads) against a local fake of Finnhub's REST API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest
from aiohttp import web

from tests.marketdata.test_service import RecordingUpstream
from wheeld.errors import ExternalAPIError
from wheeld.marketdata.finnhub import FinnhubProvider
from wheeld.marketdata.resilience import RetryPolicy
from wheeld.marketdata.service import MarketData

QUOTES = {"AAPL": 230.12, "KO": 68.02}


class FakeFinnhub:
    """Answers /api/v1/quote, /calendar/earnings and /stock/dividend like Finnhub's free plan."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.throttle = 0
        # The quotes' "t" (epoch seconds): fixed, or the test clock's now when set.
        self.quoted_at: Callable[[], datetime] | None = None

    def app(self) -> web.Application:
        app = web.Application()
        # finnhub-python joins API_URL + "/" + "/quote": the real host tolerates the double slash.
        app.router.add_get("/api/v1//quote", self.quote)
        app.router.add_get("/api/v1//calendar/earnings", self.earnings)
        app.router.add_get("/api/v1//stock/dividend", self.dividends)
        return app

    def _seen(self, request: web.Request) -> web.Response | None:
        self.requests.append((request.path, dict(request.query)))
        if request.headers.get("X-Finnhub-Token") != "FH-KEY" or "token" in request.query:
            return web.json_response({"error": "Invalid API key"}, status=401)
        if self.throttle:
            self.throttle -= 1
            return web.json_response({"error": "API limit reached"}, status=429, headers={"Retry-After": "2"})
        return None

    async def quote(self, request: web.Request) -> web.Response:
        refused = self._seen(request)
        if refused is not None:
            return refused
        price = QUOTES.get(request.query["symbol"])
        if price is None:  # Finnhub answers an unknown symbol with zeros
            return web.json_response({"c": 0, "d": None, "dp": None, "h": 0, "l": 0, "o": 0, "pc": 0, "t": 0})
        return web.json_response(
            {
                "c": price,
                "d": 1.1,
                "dp": 0.48,
                "h": price + 2,
                "l": price - 2,
                "o": price - 0.5,
                "pc": price - 1.1,
                "t": int(self.quoted_at().timestamp()) if self.quoted_at else 1795464000,
            }
        )

    async def earnings(self, request: web.Request) -> web.Response:
        refused = self._seen(request)
        if refused is not None:
            return refused
        rows = [
            {
                "date": "2027-01-28",
                "epsActual": None,
                "epsEstimate": 2.35,
                "hour": "amc",
                "quarter": 1,
                "revenueActual": None,
                "revenueEstimate": 1.3e11,
                "symbol": "AAPL",
                "year": 2027,
            },
            {
                "date": "2027-02-10",
                "epsActual": None,
                "epsEstimate": 0.7,
                "hour": "",
                "quarter": 4,
                "revenueActual": None,
                "revenueEstimate": 1.1e10,
                "symbol": "KO",
                "year": 2026,
            },
            {
                "date": "2027-01-20",
                "epsActual": None,
                "epsEstimate": 1.0,
                "hour": "bmo",
                "quarter": 4,
                "revenueActual": None,
                "revenueEstimate": 1e9,
                "symbol": "OTHER",
                "year": 2026,
            },
        ]
        wanted = request.query.get("symbol")
        return web.json_response({"earningsCalendar": [r for r in rows if not wanted or r["symbol"] == wanted]})

    async def dividends(self, request: web.Request) -> web.Response:
        refused = self._seen(request)
        if refused is not None:
            return refused
        return web.json_response({"error": "You don't have access to this resource."}, status=403)


@pytest.fixture
async def finnhub_env(aiohttp_server, clock):
    fake = FakeFinnhub()
    server = await aiohttp_server(fake.app())
    provider = FinnhubProvider("FH-KEY", clock, api_url=str(server.make_url("/api/v1")))
    yield fake, provider
    await provider.close()


async def test_quotes_one_request_each_unknown_left_out(finnhub_env):
    fake, provider = finnhub_env
    quotes = await provider.get_quotes(["AAPL", "ko", "ZZZZ"])
    assert set(quotes) == {"AAPL", "KO"}
    aapl = quotes["AAPL"]
    assert (aapl.price, aapl.previous_close, aapl.bid, aapl.ask) == (230.12, 229.02, None, None)
    assert aapl.source == "finnhub"
    assert aapl.as_of.timestamp() == 1795464000
    assert sorted(q["symbol"] for p, q in fake.requests if p == "/api/v1//quote") == ["AAPL", "KO", "ZZZZ"]


async def test_earnings_calendar_one_call_for_many_symbols(finnhub_env):
    fake, provider = finnhub_env
    events = await provider.get_earnings(["AAPL", "KO"], date(2027, 1, 1), date(2027, 3, 31))
    assert [(e.symbol, e.day, e.hour) for e in events] == [
        ("AAPL", date(2027, 1, 28), "amc"),
        ("KO", date(2027, 2, 10), None),
    ]
    assert len(fake.requests) == 1
    _, query = fake.requests[0]
    assert (query["from"], query["to"], query["symbol"]) == ("2027-01-01", "2027-03-31", "")
    single = await provider.get_earnings(["KO"], date(2027, 1, 1), date(2027, 3, 31))
    assert [e.symbol for e in single] == ["KO"]
    assert fake.requests[-1][1]["symbol"] == "KO"


async def test_dividends_outside_the_plan_are_unknown(finnhub_env):
    fake, provider = finnhub_env
    assert await provider.get_dividends(["KO"], date(2027, 1, 1), date(2027, 3, 31)) == []
    assert await provider.get_dividends(["KO"], date(2027, 1, 1), date(2027, 3, 31)) == []
    assert len(fake.requests) == 1  # asked once, then remembered


async def test_429_is_retried_after_its_delay(finnhub_env, clock):
    fake, provider = finnhub_env
    fake.throttle = 1
    sleeps = []

    async def sleep(seconds):
        sleeps.append(seconds)

    market = MarketData(provider, clock, sleep=sleep, uniform=lambda: 0.0)
    quotes = await market.quotes(["AAPL"])
    assert quotes["AAPL"].price == 230.12
    assert sleeps == [2.0]


async def test_bad_key_is_final(aiohttp_server, clock):
    fake = FakeFinnhub()
    server = await aiohttp_server(fake.app())
    provider = FinnhubProvider("WRONG", clock, api_url=str(server.make_url("/api/v1")))
    market = MarketData(provider, clock)
    with pytest.raises(ExternalAPIError, match="HTTP 401"):
        await market.quotes(["AAPL"])
    assert len(fake.requests) == 1
    await market.close()


async def test_finnhub_as_fallback_for_quotes(finnhub_env, clock, xnys):
    _, provider = finnhub_env
    primary = RecordingUpstream(clock, xnys, name="schwab")
    primary.down = True
    market = MarketData(primary, clock, fallback=provider, retry=RetryPolicy(attempts=1), events_provider=provider)
    quotes = await market.quotes(["AAPL"])
    assert quotes["AAPL"].source == "finnhub"
    events = await market.earnings(["AAPL"], date(2027, 1, 1), date(2027, 3, 31))
    assert [e.source for e in events] == ["finnhub"]
    health = market.health()
    assert health["provider"] == "schwab" and health["status"] == "degraded"
    assert health["fallback"]["status"] == "ok"
    assert health["events"]["name"] == "finnhub"


async def test_chains_and_history_are_not_offered(finnhub_env, clock):
    _, provider = finnhub_env
    market = MarketData(provider, clock)
    with pytest.raises(ExternalAPIError, match="option chains"):
        await market.chain("AAPL")
    with pytest.raises(ExternalAPIError, match="price history"):
        await market.history("AAPL")
