"""`--json` is pinned: exactly the API's `data`, the same in both modes, on a fresh daemon with a frozen clock.

AAPL trades at 217.47 (simulated) on 2026-11-24: a 210 put has a cushion of (217.47 − 210) / 210 = 3.56 %,
under the 5 % threshold, so MEDIUM; break-even 210 − 234.35 / 100 = 207.66; 24 calendar days to
2026-12-18 and 17 sessions (Thanksgiving, 26 November, is a holiday).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from tests.cli.conftest import MODES, Result, wheel
from tests.test_position_marks import quoted
from wheeld.app import Container
from wheeld.cli.direct_backend import DirectBackend
from wheeld.http.app import create_app

STAMP = "2026-11-24T15:00:00Z"
PORTFOLIO = {
    "id": 1,
    "name": "Income",
    "description": "",
    "default_capital": 50000.0,
    "is_default": True,
    "created_at": STAMP,
    "updated_at": STAMP,
}
WHEEL = {
    "id": 1,
    "portfolio_id": 1,
    "portfolio_name": "Income",
    "symbol": "AAPL",
    "state": "cash",
    "profile": "moderate",
    "capital_allocated": 20000.0,
    "shares": 0,
    "cost_basis": None,
    "adjusted_cost_basis": None,
    "cycle_net_premium": 0.0,
    "starting_direction": "put",
    "cycle": 1,
    "notes": "",
    "is_active": True,
    "archived_at": None,
    "open_trade": None,
    "created_at": STAMP,
    "updated_at": STAMP,
}
TRADE = {
    "id": 1,
    "wheel_id": 1,
    "portfolio_id": 1,
    "symbol": "AAPL",
    "direction": "put",
    "strike": 210.0,
    "expiration_date": "2026-12-18",
    "contracts": 1,
    "premium_per_share": 2.35,
    "total_premium": 235.0,
    "fees": 0.65,
    "close_cost": None,
    "net_premium": 234.35,
    "collateral": 21000.0,
    "outcome": "open",
    "result": None,
    "stock_price_at_expiry": None,
    "realized_stock_pnl": 0.0,
    "cycle": 1,
    "opened_at": STAMP,
    "settled_at": None,
    "expired_at": None,
    "rolled_from_id": None,
    "rolled_to_id": None,
    "notes": "",
    "tags": [],
    "created_at": STAMP,
    "updated_at": STAMP,
}
RECORDED = {
    **TRADE,
    "wheel_state": "short_put",
    "warnings": [
        {
            "code": "INSUFFICIENT_CAPITAL",
            "message": "the put's collateral $21,000.00 exceeds the wheel's capital $20,000.00",
        }
    ],
}
POSITION = {
    "trade_id": 1,
    "wheel_id": 1,
    "portfolio_id": 1,
    "symbol": "AAPL",
    "state": "short_put",
    "direction": "put",
    "strike": 210.0,
    "expiration_date": "2026-12-18",
    "contracts": 1,
    "current_price": 217.47,
    "price_source": "simulated",
    "price_as_of": STAMP,
    "price_age_seconds": 0.0,
    "price_stale": False,
    "dte_calendar": 24,
    "dte_trading": 17,
    "approaching_expiration": False,
    "moneyness_pct": 3.56,
    "is_itm": False,
    "distance": 7.47,
    "risk_level": "MEDIUM",
    "risk_icon": "🟡",
    "premium_collected": 235.0,
    "net_premium": 234.35,
    "breakeven": 207.66,
    "shares": 0,
    "opened_at": STAMP,
}
EXPIRED = {
    **TRADE,
    "outcome": "expired",
    "result": "win",
    "stock_price_at_expiry": 212.5,
    "settled_at": STAMP,
    "expired_at": STAMP,
    "wheel_state": "cash",
    "warnings": [
        {"code": "EARLY_EXPIRATION", "message": "settled as expired on 2026-11-24, before its expiration 2026-12-18"}
    ],
}
Run = Callable[..., Awaitable[Result]]


@pytest.fixture(params=MODES)
async def json_cli(
    request: pytest.FixtureRequest, container: Container, aiohttp_server: Callable[..., Awaitable[TestServer]]
) -> AsyncIterator[Run]:
    """`wheel --json …` on a fresh daemon (API mode) or a fresh database (direct mode)."""
    if request.param == "api":
        server = await aiohttp_server(create_app(container))
        url = str(server.make_url("")).rstrip("/")

        async def over_http(*argv: str) -> Result:
            return await wheel("--api-url", url, "--json", *argv)

        yield over_http
        return
    await container.start()

    async def in_process(*argv: str) -> Result:
        return await wheel("--json", *argv, backend=DirectBackend(container))

    yield in_process
    await container.stop()


async def _data(run: Run, *argv: str) -> Any:
    result = await run(*argv)
    assert result.code == 0, result
    return result.json


def marked(position: dict[str, Any], container: Container) -> dict[str, Any]:
    """The position with its mark, recomputed by the independent Black-Scholes of test_position_marks.

    2.35 a share sold; mark m: cost to close m × 100, unrealized 235.00 − it, captured (2.35 − m) / 2.35.
    24 DTE > 21 and OTM: hold, unless half the premium is captured.
    """
    mid = quoted(container, "AAPL", "put", 210.0, date(2026, 12, 18))["mid"]
    captured = ((Decimal("2.35") - mid) / Decimal("2.35") * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert captured < 50
    return {
        **position,
        "option_mark": float(mid),
        "mark_as_of": STAMP,
        "mark_source": "simulated",
        "mark_unavailable_reason": None,
        "cost_to_close": float((mid * 100).quantize(Decimal("0.01"))),
        "unrealized_option_pnl": float((235 - mid * 100).quantize(Decimal("0.01"))),
        "premium_captured_pct": float(captured),
        "advice": {
            "action": "hold",
            "reasons": ["let_expire: DTE 24 > 2", f"take_profit: captured {captured} % < 50 %", "roll: DTE 24 > 21"],
            "roll_candidate": None,
        },
    }


async def test_json_is_the_api_data(json_cli: Run, container: Container) -> None:
    assert await _data(json_cli, "portfolio", "create", "Income", "--capital", "50000") == PORTFOLIO
    assert await _data(json_cli, "init", "AAPL", "--capital", "20000") == WHEEL
    recorded = await _data(
        json_cli, "record", "AAPL", "put", "--strike", "210", "--expiration", "2026-12-18", "--premium", "2.35",
        "--fees", "0.65",
    )  # fmt: skip
    assert recorded == RECORDED
    assert await _data(json_cli, "status") == [marked(POSITION, container)]
    listed = [{**WHEEL, "state": "short_put", "cycle_net_premium": 234.35, "open_trade": TRADE}]
    assert await _data(json_cli, "list") == listed
    assert await _data(json_cli, "expire", "AAPL", "--price", "212.5") == EXPIRED
    assert await _data(json_cli, "history") == [{k: v for k, v in EXPIRED.items() if k in TRADE}]
    assert await _data(json_cli, "status") == []
    assert await _data(json_cli, "portfolio", "delete", "Income", "--yes") is None
