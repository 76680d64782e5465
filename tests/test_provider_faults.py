"""Provider faults (NFR-4): a whole wheeld on Schwab (the real schwab-py client aimed at a local fake) with
Finnhub as fallback, both injecting timeouts, 429s, 5xx bursts, bad JSON, dropped connections, slow bodies."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import START, SUMMARY_LINES, data_of, error_of
from tests.marketdata.fake_schwab import FakeSchwab, LoopbackTransport, Scripted, token_document
from tests.marketdata.test_finnhub import FakeFinnhub
from wheeld.app import Container, build_market_data_from, schwab_settings
from wheeld.clock import FrozenClock
from wheeld.config import Config
from wheeld.http.app import create_app
from wheeld.market_calendar import TradingCalendar

# What must hold: the daemon always answers; after a success, positions are served stale and marked so;
# /api/v1/health degrades and recovers; the circuit opens and closes, visibly; with nothing cached, a position
# is a 502 EXTERNAL_API_ERROR. The clock is frozen, so back-off sleeps and cool-downs take no real time.
QUOTES = "/marketdata/v1/quotes"
TIMEOUT = 0.3  # market_data.timeout_seconds: the hang and slow-body faults cost this much real time
ATTEMPTS = 3  # market_data.max_retries 2, plus the first try
THRESHOLD, COOLDOWN = 5, 60.0  # the circuit's defaults
QUOTE_TTL = 300


def quotes_json(symbol: str = "AAPL") -> bytes:
    """A genuine quotes answer, as bytes (to be cut or dribbled)."""
    return json.dumps({symbol: FakeSchwab(START.date()).quote_json(symbol, {"quote", "regular"})}).encode()


def fault_kind(answer: Scripted) -> str:
    """What a scripted answer does to the client, for the tally."""
    if answer.hang:
        return "timeout"
    if answer.cut:
        return "connection dropped mid-body"
    if answer.drip:
        return "slow body"
    if answer.raw is not None:
        return "truncated JSON" if answer.raw.startswith(b"{") else "malformed JSON"
    return f"HTTP {answer.status}"


class FaultySchwab(FakeSchwab):
    """The fake Schwab, counting the scripted faults it serves."""

    def __init__(self, tally: Counter[str]) -> None:
        super().__init__(START.date())
        self.tally = tally

    async def _scripted(self, request: web.Request) -> web.StreamResponse | None:
        queue = self.scripts.get(request.path)
        if queue:
            self.tally[f"schwab {fault_kind(queue[0])}"] += 1
        return await super()._scripted(request)


class FaultyFinnhub(FakeFinnhub):
    """The fake Finnhub, answering (and counting) scripted faults first."""

    def __init__(self, tally: Counter[str]) -> None:
        super().__init__()
        self.faults: list[web.Response] = []
        self.tally = tally

    def _seen(self, request: web.Request) -> web.Response | None:
        refused = super()._seen(request)
        if refused is None and self.faults:
            fault = self.faults.pop(0)
            self.tally[f"finnhub {'malformed JSON' if fault.status == 200 else f'HTTP {fault.status}'}"] += 1
            return fault
        return refused


@dataclass
class Daemon:
    """A running wheeld (in-process app, real HTTP) over fake vendors, with one open AAPL put."""

    client: TestClient
    schwab: FaultySchwab
    finnhub: FaultyFinnhub
    clock: FrozenClock
    wheel_id: int = 0

    def inject(self, *answers: Scripted) -> None:
        """Serve `answers` for the next quote requests to Schwab."""
        self.schwab.script(QUOTES, *answers)

    def finnhub_fails(self, count: int, status: int = 503, **headers: str) -> None:
        """Finnhub answers the next `count` requests with `status`."""
        self.finnhub.faults.extend(
            web.json_response({"error": "upstream"}, status=status, headers=headers) for _ in range(count)
        )

    def upstream_back(self) -> None:
        """Both vendors answer normally again."""
        self.schwab.scripts[QUOTES].clear()
        self.finnhub.faults.clear()

    @property
    def schwab_calls(self) -> int:
        """Quote requests Schwab has received."""
        return self.schwab.count(QUOTES)

    async def position(self) -> dict[str, Any]:
        """GET the wheel's position (asserting a 200)."""
        return await data_of(await self.client.get(f"/api/v1/wheels/{self.wheel_id}/position"))

    async def market_health(self) -> tuple[str, dict[str, Any]]:
        """The overall health status and its market_data component (health must answer 200)."""
        health = await data_of(await self.client.get("/api/v1/health"))
        return health["status"], health["components"]["market_data"]


