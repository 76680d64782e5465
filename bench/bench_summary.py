"""GET /api/v1/portfolios/{id}/summary (100 wheels, 2,000+ trades) against a bare aiohttp handler.

Target (DESIGN.md): >= 0.5x the bare handler's throughput, p99 < 25 ms, 10 connections.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from bench.harness import bare_server, dump_json, load, median_of, print_table, wheeld_server
from bench.seed import seed

SECONDS, ROUNDS = 4.0, 3


async def measure(url: str) -> dict:
    results = [await load(url, seconds=SECONDS) for _ in range(ROUNDS)]
    return median_of(results).row()


def main() -> dict:
    """Seed, measure bare and summary, print the table; returns the figures."""
    with tempfile.TemporaryDirectory(prefix="wheeld-bench-") as tmp:
        data = Path(tmp)
        info = asyncio.run(seed(data, wheels=100, settled_per_wheel=20))
        with bare_server() as bare:
            bare_row = asyncio.run(measure(bare + "/bare"))
        with wheeld_server(data) as base:
            row = asyncio.run(measure(f"{base}/api/v1/portfolios/{info['portfolio_id']}/summary"))
    ratio = round(row["rps"] / bare_row["rps"], 2)
    rows = [
        {"endpoint": "bare aiohttp handler", **bare_row, "ratio": 1.0},
        {"endpoint": f"portfolio summary ({info['wheels']} wheels, {info['trades']} trades)", **row, "ratio": ratio},
    ]
    print_table("Portfolio summary vs bare handler (10 connections)", rows)
    print(
        f"\ntarget: ratio >= 0.5 and p99 < 25 ms -> ratio {ratio}, p99 {row['p99_ms']} ms: "
        f"{'MET' if ratio >= 0.5 and row['p99_ms'] < 25 else 'NOT MET'}"
    )
    dump_json("summary", rows)
    return {"rows": rows}


if __name__ == "__main__":
    main()
