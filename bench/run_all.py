"""Run every benchmark and print its table (what the README's performance section shows)."""

from __future__ import annotations

import importlib
import sys
import time

BENCHES = (
    "bench_summary",
    "bench_positions",
    "bench_refresh",
    "bench_performance",
    "bench_recommendations",
    "bench_load",
    "bench_dashboard",
    "bench_cli",
)


def main(names: list[str]) -> int:
    """Run the named benchmarks (all by default), one after the other."""
    for name in names or BENCHES:
        started = time.perf_counter()
        print(f"\n## {name}")
        importlib.import_module(f"bench.{name}").main()
        print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