@pytest.fixture(scope="module")
def fault_tally(request: pytest.FixtureRequest) -> Iterator[Counter[str]]:
    """Faults injected across the module; the total is printed after the run (README figures)."""
    tally: Counter[str] = Counter()
    yield tally
    kinds = ", ".join(f"{kind}: {count}" for kind, count in sorted(tally.items()))
    request.config.stash.setdefault(SUMMARY_LINES, []).append(
        f"provider faults: {sum(tally.values())} injected ({kinds})"
    )


@pytest.fixture
async def daemon(
    aiohttp_client: Callable[..., Any],
    aiohttp_server: Callable[..., Any],
    make_config: Callable[..., Config],
    clock: FrozenClock,
    xnys: TradingCalendar,
    fault_tally: Counter[str],
) -> AsyncIterator[Daemon]:
    """wheeld with `market_data.provider: schwab` (Finnhub as fallback), both vendors local fakes."""
    schwab = FaultySchwab(fault_tally)
    finnhub = FaultyFinnhub(fault_tally)
    # Quotes priced at the moment they are asked for, as a live vendor's are (their age is now − that).
    schwab.quoted_at = finnhub.quoted_at = clock.now
    schwab_server = await aiohttp_server(schwab.app())
    finnhub_server = await aiohttp_server(finnhub.app())
    config = make_config(
        market_data__provider="schwab",
        market_data__timeout_seconds=TIMEOUT,
        market_data__max_retries=ATTEMPTS - 1,
        external_apis__schwab__app_key="K" * 32,
        external_apis__schwab__app_secret="S" * 16,
        external_apis__finnhub__api_key="FH-KEY",
    )
    schwab_settings(config).token_store(config.data_dir).write(token_document(clock.now()))
    market = build_market_data_from(
        config,
        clock,
        xnys,
        schwab_transport=LoopbackTransport(str(schwab_server.make_url("/"))),
        finnhub_api_url=str(finnhub_server.make_url("/api/v1/")),
    )
    client = await aiohttp_client(create_app(Container.build(config, clock, xnys, market=market)))
    made = Daemon(client, schwab, finnhub, clock)
    await data_of(await client.post("/api/v1/portfolios", json={"name": "Income"}), 201)
    wheel = await data_of(
        await client.post("/api/v1/portfolios/1/wheels", json={"symbol": "AAPL", "capital_allocated": 25000}), 201
    )
    made.wheel_id = wheel["id"]
    trade = {"direction": "put", "strike": 220, "expiration_date": "2026-12-18", "contracts": 1, "total_premium": 310}
    await data_of(await client.post(f"/api/v1/wheels/{made.wheel_id}/trades", json=trade), 201)
    yield made
    schwab.release.set()


def outage(daemon: Daemon) -> None:
    """Schwab answers 503 and Finnhub 502 for a while: no quote can be had."""
    daemon.inject(*[Scripted(status=503)] * 12)
    daemon.finnhub_fails(12, status=502)


