"""Built-in plugin `volatility_spike`: an alert when a symbol's implied volatility or daily move jumps (FR-27).

Two checks per followed symbol (every active wheel's and the watchlist's):

- **IV**: the chain's at-the-money IV (the strike nearest the price, at the expiration nearest
  `target_dte`) against the mean of the earlier days' values. Providers give no IV history, so the
  plugin keeps one value per symbol and day in its store; it judges once `min_observations` earlier
  days are there.
- **Move**: the last session's close-to-close move against the mean absolute move of the `lookback`
  sessions before it (from the price history, so it works from the first run).

An alert stays active while its spike lasts (one alert per spike, not one per run) and is cleared
when the figure is back to normal, so the next spike is a new alert.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import date
from typing import Any

from marshmallow import Schema, fields, validate

from wheeld.domain.recommendation import atm_iv
from wheeld.plugins import Plugin, PluginContext, cron


class VolatilitySpikeConfig(Schema):
    """Settings of volatility_spike."""

    iv_jump_pct = fields.Float(
        load_default=20.0,
        validate=validate.Range(min=0, max=1000),
        metadata={
            "description": "Alert when ATM IV is at least this many percent above its recent mean"
            " (relative: 0.30 against 0.25 is +20 %); 0 turns the IV check off."
        },
    )
    move_multiple = fields.Float(
        load_default=2.5,
        validate=validate.Range(min=0, max=100),
        metadata={
            "description": "Alert when the last session's move is at least this multiple of the mean absolute"
            " daily move over `lookback` sessions; 0 turns the move check off."
        },
    )
    lookback = fields.Integer(
        strict=True,
        load_default=10,
        validate=validate.Range(min=2, max=60),
        metadata={"description": "How many earlier days (IV) or sessions (moves) the mean is taken over."},
    )
    min_observations = fields.Integer(
        strict=True,
        load_default=5,
        validate=validate.Range(min=1, max=60),
        metadata={"description": "Judge IV only once this many earlier days are stored."},
    )
    target_dte = fields.Integer(
        strict=True,
        load_default=30,
        validate=validate.Range(min=1, max=180),
        metadata={"description": "Read ATM IV at the expiration nearest this many calendar days."},
    )
    include_watchlist = fields.Boolean(
        load_default=True, metadata={"description": "Follow the watchlist's symbols too, not only the wheels'."}
    )
    severity = fields.String(
        load_default="MEDIUM",
        validate=validate.OneOf(["LOW", "MEDIUM", "HIGH"]),
        metadata={"description": "Severity of the alerts."},
    )


def jump_pct(current: float, earlier: Sequence[float]) -> float | None:
    """How many percent `current` lies above the mean of `earlier` (None without a positive mean)."""
    if not earlier:
        return None
    mean = sum(earlier) / len(earlier)
    return None if mean <= 0 else (current / mean - 1.0) * 100.0


def move_multiple(closes: Sequence[float], lookback: int) -> tuple[float, float] | None:
    """(last move in %, its multiple of the mean absolute move of the `lookback` moves before it), or None."""
    moves = [math.log(b / a) for a, b in itertools.pairwise(closes) if a > 0 and b > 0]
    if len(moves) < lookback + 1:
        return None
    last, before = moves[-1], moves[-lookback - 1 : -1]
    mean = sum(abs(m) for m in before) / lookback
    return (math.exp(last) - 1.0) * 100.0, (abs(last) / mean if mean > 0 else math.inf)


def remember(history: list[list[Any]], today: date, value: float, keep: int) -> list[list[Any]]:
    """The stored [[day, value], ...] with today's value in place of any earlier one today, the newest `keep`."""
    kept = [entry for entry in history if entry[0] != today.isoformat()]
    kept.append([today.isoformat(), value])
    return sorted(kept)[-keep:]


class VolatilitySpike(Plugin):
    """Alerts when implied volatility or the daily move of a followed symbol jumps."""

    name = "volatility_spike"
    version = "1.0.0"
    description = "Alert when a symbol's ATM implied volatility or 1-day move jumps against its recent mean"
    default_schedule = cron("0 10,15 * * 1-5")  # after the open settles, before the close
    market_hours_only = True
    timeout_seconds = 300
    config_schema = VolatilitySpikeConfig

    async def execute(self, ctx: PluginContext) -> dict[str, Any]:
        """Check each followed symbol's IV and last move; raise or clear their alerts."""
        config = ctx.config
        symbols = await ctx.symbols(include_watchlist=config["include_watchlist"])
        raised = 0
        for symbol in symbols:
            if config["iv_jump_pct"] > 0:
                raised += await self._check_iv(ctx, symbol)
            if config["move_multiple"] > 0:
                raised += await self._check_move(ctx, symbol)
        return {"symbols": len(symbols), "alerts_raised": raised}

    async def _check_iv(self, ctx: PluginContext, symbol: str) -> int:
        config, today = ctx.config, ctx.today()
        target = config["target_dte"]
        chain = await ctx.chain(symbol, min_dte=max(1, target - 21), max_dte=target + 31)
        current = atm_iv(chain.contracts, chain.underlying_price, today, target)
        if current is None:
            return 0
        history = await ctx.store.get(f"iv:{symbol}", [])
        earlier = [value for day, value in history if day < today.isoformat()][-config["lookback"] :]
        await ctx.store.set(f"iv:{symbol}", remember(history, today, current, config["lookback"] + 1))
        if len(earlier) < config["min_observations"]:
            return 0
        jump = jump_pct(current, earlier)
        if jump is None or jump < config["iv_jump_pct"]:
            await ctx.clear_alert(f"iv:{symbol}")
            return 0
        mean = sum(earlier) / len(earlier)
        _, created = await ctx.alert(
            f"iv:{symbol}",
            f"{symbol} implied volatility {current:.1%} is {jump:.0f} % above its {len(earlier)}-day mean {mean:.1%}",
            kind="volatility_spike",
            severity=config["severity"],
            symbol=symbol,
            details={
                "measure": "atm_iv",
                "current": round(current, 4),
                "mean": round(mean, 4),
                "jump_pct": round(jump, 1),
                "days": len(earlier),
                "simulated": ctx.simulated,
            },
        )
        return int(created)

    async def _check_move(self, ctx: PluginContext, symbol: str) -> int:
        lookback = ctx.config["lookback"]
        # Calendar days enough for lookback + 2 sessions across weekends and holidays.
        bars = await ctx.history(symbol, days=lookback * 2 + 14)
        found = move_multiple([bar.close for bar in bars], lookback)
        if found is None:
            return 0
        move_pct, multiple = found
        if multiple < ctx.config["move_multiple"]:
            await ctx.clear_alert(f"move:{symbol}")
            return 0
        _, created = await ctx.alert(
            f"move:{symbol}",
            f"{symbol} moved {move_pct:+.1f} % in its last session, {multiple:.1f}x its {lookback}-session mean move",
            kind="volatility_spike",
            severity=ctx.config["severity"],
            symbol=symbol,
            details={
                "measure": "daily_move",
                "move_pct": round(move_pct, 2),
                "multiple": round(multiple, 2) if math.isfinite(multiple) else None,
                "session": bars[-1].day.isoformat(),
                "simulated": ctx.simulated,
            },
        )
        return int(created)
