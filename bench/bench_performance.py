"""GET /api/v1/performance (system-wide) over 100,000 trades. Target (DESIGN.md): < 100 ms.

Reports the first (uncached) request, and steady-state latency under 10 connections (the SQL sums
are cached until the next write, so the steady state is what a dashboard polling it sees).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.harness import dump_json, load, print_table, wheeld_server
from bench.seed import bulk_seed


def timed_get(url: str) -> float:
    """Milliseconds one GET takes."""
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
    return (time.perf_counter() - start) * 1000


def main() -> dict:
    """Seed 100,000 trades, time the first requests of each analytics endpoint, then load the main one."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="wheeld-bench-") as tmp:
        data = Path(tmp)
        info = asyncio.run(bulk_seed(data, trades=100_000))
        with wheeld_server(data) as base:
            for path in (
                "/api/v1/performance",
                "/api/v1/performance?period=365d",
                "/api/v1/performance/portfolios",
                "/api/v1/performance/symbols",
                "/api/v1/performance/timeline",
                "/api/v1/portfolios/1/summary",
            ):
                first = timed_get(base + path)
                second = timed_get(base + path)
                rows.append(
                    {
                        "endpoint": path,
                        "trades": info["trades"],
                        "first_ms (uncached)": round(first, 1),
                        "next_ms (cached)": round(second, 1),
                    }
                )
            # A write empties the figure caches; quotes and chains stay warm (as price_refresh keeps them).
            after_write = []
            for n in range(3):
                post = urllib.request.Request(
                    base + "/api/v1/portfolios", data=f'{{"name": "bench {n}"}}'.encode(), method="POST"
                )
                urllib.request.urlopen(post, timeout=60).read()
                after_write.append(timed_get(base + "/api/v1/performance"))
            steady = asyncio.run(load(base + "/api/v1/performance", seconds=4.0)).row()
    print_table(f"Analytics over {info['trades']:,} trades", rows)
    print_table("GET /api/v1/performance steady state (10 connections)", [steady])
    first = rows[0]["first_ms (uncached)"]
    rebuilt = round(min(after_write), 1)
    print(
        f"\ntarget: system-wide performance < 100 ms -> after a write (figures rebuilt, market data warm) {rebuilt} ms:"
        f" {'MET' if rebuilt < 100 else 'NOT MET'}; the very first request after start, which also fetches"
        f" quotes and option chains for every holding, {first} ms: {'MET' if first < 100 else 'NOT MET'}"
    )
    dump_json("performance", {"first_requests": rows, "after_write_ms": after_write, "steady": steady})
    return {"rows": rows, "after_write_ms": after_write, "steady": steady}


if __name__ == "__main__":
    main()
