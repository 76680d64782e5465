"""Rows → the dicts the API shows for wheels and trades (money stays in cents until serialization)."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from wheeld.db.connection import Row
from wheeld.domain.performance import adjusted_cost_basis
from wheeld.domain.vocabulary import SHARES_PER_CONTRACT
from wheeld.domain.wheel_state import net_premium_cents


def premium_per_share(total_cents: int, contracts: int) -> float:
    """Premium per share in dollars, rounded half-up to four decimals (storage keeps the exact total)."""
    exact = Decimal(total_cents) / (SHARES_PER_CONTRACT * contracts) / 100
    return float(exact.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def trade_dict(row: Row) -> dict[str, Any]:
    """A trade row as the API shows it."""
    net = net_premium_cents(row["total_premium_cents"], row["close_cost_cents"], row["fees_cents"])
    collateral = row["strike_cents"] * SHARES_PER_CONTRACT * row["contracts"]
    return {
        "id": row["id"],
        "wheel_id": row["wheel_id"],
        "portfolio_id": row["portfolio_id"],
        "symbol": row["symbol"],
        "direction": row["direction"],
        "strike": row["strike_cents"],
        "expiration_date": row["expiration_date"],
        "contracts": row["contracts"],
        "premium_per_share": premium_per_share(row["total_premium_cents"], row["contracts"]),
        "total_premium": row["total_premium_cents"],
        "fees": row["fees_cents"],
        "close_cost": row["close_cost_cents"],
        "net_premium": net,
        "collateral": collateral,
        "outcome": row["outcome"],
        "result": row["result"],
        "stock_price_at_expiry": row["stock_price_at_expiry_cents"],
        "realized_stock_pnl": row["realized_stock_pnl_cents"],
        "cycle": row["cycle"],
        "opened_at": row["opened_at"],
        "settled_at": row["settled_at"],
        "expired_at": row["settled_at"] if row["outcome"] in ("expired", "assigned") else None,
        "rolled_from_id": row["rolled_from_id"],
        "rolled_to_id": row["rolled_to_id"],
        "notes": row["notes"],
        "tags": json.loads(row["tags"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def wheel_dict(row: Row, open_trade: Row | None, cycle_net_cents: int) -> dict[str, Any]:
    """A wheel row (with its open option and its cycle's net premium) as the API shows it."""
    adjusted = adjusted_cost_basis(row["cost_basis_cents"], row["shares"], cycle_net_cents)
    return {
        "id": row["id"],
        "portfolio_id": row["portfolio_id"],
        "portfolio_name": row["portfolio_name"],
        "symbol": row["symbol"],
        "state": row["state"],
        "profile": row["profile"],
        "capital_allocated": row["capital_allocated_cents"],
        "shares": row["shares"],
        "cost_basis": row["cost_basis_cents"],
        "adjusted_cost_basis": float(adjusted.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        if adjusted is not None
        else None,
        "cycle_net_premium": cycle_net_cents,
        "starting_direction": row["starting_direction"],
        "cycle": row["cycle"],
        "notes": row["notes"],
        "is_active": row["archived_at"] is None,
        "archived_at": row["archived_at"],
        "open_trade": trade_dict(open_trade) if open_trade is not None else None,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }
