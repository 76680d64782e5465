"""Seed a wheeld data directory through the real services (the same path the API takes)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from wheeld.app import Container
from wheeld.config import load_config

SYMBOLS = [f"S{i:03d}" for i in range(1000)]


async def seed(
    data_dir: Path,
    wheels: int = 100,
    settled_per_wheel: int = 20,
    open_positions: bool = True,
    portfolio: str = "Bench",
) -> dict[str, int]:
    """One portfolio with `wheels` wheels, each with settled puts (alternately expired and closed) and,
    optionally, one open put; returns counts and the portfolio id."""
    config = load_config(None, data_dir=data_dir, environ={})
    container = Container.build(config)
    await container.start()
    try:
        p = await container.portfolios.create(portfolio, "benchmark data", 5_000_000)
        start = date(2025, 1, 6)
        trades = 0
        for w in range(wheels):
            wheel = await container.wheels.create(p["id"], {"symbol": SYMBOLS[w], "capital_allocated_cents": 5_000_000})
            for t in range(settled_per_wheel):
                opened = datetime.combine(start + timedelta(days=7 * t), datetime.min.time(), UTC) + timedelta(hours=15)
                trade = await container.trades.record(
                    wheel["id"],
                    {
                        "direction": "put",
                        "strike_cents": 10_000 + 100 * (t % 5),
                        "contracts": 1,
                        "expiration_date": (opened + timedelta(days=5)).date(),
                        "total_premium_cents": 150 + t,
                        "fees_cents": 65,
                        "opened_at": opened,
                    },
                )
                spec = {"outcome": "expired", "settled_at": opened + timedelta(days=5, hours=6)}
                if t % 4 == 0:
                    spec = {"outcome": "closed", "close_cost_cents": 40, "settled_at": spec["settled_at"]}
                await container.trades.settle(trade["id"], spec)
                trades += 1
            if open_positions:
                await container.trades.record(
                    wheel["id"],
                    {
                        "direction": "put",
                        "strike_cents": 9_000 + 10 * w,
                        "contracts": 1,
                        "expiration_date": date.today() + timedelta(days=10 + w % 20),
                        "total_premium_cents": 200,
                        "fees_cents": 65,
                    },
                )
                trades += 1
        return {"portfolio_id": p["id"], "wheels": wheels, "trades": trades}
    finally:
        await container.stop()


if __name__ == "__main__":
    import sys

    print(asyncio.run(seed(Path(sys.argv[1]))))


async def bulk_seed(data_dir: Path, trades: int = 100_000, wheels: int = 500, portfolios: int = 5) -> dict[str, int]:
    """A large settled history written in one transaction (benchmarks only: far faster than the API path).

    Rows follow the same rules the services apply: alternating expired (win) and closed (win or loss by
    net), New York dates, integer cents.
    """
    config = load_config(None, data_dir=data_dir, environ={})
    container = Container.build(config)
    await container.start()
    try:
        now = "2026-11-24T15:00:00Z"
        async with container.db.transaction() as conn:
            for p in range(portfolios):
                await conn.execute(
                    "INSERT INTO portfolios (name, description, default_capital_cents, is_default, created_at,"
                    " updated_at) VALUES (?, '', 0, ?, ?, ?)",
                    (f"Bulk {p}", int(p == 0), now, now),
                )
            await conn.executemany(
                "INSERT INTO wheels (portfolio_id, symbol, state, profile, capital_allocated_cents, created_at,"
                " updated_at) VALUES (?, ?, 'cash', 'moderate', 5000000, ?, ?)",
                [(w % portfolios + 1, SYMBOLS[w % len(SYMBOLS)], now, now) for w in range(wheels)],
            )
            start = date(2022, 1, 3)
            rows = []
            for i in range(trades):
                opened = start + timedelta(days=(i * 1400) // trades)
                settled = opened + timedelta(days=7)
                premium, fees = 100 + i % 400, 65
                closed = i % 4 == 0
                close_cost = 90 + i % 300 if closed else None
                net = premium - (close_cost or 0) - fees
                result = "win" if not closed or net > 0 else "loss"
                rows.append(
                    (
                        i % wheels + 1,
                        SYMBOLS[(i % wheels) % len(SYMBOLS)],
                        "put",
                        5000 + i % 50 * 100,
                        settled.isoformat(),
                        1,
                        premium,
                        fees,
                        close_cost,
                        "closed" if closed else "expired",
                        result,
                        f"{opened.isoformat()}T15:00:00Z",
                        f"{settled.isoformat()}T21:00:00Z",
                        opened.isoformat(),
                        settled.isoformat(),
                        now,
                        now,
                    )
                )
            await conn.executemany(
                "INSERT INTO trades (wheel_id, symbol, direction, strike_cents, expiration_date, contracts,"
                " total_premium_cents, fees_cents, close_cost_cents, outcome, result, opened_at, settled_at,"
                " opened_on, settled_on, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        return {"trades": trades, "wheels": wheels, "portfolios": portfolios}
    finally:
        await container.stop()
