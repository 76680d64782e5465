"""API p99 latency idle and while `price_refresh` runs over 500 symbols, back to back.

Target (DESIGN.md): API p99 while refreshing < 1.5x its idle value (10 connections).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.harness import dump_json, load, print_table, wheeld_server
from bench.seed import seed

SECONDS = 5.0


async def refresh_loop(base: str, stop: asyncio.Event, stats: dict) -> None:
    """Trigger price_refresh again as soon as the previous run has finished."""
    async with aiohttp.ClientSession() as session:
        while not stop.is_set():
            async with session.post(f"{base}/api/v1/jobs/price_refresh/run") as response:
                if response.status == 202:
                    stats["runs"] += 1
            await asyncio.sleep(0.01)
        async with session.get(f"{base}/api/v1/jobs/price_refresh/runs?page_size=5") as response:
            body = await response.json()
            stats["last"] = [(r["status"], r["duration_ms"], r["summary"]) for r in body["data"][:3]]


async def measure(base: str, url: str) -> tuple[dict, dict, dict]:
    idle = (await load(url, seconds=SECONDS)).row()
    stop, stats = asyncio.Event(), {"runs": 0}
    refresher = asyncio.create_task(refresh_loop(base, stop, stats))
    await asyncio.sleep(0.5)
    busy = (await load(url, seconds=SECONDS, warmup=0.2)).row()
    stop.set()
    await refresher
    return idle, busy, stats


def main() -> dict:
    """Seed 500 symbols with open puts, measure the summary idle and during refreshes."""
    with tempfile.TemporaryDirectory(prefix="wheeld-bench-") as tmp:
        data = Path(tmp)
        started = time.perf_counter()
        info = asyncio.run(seed(data, wheels=500, settled_per_wheel=0))
        print(f"seeded {info['trades']} open positions in {time.perf_counter() - started:.1f}s")
        with wheeld_server(data) as base:
            url = f"{base}/api/v1/portfolios/{info['portfolio_id']}/summary"
            idle, busy, stats = asyncio.run(measure(base, url))
    ratio = round(busy["p99_ms"] / idle["p99_ms"], 2) if idle["p99_ms"] else None
    rows = [{"state": "idle", **idle}, {"state": f"price_refresh over 500 symbols ({stats['runs']} runs)", **busy}]
    print_table("Portfolio summary p99 with and without price_refresh (10 connections)", rows)
    print(f"\nrecent refresh runs: {stats.get('last')}")
    print(f"target: p99 while refreshing < 1.5x idle -> {ratio}x: {'MET' if ratio and ratio < 1.5 else 'NOT MET'}")
    dump_json("refresh", {"rows": rows, "ratio": ratio, "runs": stats})
    return {"rows": rows, "ratio": ratio}


if __name__ == "__main__":
    main()
