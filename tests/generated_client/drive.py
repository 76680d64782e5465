"""Drive a live wheeld with a client openapi-python-client generated from its spec (run as a script).

`python drive.py CLIENT_DIR BASE_URL TOKEN` imports `wheeld_api_client` from CLIENT_DIR, runs a short
wheel cycle and prints what it saw as JSON: each call's status and the typed models' key fields.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

sys.path.insert(0, sys.argv[1])

from wheeld_api_client import AuthenticatedClient
from wheeld_api_client.api.portfolios import create_portfolio
from wheeld_api_client.api.trades import record_trade, settle_trade
from wheeld_api_client.api.wheels import create_wheel, get_wheel
from wheeld_api_client.models import (
    PortfolioCreate,
    Settle,
    SettleOutcome,
    TradeCreate,
    TradeCreateDirection,
    WheelCreate,
)

client = AuthenticatedClient(base_url=sys.argv[2], token=sys.argv[3])
seen: dict[str, object] = {}
with client:
    made = create_portfolio.sync_detailed(client=client, body=PortfolioCreate(name="Generated", default_capital=50000))
    seen["portfolio"] = [made.status_code, made.parsed.data.name, made.parsed.data.id]
    again = create_portfolio.sync_detailed(client=client, body=PortfolioCreate(name="Generated"))
    seen["duplicate"] = [again.status_code, again.parsed.error.code.value]
    portfolio_id = made.parsed.data.id
    wheel = create_wheel.sync_detailed(
        portfolio_id, client=client, body=WheelCreate(symbol="aapl", capital_allocated=20000)
    )
    seen["wheel"] = [wheel.status_code, wheel.parsed.data.symbol, wheel.parsed.data.state.value]
    seen["wheel_open_trade"] = wheel.parsed.data.open_trade
    wheel_id = wheel.parsed.data.id
    trade = record_trade.sync_detailed(
        wheel_id,
        client=client,
        body=TradeCreate(
            direction=TradeCreateDirection.PUT,
            strike=175,
            expiration_date=dt.date(2026, 12, 18),
            contracts=1,
            premium_per_share=3.0,
            fees=0.65,
        ),
    )
    seen["trade"] = [trade.status_code, trade.parsed.data.total_premium, trade.parsed.data.outcome.value]
    holding = get_wheel.sync_detailed(wheel_id, client=client)
    seen["open_trade"] = [holding.parsed.data.state.value, holding.parsed.data.open_trade.id]
    settled = settle_trade.sync_detailed(
        trade.parsed.data.id, client=client, body=Settle(outcome=SettleOutcome.ASSIGNED, stock_price_at_expiry=170)
    )
    seen["settled"] = [settled.status_code, settled.parsed.data.outcome.value, settled.parsed.data.wheel_state.value]
    after = get_wheel.sync_detailed(wheel_id, client=client)
    seen["after"] = [after.parsed.data.state.value, after.parsed.data.shares, after.parsed.data.cost_basis]
print(json.dumps(seen, default=str))
