"""Benchmark harness: start servers in subprocesses, drive them with an asyncio client, report figures.

Figures on a shared 2-core machine drift, so every target is a ratio against a bare aiohttp handler
measured in the same run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, timeout: float = 20.0) -> float:
    """Poll `url` until it answers 200; returns the seconds it took."""
    import urllib.request

    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"{url} did not become healthy in {timeout}s")


@contextlib.contextmanager
def wheeld_server(data_dir: Path, extra_env: dict[str, str] | None = None, log_level: str = "WARNING") -> Iterator[str]:
    """Run `wheeld serve` on a free port with `data_dir`; yields the base URL."""
    port = free_port()
    env = {**os.environ, "WHEELD_SERVER__LOG_LEVEL": log_level, "HOME": str(data_dir), **(extra_env or {})}
    proc = subprocess.Popen(
        [PYTHON, "-m", "wheeld", "serve", "--data-dir", str(data_dir), "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base + "/api/v1/health")
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


BARE_APP = """
import sys
from aiohttp import web
async def handler(request):
    return web.json_response({"data": {"ok": True, "value": 42}, "timestamp": "2026-11-25T00:00:00Z"})
app = web.Application()
app.router.add_get("/bare", handler, allow_head=False)
app.router.add_get("/api/v1/health", handler, allow_head=False)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


@contextlib.contextmanager
def bare_server() -> Iterator[str]:
    """A bare aiohttp handler returning a small JSON body: the ceiling for this stack."""
    port = free_port()
    proc = subprocess.Popen([PYTHON, "-c", BARE_APP, str(port)], stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base + "/api/v1/health")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@dataclass
class LoadResult:
    """Throughput and latency of one load run."""

    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        """Latency percentile in ms."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]

    def row(self) -> dict[str, float]:
        """Figures for a table."""
        return {
            "rps": round(self.rps, 1),
            "p50_ms": round(self.pct(50), 2),
            "p95_ms": round(self.pct(95), 2),
            "p99_ms": round(self.pct(99), 2),
            "errors": self.errors,
            "requests": self.requests,
        }


async def load(
    url: str, seconds: float = 5.0, connections: int = 10, warmup: float = 1.0, method: str = "GET", body_factory=None
) -> LoadResult:
    """Drive `url` with `connections` concurrent keep-alive clients for `seconds` (after a warm-up)."""
    connector = aiohttp.TCPConnector(limit=connections)
    latencies: list[float] = []
    errors = 0
    count = 0
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker(deadline: float, record: bool) -> None:
            nonlocal errors, count
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                kwargs = {"json": body_factory()} if body_factory else {}
                try:
                    async with session.request(method, url, **kwargs) as response:
                        await response.read()
                        ok = response.status < 400
                except aiohttp.ClientError:
                    ok = False
                if record:
                    latencies.append((time.perf_counter() - start) * 1000)
                    count += 1
                    errors += 0 if ok else 1

        await asyncio.gather(*(worker(time.perf_counter() + warmup, False) for _ in range(connections)))
        begin = time.perf_counter()
        await asyncio.gather(*(worker(begin + seconds, True) for _ in range(connections)))
        elapsed = time.perf_counter() - begin
    return LoadResult(count, errors, elapsed, latencies)


def median_of(results: list[LoadResult]) -> LoadResult:
    """The run with the median throughput."""
    return sorted(results, key=lambda r: r.rps)[len(results) // 2]


def print_table(title: str, rows: list[dict[str, object]]) -> None:
    """Print rows as a Markdown table (what the README shows)."""
    if not rows:
        return
    columns = list(rows[0])
    print(f"\n### {title}\n")
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---" for _ in columns) + "|")
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")


def dump_json(name: str, payload: object) -> None:
    """Write the figures to bench/results/NAME.json for the record."""
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(payload, indent=2))


__all__ = ["LoadResult", "bare_server", "load", "median_of", "print_table", "statistics", "wheeld_server"]
