"""A local stand-in for Schwab's Market Data API (documented JSON shapes) and a loopback transport.

Schwab-py hard-codes https://api.schwabapi.com; LoopbackTransport sends every request it is given
to the fake server on 127.0.0.1 instead, so the real schwab-py client, authlib session and httpx
stack are exercised with no network beyond loopback.
"""

from __future__ import annotations

import asyncio
import time as wall
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from aiohttp import web

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
PRICES = {"AAPL": 230.12, "MSFT": 415.5, "KO": 68.02}


class LoopbackTransport(httpx.AsyncBaseTransport):
    """Sends requests meant for api.schwabapi.com to a server on 127.0.0.1, refusing anything else."""

    def __init__(self, base_url: str) -> None:
        target = httpx.URL(base_url)
        if target.host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"loopback only, not {target.host}")
        self._target = target
        self._inner = httpx.AsyncHTTPTransport()
        self.hosts_seen: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.hosts_seen.append(request.url.host)
        if request.url.host != "api.schwabapi.com":
            raise httpx.ConnectError(f"test transport refuses {request.url.host}", request=request)
        request.url = request.url.copy_with(scheme=self._target.scheme, host=self._target.host, port=self._target.port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass
class Scripted:
    """A canned answer served instead of the normal one."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    hang: bool = False
    # Bytes sent as they are, labelled JSON (malformed or truncated documents).
    raw: bytes | None = None
    # With `raw`: promise twice its length, send it, then drop the connection mid-body.
    cut: bool = False
    # With `raw`: seconds of pause between 64-byte pieces of the body (a slow upstream).
    drip: float = 0.0


def token_document(now: datetime, *, issued_days_ago: float = 1.0, expired: bool = False) -> dict[str, Any]:
    """What schwab-py stores: its creation timestamp (on our clock) around the OAuth token."""
    # authlib judges access-token expiry by the real time.time(), so expires_at must use it too.
    expires_at = int(wall.time()) + (-60 if expired else 1800)
    return {
        "creation_timestamp": int(now.timestamp() - issued_days_ago * 86400),
        "token": {
            "access_token": "AT-1",
            "refresh_token": "RT-1",
            "token_type": "Bearer",
            "expires_in": 1800,
            "expires_at": expires_at,
            "scope": "api",
            "id_token": "ID-TOKEN",
        },
    }


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class FakeSchwab:
    """Answers /marketdata/v1/{quotes,chains,pricehistory} and /v1/oauth/token like Schwab."""

    def __init__(self, today: date) -> None:
        self.today = today
        # When the quotes say they were priced: 15:59 New York today, or the test clock's now when set.
        self.quoted_at: Callable[[], datetime] | None = None
        self.access_token = "AT-1"
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.scripts: dict[str, list[Scripted]] = defaultdict(list)
        self.release = asyncio.Event()
        self.token_refreshes = 0

    def app(self) -> web.Application:
        """The aiohttp application to serve."""
        app = web.Application()
        app.router.add_get("/marketdata/v1/quotes", self._quotes)
        app.router.add_get("/marketdata/v1/chains", self._chains)
        app.router.add_get("/marketdata/v1/pricehistory", self._history)
        app.router.add_post("/v1/oauth/token", self._token)
        return app

    def script(self, path: str, *answers: Scripted) -> None:
        """Serve `answers` (in order) for the next requests to `path`."""
        self.scripts[path].extend(answers)

    def count(self, path: str) -> int:
        """Requests received for `path`."""
        return sum(1 for seen, _ in self.requests if seen == path)

    async def _scripted(self, request: web.Request) -> web.StreamResponse | None:
        self.requests.append((request.path, dict(request.query)))
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return web.json_response({"errors": [{"title": "Unauthorized"}]}, status=401)
        queue = self.scripts.get(request.path)
        if not queue:
            return None
        answer = queue.pop(0)
        if answer.hang:
            # Held until the test ends (the client times out first).
            await self.release.wait()
        if answer.raw is not None:
            return await self._send_raw(request, answer)
        if answer.body is None:
            return web.Response(status=answer.status, headers=answer.headers, text="")
        return web.json_response(answer.body, status=answer.status, headers=answer.headers)

    async def _send_raw(self, request: web.Request, answer: Scripted) -> web.StreamResponse:
        raw = answer.raw or b""
        response = web.StreamResponse(status=answer.status, headers={"Content-Type": "application/json"})
        response.headers.update(answer.headers)
        response.content_length = len(raw) * (2 if answer.cut else 1)
        await response.prepare(request)
        step = 64 if answer.drip else max(len(raw), 1)
        for start in range(0, len(raw), step):
            await response.write(raw[start : start + step])
            if answer.drip:
                await asyncio.sleep(answer.drip)
        if answer.cut and request.transport is not None:
            request.transport.close()  # the peer vanishes before the promised length arrived
            return response
        await response.write_eof()
        return response

    async def _quotes(self, request: web.Request) -> web.StreamResponse:
        scripted = await self._scripted(request)
        if scripted is not None:
            return scripted
        symbols = request.query.get("symbols", "").split(",")
        fields = set(request.query.get("fields", "quote,fundamental,reference,regular").split(","))
        body: dict[str, Any] = {}
        invalid = []
        for symbol in symbols:
            if symbol not in PRICES:
                invalid.append(symbol)
                continue
            body[symbol] = self.quote_json(symbol, fields)
        if invalid:
            body["errors"] = {"invalidSymbols": invalid}
        return web.json_response(body)

    def quote_json(self, symbol: str, fields: set[str]) -> dict[str, Any]:
        """One symbol's entry in the quotes answer, with the requested root nodes."""
        price = PRICES[symbol]
        moment = self.quoted_at() if self.quoted_at else datetime.combine(self.today, time(15, 59), tzinfo=NEW_YORK)
        stamp = _millis(moment)
        entry: dict[str, Any] = {
            "assetMainType": "EQUITY",
            "assetSubType": "COE",
            "quoteType": "NBBO",
            "realtime": True,
            "ssid": 1973757747,
            "symbol": symbol,
        }
        if "quote" in fields:
            entry["quote"] = {
                "52WeekHigh": round(price * 1.2, 2),
                "52WeekLow": round(price * 0.7, 2),
                "askMICId": "ARCX",
                "askPrice": round(price + 0.03, 2),
                "askSize": 300,
                "askTime": stamp,
                "bidMICId": "XNAS",
                "bidPrice": round(price - 0.02, 2),
                "bidSize": 200,
                "bidTime": stamp,
                "closePrice": round(price - 1.1, 2),
                "highPrice": round(price + 2, 2),
                "lastMICId": "XADF",
                "lastPrice": price,
                "lastSize": 100,
                "lowPrice": round(price - 2, 2),
                "mark": price,
                "markChange": 1.1,
                "markPercentChange": 0.48,
                "netChange": 1.1,
                "netPercentChange": 0.48,
                "openPrice": round(price - 0.5, 2),
                "quoteTime": stamp,
                "securityStatus": "Normal",
                "totalVolume": 41_234_567,
                "tradeTime": stamp,
                "volatility": 0.0213,
            }
        if "regular" in fields:
            entry["regular"] = {
                "regularMarketLastPrice": price,
                "regularMarketLastSize": 2,
                "regularMarketNetChange": 1.1,
                "regularMarketPercentChange": 0.48,
                "regularMarketTradeTime": stamp,
            }
        if "fundamental" in fields:
            entry["fundamental"] = {
                "avg10DaysVolume": 45_000_000,
                "avg1YearVolume": 52_000_000,
                "declarationDate": "2026-10-30T00:00:00Z",
                "divAmount": 1.04,
                "divExDate": "2026-11-10T00:00:00Z",
                "divFreq": 4,
                "divPayAmount": 0.26,
                "divPayDate": "2026-11-13T00:00:00Z",
                "divYield": 0.45,
                "eps": 6.57,
                "fundLeverageFactor": 0.0,
                "nextDivExDate": "2027-02-10T00:00:00Z",
                "nextDivPayDate": "2027-02-13T00:00:00Z",
                "peRatio": 35.0,
            }
        return entry

    async def _chains(self, request: web.Request) -> web.StreamResponse:
        scripted = await self._scripted(request)
        if scripted is not None:
            return scripted
        symbol = request.query["symbol"]
        if symbol not in PRICES:
            return web.json_response({"symbol": symbol, "status": "FAILED"})
        kind = request.query.get("contractType", "ALL")
        body: dict[str, Any] = {
            "symbol": symbol,
            "status": "SUCCESS",
            "underlying": {"last": PRICES[symbol], "mark": PRICES[symbol], "symbol": symbol},
            "strategy": "SINGLE",
            "interval": 0.0,
            "isDelayed": False,
            "isIndex": False,
            "interestRate": 4.1,
            "underlyingPrice": PRICES[symbol],
            "volatility": 29.0,
            "daysToExpiration": 0.0,
            "numberOfContracts": 0,
            "callExpDateMap": {},
            "putExpDateMap": {},
        }
        for expiration in (date(2026, 12, 18), date(2027, 1, 15)):
            dte = (expiration - self.today).days
            key = f"{expiration.isoformat()}:{dte}"
            for put_call, map_name in (("CALL", "callExpDateMap"), ("PUT", "putExpDateMap")):
                if kind not in ("ALL", put_call):
                    continue
                body[map_name][key] = {
                    f"{strike:.1f}": [self.contract_json(symbol, put_call, expiration, strike)]
                    for strike in (220.0, 225.0, 230.0, 235.0, 240.0)
                }
        return web.json_response(body)

    def contract_json(self, symbol: str, put_call: str, expiration: date, strike: float) -> dict[str, Any]:
        """One option in Schwab's live shape (bid/ask/last/mark; volatility in percent)."""
        dte = (expiration - self.today).days
        sign = 1 if put_call == "CALL" else -1
        moneyness = (PRICES[symbol] - strike) * sign
        value = max(moneyness, 0.0) + 4.0 + dte / 20
        untradeable = strike == 240.0 and put_call == "PUT"
        return {
            "putCall": put_call,
            "symbol": f"{symbol:<6}{expiration:%y%m%d}{put_call[0]}{int(strike * 1000):08d}",
            "description": f"{symbol} {expiration:%m/%d/%Y} {strike} {put_call[0]}",
            "exchangeName": "OPR",
            "bid": round(value - 0.05, 2),
            "ask": round(value + 0.05, 2),
            "last": round(value, 2),
            "mark": round(value, 2),
            "bidSize": 12,
            "askSize": 30,
            "bidAskSize": "12X30",
            "lastSize": 1,
            "highPrice": round(value + 0.5, 2),
            "lowPrice": round(value - 0.5, 2),
            "openPrice": 0.0,
            "closePrice": round(value - 0.2, 2),
            "totalVolume": 321,
            "tradeTimeInLong": 1_795_000_000_000,
            "quoteTimeInLong": 1_795_000_000_000,
            "netChange": 0.2,
            "volatility": -999.0 if untradeable else 27.5,
            "delta": -999.0 if untradeable else round(0.5 * sign - moneyness / 100, 3),
            "gamma": "NaN" if untradeable else 0.021,
            "theta": -0.085,
            "vega": 0.31,
            "rho": 0.12,
            "openInterest": 4567,
            "timeValue": 4.0,
            "theoreticalOptionValue": round(value, 3),
            "theoreticalVolatility": 29.0,
            "optionDeliverablesList": [{"symbol": symbol, "assetType": "STOCK", "deliverableUnits": 100.0}],
            "strikePrice": strike,
            "expirationDate": f"{expiration.isoformat()}T21:00:00.000+00:00",
            "daysToExpiration": dte,
            "expirationType": "S",
            "lastTradingDay": 1_797_000_000_000,
            "multiplier": 100.0,
            "settlementType": "P",
            "deliverableNote": "100 " + symbol,
            "percentChange": 3.2,
            "markChange": 0.2,
            "markPercentChange": 3.2,
            "intrinsicValue": max(moneyness, 0.0),
            "extrinsicValue": 4.0,
            "optionRoot": symbol,
            "exerciseType": "A",
            "high52Week": 30.0,
            "low52Week": 1.0,
            "nonStandard": False,
            "pennyPilot": True,
            "inTheMoney": moneyness > 0,
            "mini": False,
        }

    async def _history(self, request: web.Request) -> web.StreamResponse:
        scripted = await self._scripted(request)
        if scripted is not None:
            return scripted
        symbol = request.query["symbol"]
        start = datetime.fromtimestamp(int(request.query["startDate"]) / 1000, tz=NEW_YORK).date()
        candles = []
        day = start
        close = PRICES.get(symbol, 100.0) - 10
        while day <= self.today:
            if day.weekday() < 5:
                close = round(close + 0.1, 2)
                candles.append(
                    {
                        "open": round(close - 0.3, 2),
                        "high": round(close + 1.0, 2),
                        "low": round(close - 1.0, 2),
                        "close": close,
                        "volume": 50_000_000,
                        # Daily candles are stamped at midnight Central time.
                        "datetime": _millis(datetime.combine(day, time(0), tzinfo=CHICAGO)),
                    }
                )
            day += timedelta(days=1)
        return web.json_response({"symbol": symbol, "empty": not candles, "candles": candles})

    async def _token(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path, {}))
        form = await request.post()
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != "RT-1":
            return web.json_response({"error": "invalid_grant"}, status=400)
        self.token_refreshes += 1
        self.access_token = f"AT-{self.token_refreshes + 1}"
        return web.json_response(
            {
                "access_token": self.access_token,
                "refresh_token": "RT-1",
                "token_type": "Bearer",
                "expires_in": 1800,
                "scope": "api",
                "id_token": "ID-TOKEN",
            }
        )