async def test_outage_after_a_success_serves_stale_and_health_degrades_then_recovers(daemon: Daemon) -> None:
    fresh = await daemon.position()
    assert (fresh["current_price"], fresh["price_source"], fresh["price_stale"]) == (230.12, "schwab", False)
    overall, market = await daemon.market_health()
    assert (overall, market["status"], market["circuit"], market["provider"]) == ("ok", "ok", "closed", "schwab")

    daemon.clock.advance(QUOTE_TTL + 1)
    daemon.inject(*[Scripted(status=503)] * ATTEMPTS)
    daemon.finnhub_fails(ATTEMPTS, status=500)
    (stale,) = await data_of(await daemon.client.get("/api/v1/positions"))
    assert daemon.schwab_calls == 1 + ATTEMPTS  # the burst was retried, then given up on
    assert stale["price_stale"] is True
    assert stale["current_price"] == 230.12 and stale["price_age_seconds"] >= QUOTE_TTL + 1
    overall, market = await daemon.market_health()
    assert (overall, market["status"], market["circuit"]) == ("degraded", "degraded", "closed")
    assert "HTTP 503" in market["last_error"]
    assert market["fallback"]["status"] == "degraded"

    recovered = await daemon.position()  # the fakes answer normally again
    assert (recovered["price_stale"], recovered["price_source"]) == (False, "schwab")
    overall, market = await daemon.market_health()
    assert (overall, market["status"], market["primary"]["consecutive_failures"]) == ("ok", "ok", 0)


async def test_circuit_opens_after_repeated_failures_and_closes_after_the_cooldown(daemon: Daemon) -> None:
    await daemon.position()
    daemon.clock.advance(QUOTE_TTL + 1)
    outage(daemon)
    first = await daemon.position()  # three failures: closed still
    assert first["price_stale"] is True
    assert (await daemon.market_health())[1]["circuit"] == "closed"
    second = await daemon.position()  # two more reach the threshold: open, the last attempt never sent
    assert second["price_stale"] is True
    assert daemon.schwab_calls == 1 + THRESHOLD
    overall, market = await daemon.market_health()
    assert (overall, market["circuit"]) == ("degraded", "open")
    assert "circuit open" in market["detail"]

    # While open, nothing goes upstream and the stale price keeps being served.
    third = await daemon.position()
    assert third["price_stale"] is True and daemon.schwab_calls == 1 + THRESHOLD

    daemon.upstream_back()
    daemon.clock.advance(COOLDOWN)
    assert (await daemon.market_health())[1]["circuit"] == "half_open"
    trial = await daemon.position()
    assert (trial["price_stale"], trial["price_source"]) == (False, "schwab")
    assert daemon.schwab_calls == 2 + THRESHOLD
    overall, market = await daemon.market_health()
    assert (overall, market["circuit"], market["status"]) == ("ok", "closed", "ok")


async def test_429_waits_for_retry_after_then_serves_fresh(daemon: Daemon) -> None:
    before = daemon.clock.monotonic()
    daemon.inject(
        Scripted(status=429, headers={"Retry-After": "7"}), Scripted(status=429, headers={"Retry-After": "3"})
    )
    position = await daemon.position()
    assert (position["price_stale"], position["current_price"]) == (False, 230.12)
    assert daemon.schwab_calls == 3
    assert daemon.clock.monotonic() - before >= 10  # both waits honoured (on the frozen clock: no real time)
    assert (await daemon.market_health())[1]["status"] == "ok"


