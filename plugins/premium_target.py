"""Built-in plugin `premium_target`: an alert when a short option can be bought back cheaply (FR-27).

The classic take-profit rule of the wheel: once an open short option costs at most `target_pct` % of
the premium collected to buy back (default 50 %), most of its profit is in hand. The buy-back cost is
the contract's mark × 100 × contracts, from the option chain (through the cache); an option the chain
does not list is left out and counted. One alert per trade: it stays active until the trade is no
longer open (settled, rolled or archived), and is then cleared.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from marshmallow import Schema, fields, validate

from wheeld.plugins import Plugin, PluginContext, every

ALERTED = "alerted"  # store key: ids of the trades with an alert raised


class PremiumTargetConfig(Schema):
    """Settings of premium_target."""

    target_pct = fields.Float(
        load_default=50.0,
        validate=validate.Range(min=0, max=100, min_inclusive=False, max_inclusive=False),
        metadata={"description": "Alert when buying back costs at most this % of the premium collected."},
    )
    severity = fields.String(
        load_default="MEDIUM",
        validate=validate.OneOf(["LOW", "MEDIUM", "HIGH"]),
        metadata={"description": "Severity of the alerts (MEDIUM reaches the webhook by default)."},
    )


def buy_back_cents(mark: float, contracts: int) -> int:
    """What buying back costs, in cents: mark (per share) × 100 shares × contracts."""
    return int((Decimal(str(mark)) * 100 * contracts * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def pct_of_premium(cost_cents: int, premium_cents: int) -> float | None:
    """The buy-back cost as a percentage of the premium collected (None without premium)."""
    return None if premium_cents <= 0 else cost_cents / premium_cents * 100.0


def dollars(cents: int) -> str:
    """Cents as $1,234.56."""
    return f"${Decimal(cents) / 100:,.2f}"


class PremiumTarget(Plugin):
    """Alerts when an open short option reaches its take-profit target."""

    name = "premium_target"
    version = "1.0.0"
    description = "Alert when an open short option can be bought back for at most X % of its premium (default 50 %)"
    default_schedule = every(minutes=15)
    market_hours_only = True
    timeout_seconds = 300
    config_schema = PremiumTargetConfig

    async def execute(self, ctx: PluginContext) -> dict[str, Any]:
        """Price every open short option from its chain; alert those at target; clear those no longer open."""
        target = ctx.config["target_pct"]
        positions = await ctx.open_positions()
        alerted: list[int] = await ctx.store.get(ALERTED, [])
        open_ids = {p["trade_id"] for p in positions}
        for trade_id in [t for t in alerted if t not in open_ids]:
            await ctx.clear_alert(f"trade:{trade_id}")
        alerted = [t for t in alerted if t in open_ids]
        raised, unpriced = 0, 0
        for position in positions:
            chain = await ctx.chain(position["symbol"], position["direction"])
            expiration, strike_cents = position["expiration_date"], position["strike"]
            listed = [
                c
                for c in chain.contracts
                if c.expiration.isoformat() == expiration and round(c.strike * 100) == strike_cents
            ]
            mark = (listed[0].mark if listed[0].mark is not None else listed[0].mid) if listed else None
            if mark is None:
                unpriced += 1
                continue
            cost = buy_back_cents(mark, position["contracts"])
            pct = pct_of_premium(cost, position["premium_collected"])
            if pct is None or pct > target:
                continue
            strike = Decimal(position["strike"]) / 100
            _, created = await ctx.alert(
                f"trade:{position['trade_id']}",
                f"{position['symbol']} {strike:g} {position['direction']} {position['expiration_date']}: buy back for"
                f" {dollars(cost)}, {pct:.0f} % of the {dollars(position['premium_collected'])} collected"
                f" (target {target:g} %)",
                kind="premium_target",
                severity=ctx.config["severity"],
                trade_id=position["trade_id"],
                details={
                    "buy_back_cost": float(Decimal(cost) / 100),
                    "premium_collected": float(Decimal(position["premium_collected"]) / 100),
                    "pct_of_premium": round(pct, 1),
                    "target_pct": target,
                    "mark": mark,
                    "option_symbol": listed[0].symbol,
                    "quote_source": chain.source,
                },
            )
            if position["trade_id"] not in alerted:
                alerted.append(position["trade_id"])
            raised += int(created)
        await ctx.store.set(ALERTED, alerted)
        return {"positions": len(positions), "alerts_raised": raised, "unpriced": unpriced}
