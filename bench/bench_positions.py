"""GET /api/v1/positions with 100 and 1,000 open positions and warm quotes, against a bare handler.

Target (DESIGN.md): 100 positions >= 0.3x the bare handler's throughput (10 connections).
"""

from __future__ import annotations

import asyncio
import tempfile
import urllib.request
from pathlib import Path

from bench.harness import bare_server, dump_json, load, median_of, print_table, wheeld_server
from bench.seed import seed

SECONDS, ROUNDS = 4.0, 3


async def measure(url: str) -> dict:
    results = [await load(url, seconds=SECONDS) for _ in range(ROUNDS)]
    return median_of(results).row()


def main() -> dict:
    """Seed 100 and 1,000 open positions, warm the quotes, measure; print the table."""
    with bare_server() as bare:
        bare_row = asyncio.run(measure(bare + "/bare"))
    rows = [{"endpoint": "bare aiohttp handler", **bare_row, "ratio": 1.0}]
    for count in (100, 1000):
        with tempfile.TemporaryDirectory(prefix="wheeld-bench-") as tmp:
            data = Path(tmp)
            asyncio.run(seed(data, wheels=count, settled_per_wheel=0))
            with wheeld_server(data) as base:
                url = f"{base}/api/v1/positions?page_size=500"
                with urllib.request.urlopen(url, timeout=30) as response:  # warm the quote cache
                    response.read()
                row = asyncio.run(measure(url))
        rows.append(
            {
                "endpoint": f"positions ({count} open, page_size=500)",
                **row,
                "ratio": round(row["rps"] / bare_row["rps"], 2),
            }
        )
    print_table("Open positions with warm quotes vs bare handler (10 connections)", rows)
    ratio = rows[1]["ratio"]
    print(f"\ntarget: 100 positions >= 0.3x bare -> {ratio}: {'MET' if ratio >= 0.3 else 'NOT MET'}")
    dump_json("positions", rows)
    return {"rows": rows}


if __name__ == "__main__":
    main()
