"""Schwab's Trader API for the broker import: account numbers and transactions, in Schwab's JSON.

Built on the market-data fake (same OAuth check, same loopback transport), so the real schwab-py
client, with the token encrypted at rest, is what the import drives.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.marketdata.fake_schwab import FakeSchwab

ACCOUNT_HASH = "E5B1A1D0C0FFEE"


def _fee(cost: float) -> dict[str, Any]:
    return {
        "instrument": {"assetType": "CURRENCY", "symbol": "CURRENCY_USD", "description": "USD currency"},
        "amount": 0.0,
        "cost": -cost,
        "feeType": "COMMISSION",
    }


def _option(symbol: str, amount: float, *, cost: float = 0.0, price: float = 0.0, effect: str = "OPENING"):
    underlying = symbol.split()[0]
    return {
        "instrument": {"assetType": "OPTION", "symbol": symbol, "underlyingSymbol": underlying,
                       "putCall": "PUT" if symbol[-9] == "P" else "CALL"},
        "amount": amount, "cost": cost, "price": price, "positionEffect": effect,
    }  # fmt: skip


# KO: 3 puts sold for 450.00 (fees 1.98) on 10/19; on 11/20 one is assigned (the 100 shares bought at 62)
# and two expire; a dividend is not a wheel move.
TRANSACTIONS: list[dict[str, Any]] = [
    {"activityId": 9001, "type": "TRADE", "status": "VALID", "tradeDate": "2026-10-19T14:31:02+0000",
     "description": "SELL TO OPEN", "netAmount": 448.02,
     "transferItems": [_fee(1.98), _option("KO    261120P00062000", -3.0, cost=450.0, price=1.5)]},
    {"activityId": 9002, "type": "RECEIVE_AND_DELIVER", "status": "VALID", "tradeDate": "2026-11-20T21:00:00+0000",
     "description": "REMOVAL OF OPTION DUE TO ASSIGNMENT", "netAmount": 0.0,
     "transferItems": [_option("KO    261120P00062000", 1.0, effect="CLOSING")]},
    {"activityId": 9003, "type": "TRADE", "status": "VALID", "tradeDate": "2026-11-20T21:00:00+0000",
     "description": "BUY TRADE (ASSIGNMENT)", "netAmount": -6200.0,
     "transferItems": [{"instrument": {"assetType": "EQUITY", "symbol": "KO"}, "amount": 100.0, "cost": -6200.0,
                        "price": 62.0, "positionEffect": "OPENING"}]},
    {"activityId": 9004, "type": "RECEIVE_AND_DELIVER", "status": "VALID", "tradeDate": "2026-11-20T21:00:00+0000",
     "description": "REMOVAL OF OPTION DUE TO EXPIRATION", "netAmount": 0.0,
     "transferItems": [_option("KO    261120P00062000", 2.0, effect="CLOSING")]},
    {"activityId": 9005, "type": "DIVIDEND_OR_INTEREST", "status": "VALID", "tradeDate": "2026-11-05T12:00:00+0000",
     "description": "QUALIFIED DIVIDEND", "netAmount": 30.6, "transferItems": []},
]  # fmt: skip


class FakeSchwabTrader(FakeSchwab):
    """The market-data fake plus /trader/v1/accounts/accountNumbers and …/{hash}/transactions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.transactions = list(TRANSACTIONS)

    def app(self) -> web.Application:
        """The aiohttp application to serve."""
        app = super().app()
        app.router.add_get("/trader/v1/accounts/accountNumbers", self._accounts)
        app.router.add_get("/trader/v1/accounts/{hash}/transactions", self._transactions)
        return app

    async def _accounts(self, request: web.Request) -> web.StreamResponse:
        scripted = await self._scripted(request)
        if scripted is not None:
            return scripted
        return web.json_response([{"accountNumber": "12341234", "hashValue": ACCOUNT_HASH}])

    async def _transactions(self, request: web.Request) -> web.StreamResponse:
        scripted = await self._scripted(request)
        if scripted is not None:
            return scripted
        if request.match_info["hash"] != ACCOUNT_HASH:
            return web.json_response({"errors": [{"title": "Invalid account"}]}, status=400)
        start, end = request.query["startDate"][:10], request.query["endDate"][:10]
        chosen = [t for t in self.transactions if start <= t["tradeDate"][:10] <= end]
        return web.json_response(chosen)
