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