@pytest.mark.parametrize(
    ("fault", "retried"),
    [
        pytest.param(lambda: Scripted(raw=b"<html>502 Bad Gateway</html>"), False, id="malformed-json"),
        pytest.param(lambda: Scripted(raw=quotes_json()[:40]), False, id="truncated-json"),
        pytest.param(lambda: Scripted(raw=quotes_json(), cut=True), True, id="connection-dropped-mid-body"),
        pytest.param(lambda: Scripted(hang=True), True, id="timeout"),
        pytest.param(lambda: Scripted(raw=quotes_json(), drip=TIMEOUT / 4), True, id="body-slower-than-timeout"),
    ],
)
async def test_bad_answers_after_a_success_are_survived(
    daemon: Daemon, fault: Callable[[], Scripted], retried: bool
) -> None:
    await daemon.position()
    daemon.clock.advance(QUOTE_TTL + 1)
    daemon.inject(*[fault() for _ in range(ATTEMPTS)])
    daemon.finnhub_fails(ATTEMPTS)
    position = await daemon.position()
    # Garbage is final (no retry: the same request would get the same garbage); transport faults retry.
    assert daemon.schwab_calls == 1 + (ATTEMPTS if retried else 1)
    assert position["price_stale"] is True and position["current_price"] == 230.12
    overall, market = await daemon.market_health()
    assert (overall, market["status"]) == ("degraded", "degraded")
    assert market["last_error"]
    assert (await daemon.client.get("/api/v1/portfolios/1/summary")).status == 200

    daemon.upstream_back()
    assert (await daemon.position())["price_stale"] is False
    assert (await daemon.market_health())[0] == "ok"


async def test_a_slow_body_inside_the_timeout_is_just_slow(daemon: Daemon) -> None:
    daemon.inject(Scripted(raw=quotes_json(), drip=0.005))
    position = await daemon.position()
    assert (position["price_stale"], daemon.schwab_calls) == (False, 1)


async def test_nothing_cached_is_external_api_error_and_the_daemon_stays_up(daemon: Daemon) -> None:
    outage(daemon)
    error = await error_of(
        await daemon.client.get(f"/api/v1/wheels/{daemon.wheel_id}/position"), 502, "EXTERNAL_API_ERROR"
    )
    assert error["details"]["provider"] == "schwab" and "HTTP 503" in error["details"]["reason"]
    await error_of(await daemon.client.get("/api/v1/positions"), 502, "EXTERNAL_API_ERROR")
    # A scheduled job meeting the outage fails on its own; the daemon goes on answering.
    run = await data_of(await daemon.client.post("/api/v1/jobs/price_refresh/run", json={}), 202)
    finished = await wait_for_run(daemon.client, "price_refresh", run["run_id"])
    assert finished["status"] == "failure" and "market data unavailable" in finished["error"]
    overall, market = await daemon.market_health()
    assert overall == "degraded" and market["circuit"] == "open"
    assert (await daemon.client.get("/api/v1/portfolios")).status == 200

    daemon.upstream_back()
    daemon.clock.advance(COOLDOWN)
    assert (await daemon.position())["price_stale"] is False
    assert (await daemon.market_health())[0] == "ok"


async def test_finnhub_stands_in_for_schwab_and_its_own_faults_are_survived(daemon: Daemon) -> None:
    daemon.inject(*[Scripted(status=500)] * ATTEMPTS)
    daemon.finnhub_fails(1, status=429, **{"Retry-After": "2"})
    position = await daemon.position()
    assert (position["price_source"], position["price_stale"], position["current_price"]) == ("finnhub", False, 230.12)
    overall, market = await daemon.market_health()
    assert overall == "degraded" and market["status"] == "degraded"  # the primary failed: say so
    assert market["fallback"]["status"] == "ok"

    # Finnhub answering something other than JSON: stale from the cache, not a crash.
    daemon.clock.advance(QUOTE_TTL + 1)
    daemon.inject(*[Scripted(status=502)] * ATTEMPTS)
    daemon.finnhub.faults.append(web.Response(text="{not json", content_type="application/json"))
    stale = await daemon.position()
    assert (stale["price_source"], stale["price_stale"]) == ("finnhub", True)


async def wait_for_run(client: TestClient, job_id: str, run_id: int) -> dict[str, Any]:
    """Poll a job's runs until `run_id` has finished."""
    for _ in range(500):
        runs = await data_of(await client.get(f"/api/v1/jobs/{job_id}/runs"))
        run = next(r for r in runs if r["id"] == run_id)
        if run["status"] != "running":
            return run
        await asyncio.sleep(0.01)
    raise AssertionError(f"run {run_id} of {job_id} did not finish")
