"""The `wheel` CLI's start-up: `wheel --help`, and `wheel list` against a running daemon (20 wheels).

Targets (DESIGN.md): `wheel --help` < 0.3 s, `wheel list` < 0.5 s. Each figure is the median of runs of the
installed console script; `python -c pass` is measured beside it, since on a busy shared box the
interpreter's own start-up moves every figure (the load average is printed too).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import print_table, wheeld_server
from bench.seed import seed

RUNS = 15
WHEEL = str(Path(sys.executable).with_name("wheel"))


def timed(argv: list[str], environ: dict[str, str]) -> float:
    """Median wall time of RUNS runs of `argv` (each must exit 0)."""
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(argv, env=environ, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> dict:
    """Measure, print the table; returns the figures."""
    with tempfile.TemporaryDirectory(prefix="wheeld-bench-") as tmp:
        data = Path(tmp)
        asyncio.run(seed(data, wheels=20, settled_per_wheel=2, portfolio="Bench"))
        with wheeld_server(data) as base:
            environ = {**os.environ, "HOME": tmp, "WHEEL_API_URL": base}
            figures = {
                "python -c pass": timed([sys.executable, "-c", "pass"], environ),
                "wheel --help": timed([WHEEL, "--help"], environ),
                "wheel list (20 wheels)": timed([WHEEL, "list"], environ),
            }
    targets = {"wheel --help": 0.3, "wheel list (20 wheels)": 0.5}
    rows = [
        {
            "command": name,
            "median_s": round(seconds, 3),
            "target_s": targets.get(name, ""),
            "met": ("yes" if seconds < targets[name] else "NO") if name in targets else "",
        }
        for name, seconds in figures.items()
    ]
    print_table(f"wheel CLI start-up (median of {RUNS}; load average {os.getloadavg()[0]:.1f})", rows)
    return figures


if __name__ == "__main__":
    main()
