"""POST /api/v1/recommendations for 50 wheels (50 different symbols) on the simulated provider.

Target (issue 8): a batch of 50 wheels answers in under a second. "Cold" is the first batch after
start (every chain and year of history computed); "warm" repeats it with chains and history cached.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.harness import dump_json, print_table, wheeld_server
from bench.seed import seed

WHEELS, ROUNDS, WARM_REPEATS = 50, 3, 10
TARGET_MS = 1000.0


async def timed_batches(url: str, body: dict, repeats: int) -> list[float]:
    """Milliseconds of `repeats` batch requests in a row (the first one cold)."""
    took = []
    async with aiohttp.ClientSession() as session:
        for _ in range(repeats):
            start = time.perf_counter()
            async with session.post(url, json=body) as response:
                entries = (await response.json())["data"]
            took.append((time.perf_counter() - start) * 1000)
            assert response.status == 200 and len(entries) == WHEELS, response.status
            assert all(e["error"] is None and e["recommendation"]["pick"] for e in entries)
    return took


def main() -> dict:
    """Seed 50 wheels in cash, time the batch cold and warm on fresh servers; print the table."""
    cold: list[float] = []
    warm: list[float] = []
    with tempfile.TemporaryDirectory(prefix="wheeld-bench-") as tmp:
        data = Path(tmp)
        info = asyncio.run(seed(data, wheels=WHEELS, settled_per_wheel=0, open_positions=False))
        for _ in range(ROUNDS):
            with wheeld_server(data) as base:
                body = {"portfolio_id": info["portfolio_id"]}
                took = asyncio.run(timed_batches(f"{base}/api/v1/recommendations", body, 1 + WARM_REPEATS))
            cold.append(took[0])
            warm.extend(took[1:])
    rows = [
        {
            "case": f"batch of {WHEELS} wheels, cold (chains and history computed)",
            "runs": len(cold),
            "median_ms": round(statistics.median(cold), 1),
            "max_ms": round(max(cold), 1),
        },
        {
            "case": f"batch of {WHEELS} wheels, warm (cached)",
            "runs": len(warm),
            "median_ms": round(statistics.median(warm), 1),
            "max_ms": round(max(warm), 1),
        },
    ]
    print_table(f"Recommendations for {WHEELS} wheels on the simulated provider", rows)
    worst = max(cold)
    print(
        f"\ntarget: a batch of {WHEELS} < {TARGET_MS:.0f} ms -> worst cold {worst:.0f} ms: "
        f"{'MET' if worst < TARGET_MS else 'NOT MET'}"
    )
    dump_json("recommendations", rows)
    return {"rows": rows}


if __name__ == "__main__":
    main()
