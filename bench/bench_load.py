"""Mixed load: reads and writes from 10 and 50 concurrent clients while price_refresh and risk_monitor run.

Each client loops over a weighted mix — reads (portfolio summary, positions, trade history, performance)
and writes (record a put then settle it on the client's own wheel, PATCH a trade's notes) — for
SECONDS per level, while a side task triggers `price_refresh` and `risk_monitor` through
`POST /api/v1/jobs/{id}/run` every JOB_EVERY seconds. Data: 100 wheels with 2,000 settled trades and
100 open puts, plus one wheel in cash per client.

Targets (PRD): p95 < 200 ms with 10+ concurrent clients, and no errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bench.harness import LoadResult, dump_json, print_table, wheeld_server
from bench.seed import seed

LEVELS = (10, 50)
SECONDS = 10.0
WARMUP = 1.0
JOB_EVERY = 1.0
P95_TARGET_MS = 200.0
JOBS = ("price_refresh", "risk_monitor")
# Operation name -> weight in the mix: 80 % reads, 20 % writes.
MIX = {
    "summary": 20,
    "positions": 20,
    "trades list": 20,
    "performance": 20,
    "record/settle trade": 12,
    "patch notes": 8,
}


@dataclass
class Tally:
    """Latencies and errors per operation while recording."""

    recording: bool = False
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    samples: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, millis: float, ok: bool, detail: str = "") -> None:
        """Count one request (only while recording)."""
        if not self.recording:
            return
        self.latencies.setdefault(name, []).append(millis)
        if not ok:
            self.errors[name] = self.errors.get(name, 0) + 1
            self.samples.setdefault(name, detail)


@dataclass
class Client:
    """One simulated user: a session, a random stream, and the wheel it trades on."""

    session: aiohttp.ClientSession
    base: str
    rng: random.Random
    wheel_id: int
    portfolio_id: int
    trade_ids: int
    tally: Tally
    open_trade: int | None = None

    async def call(self, name: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One request, timed and tallied; returns the JSON `data` (None for errors and CSV)."""
        started = time.perf_counter()
        try:
            async with self.session.request(method, self.base + path, json=body) as response:
                payload = await response.json() if response.content_type == "application/json" else None
                ok = response.status < 400
                detail = "" if ok else f"{response.status} {str(payload)[:160]}"
        except aiohttp.ClientError as exc:
            payload, ok, detail = None, False, f"{type(exc).__name__}: {exc}"
        self.tally.add(name, (time.perf_counter() - started) * 1000, ok, detail)
        return payload["data"] if ok and isinstance(payload, dict) else None

    async def step(self) -> None:
        """One operation drawn from the mix."""
        name = self.rng.choices(list(MIX), weights=list(MIX.values()))[0]
        p = self.portfolio_id
        if name == "summary":
            await self.call(name, "GET", f"/api/v1/portfolios/{p}/summary")
        elif name == "positions":
            await self.call(name, "GET", f"/api/v1/positions?portfolio_id={p}&page_size=100")
        elif name == "trades list":
            page = self.rng.randint(1, 40)
            await self.call(name, "GET", f"/api/v1/trades?portfolio_id={p}&sort=-opened_at&page={page}")
        elif name == "performance":
            period = self.rng.choice(("30d", "90d", "365d", "all"))
            await self.call(name, "GET", f"/api/v1/performance?portfolio_id={p}&period={period}")
        elif name == "patch notes":
            trade = self.rng.randint(1, self.trade_ids)
            await self.call(name, "PATCH", f"/api/v1/trades/{trade}", {"notes": f"load {self.rng.random():.6f}"})
        else:
            await self.record_or_settle()

    async def record_or_settle(self) -> None:
        """Sell a put on the client's wheel, or settle the one it sold (expired)."""
        if self.open_trade is None:
            expiry = (date.today() + timedelta(days=14)).isoformat()
            body = {"direction": "put", "strike": 95, "expiration_date": expiry, "contracts": 1, "total_premium": 150}
            created = await self.call("record trade", "POST", f"/api/v1/wheels/{self.wheel_id}/trades", body)
            self.open_trade = created["id"] if created else None
        else:
            settle = {"outcome": "expired", "stock_price_at_expiry": 101}
            await self.call("settle trade", "POST", f"/api/v1/trades/{self.open_trade}/settle", settle)
            self.open_trade = None


async def trigger_jobs(base: str, stop: asyncio.Event, runs: Counter[str]) -> None:
    """Start price_refresh and risk_monitor every JOB_EVERY seconds (a 409 means the last run goes on),
    then count how the runs it started ended."""
    started: dict[str, set[int]] = {job: set() for job in JOBS}
    async with aiohttp.ClientSession() as session:
        while not stop.is_set():
            for job in JOBS:
                async with session.post(f"{base}/api/v1/jobs/{job}/run", json={}) as response:
                    if response.status == 202:
                        started[job].add((await response.json())["data"]["run_id"])
                    else:
                        runs[f"{job} busy"] += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), JOB_EVERY)
        await asyncio.sleep(0.5)  # let the last runs finish
        for job in JOBS:
            async with session.get(f"{base}/api/v1/jobs/{job}/runs?page_size=500") as response:
                for run in (await response.json())["data"]:
                    if run["id"] in started[job]:
                        runs[f"{job} {run['status']}"] += 1


async def run_level(base: str, clients: int, wheel_ids: list[int], portfolio_id: int, trade_ids: int) -> dict:
    """Drive `clients` concurrent clients for WARMUP + SECONDS while jobs run; figures per operation."""
    tally = Tally()
    runs: Counter[str] = Counter()
    stop = asyncio.Event()
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        users = [
            Client(session, base, random.Random(i), wheel_ids[i], portfolio_id, trade_ids, tally)
            for i in range(clients)
        ]

        async def drive(user: Client, deadline: float) -> None:
            while time.perf_counter() < deadline:
                await user.step()

        jobs = asyncio.create_task(trigger_jobs(base, stop, runs))
        await asyncio.gather(*(drive(u, time.perf_counter() + WARMUP) for u in users))
        tally.recording = True
        begin = time.perf_counter()
        await asyncio.gather(*(drive(u, begin + SECONDS) for u in users))
        elapsed = time.perf_counter() - begin
        tally.recording = False
        stop.set()
        await jobs
        # Leave no trade open: the next level starts from wheels in cash.
        for user in users:
            if user.open_trade is not None:
                await user.record_or_settle()
    results = {
        name: LoadResult(len(lat), tally.errors.get(name, 0), elapsed, lat) for name, lat in tally.latencies.items()
    }
    everything = [ms for lat in tally.latencies.values() for ms in lat]
    results["all"] = LoadResult(len(everything), sum(tally.errors.values()), elapsed, everything)
    return {"results": results, "runs": dict(runs), "samples": tally.samples}


async def prepare(base: str, portfolio_id: int, count: int) -> list[int]:
    """One wheel in cash per client (a client records and settles only on its own wheel)."""
    async with aiohttp.ClientSession() as session:
        ids = []
        for i in range(count):
            body = {"symbol": f"L{i:03d}", "capital_allocated": 50000}
            async with session.post(f"{base}/api/v1/portfolios/{portfolio_id}/wheels", json=body) as response:
                ids.append((await response.json())["data"]["id"])
        return ids


async def measure(base: str, info: dict[str, int]) -> list[dict]:
    """Every level, one after the other, on the same daemon."""
    wheel_ids = await prepare(base, info["portfolio_id"], max(LEVELS))
    return [
        {"clients": clients, **await run_level(base, clients, wheel_ids, info["portfolio_id"], info["trades"])}
        for clients in LEVELS
    ]


def _verdict(level: dict) -> tuple[bool, str]:
    overall = level["results"]["all"]
    worst = max(level["results"].items(), key=lambda item: item[1].pct(95))
    met = overall.pct(95) < P95_TARGET_MS and worst[1].pct(95) < P95_TARGET_MS and overall.errors == 0
    return met, f"overall p95 {overall.pct(95):.1f} ms, slowest {worst[0]} p95 {worst[1].pct(95):.1f} ms"


def main() -> dict:
    """Seed, serve, load at each level, print the table."""
    with tempfile.TemporaryDirectory(prefix="wheeld-bench-") as tmp:
        data = Path(tmp)
        started = time.perf_counter()
        info = asyncio.run(seed(data, wheels=100, settled_per_wheel=20))
        print(f"seeded {info['wheels']} wheels, {info['trades']} trades in {time.perf_counter() - started:.1f}s")
        with wheeld_server(data) as base:
            levels = asyncio.run(measure(base, info))
    rows: list[dict[str, object]] = []
    for level in levels:
        for name, result in sorted(level["results"].items(), key=lambda item: item[0] == "all"):
            row = result.row()
            rows.append(
                {
                    "clients": level["clients"],
                    "operation": f"**{name}**" if name == "all" else name,
                    "requests": row["requests"],
                    "req/s": row["rps"],
                    "p50 ms": row["p50_ms"],
                    "p95 ms": row["p95_ms"],
                    "p99 ms": row["p99_ms"],
                    "errors": row["errors"],
                }
            )
    print_table(
        f"Mixed load, {SECONDS:.0f} s per level, price_refresh and risk_monitor triggered every {JOB_EVERY:.0f} s", rows
    )
    summary = []
    for level in levels:
        met, text = _verdict(level)
        jobs = ", ".join(f"{k}: {v}" for k, v in sorted(level["runs"].items()) if v)
        print(
            f"\n{level['clients']} clients: {text}; target p95 < {P95_TARGET_MS:.0f} ms and 0 errors: "
            f"{'MET' if met else 'NOT MET'}\n  jobs: {jobs}"
        )
        for name, sample in level["samples"].items():
            print(f"  first {name} error: {sample}")
        summary.append({"clients": level["clients"], "met": met, "jobs": level["runs"]})
    dump_json("load", {"rows": rows, "levels": summary})
    return {"rows": rows, "levels": summary}


if __name__ == "__main__":
    main()
