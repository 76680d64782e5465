"""The real wheeld app served on a loopback port from a background thread, and Debian's Chromium.

Browser tests and scripts/dashboard_screenshots.py share these: the app is the one `serve` builds
(real SQLite file, simulated market) on a FrozenClock the caller moves, so a book with weeks of
snapshots can be made in a second. Playwright drives the system `chromium` (found on PATH); its own
browser download cannot work here.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import threading
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from wheeld.app import Container
from wheeld.clock import FrozenClock
from wheeld.config import load_config
from wheeld.http.app import create_app
from wheeld.market_calendar import TradingCalendar

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NO_CHROMIUM = "no `chromium` on PATH: browser tests need Debian's chromium (apt-get install chromium; .ci/run does it)"


def chromium_path() -> str | None:
    """The system Chromium, or None."""
    return shutil.which("chromium")


def launch_chromium(playwright: Any) -> Any:
    """A headless Chromium through Playwright, on the system binary."""
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class DashboardServer:
    """create_app(Container) on 127.0.0.1:<free port>, its loop in a daemon thread."""

    def __init__(self, data_dir: Path, clock: FrozenClock, calendar: TradingCalendar, **flags: Any) -> None:
        self.clock = clock
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = str(flags.get("server.api_token", ""))
        config = load_config(None, data_dir=data_dir, flags={"server.port": self.port, **flags}, environ={})
        self._app = create_app(Container.build(config, clock, calendar))
        self._loop = asyncio.new_event_loop()
        self._runner = web.AppRunner(self._app, access_log=None)
        self._thread = threading.Thread(target=self._loop.run_forever, name="dashboard-server", daemon=True)

    def start(self) -> DashboardServer:
        """Serve until stop()."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=30)
        return self

    async def _serve(self) -> None:
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def stop(self) -> None:
        """Close the app (and its database) and the loop."""
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """One call to /api/v1 from outside the browser; returns `data`, raises on an error status."""
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            f"{self.url}/api/v1{path}",
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers=headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())["data"]
        except urllib.error.HTTPError as error:
            with error:
                raise AssertionError(f"{method} {path}: {error.code} {error.read().decode()}") from None


def seed_book(server: DashboardServer, days: int = 20) -> dict[str, int]:
    """A small, plausible book for screenshots: two portfolios, four wheels, a settled put and open
    options (one in the money), then `days` of daily snapshots, the clock moving a day at a time.
    Strikes follow each wheel's own recommendation (the simulated market's price). Returns ids."""
    clock = server.clock
    income = server.api("POST", "/portfolios", {"name": "Income", "default_capital": 25000})
    growth = server.api("POST", "/portfolios", {"name": "Growth", "default_capital": 40000})
    wheels = {
        "AAPL": server.api(
            "POST", f"/portfolios/{income['id']}/wheels", {"symbol": "AAPL", "capital_allocated": 25000}
        ),
        "KO": server.api("POST", f"/portfolios/{income['id']}/wheels", {"symbol": "KO", "capital_allocated": 8000}),
        "MSFT": server.api(
            "POST",
            f"/portfolios/{growth['id']}/wheels",
            {"symbol": "MSFT", "starting_direction": "call", "shares": 100, "cost_basis": 390},
        ),
        "NVDA": server.api(
            "POST", f"/portfolios/{growth['id']}/wheels", {"symbol": "NVDA", "capital_allocated": 20000}
        ),
    }
    # A settled week first (KO's put expired worthless), then the open options.
    first = _record(server, wheels["KO"]["id"], clock.today_ny(), 7, None)
    clock.advance(days=7)
    server.api(
        "POST", f"/trades/{first['id']}/settle", {"outcome": "expired", "stock_price_at_expiry": first["strike"] + 2}
    )
    ids = {name: wheel["id"] for name, wheel in wheels.items()}
    # NVDA's put is struck 4 % above the price: in the money, so the overview has something at risk.
    for name, itm in (("AAPL", None), ("KO", None), ("MSFT", None), ("NVDA", 1.04)):
        ids[f"{name}_trade"] = _record(server, ids[name], clock.today_ny(), days + 10, itm)["id"]
    for day in range(days):
        clock.advance(days=1)
        server.api("POST", "/snapshots", {})
        if day == days // 2:  # AAPL's put is rolled out two weeks: its page shows a chain
            ids["AAPL_trade"] = _roll(server, ids["AAPL_trade"])
    server.api("POST", "/jobs/risk_monitor/run", {})
    return {"income": income["id"], "growth": growth["id"], **ids}


def _roll(server: DashboardServer, trade_id: int) -> int:
    """Roll an open option out 14 days at its strike, for 60 % of its premium back; the new trade's id."""
    trade = server.api("GET", f"/trades/{trade_id}")
    new = {
        "strike": trade["strike"],
        "expiration_date": (date.fromisoformat(trade["expiration_date"]) + timedelta(days=14)).isoformat(),
        "premium_per_share": round(trade["premium_per_share"] * 0.8, 2),
    }
    body = {"close_cost": round(trade["total_premium"] * 0.6, 2), "new": new}
    return int(server.api("POST", f"/trades/{trade_id}/roll", body)["opened"]["id"])


def _record(server: DashboardServer, wheel_id: int, today: date, dte: int, itm: float | None) -> dict[str, Any]:
    """Record the wheel's recommended contract (or one struck at price × `itm`); the trade."""
    advice = server.api("GET", f"/wheels/{wheel_id}/recommendation")
    pick, price = advice["pick"], float(advice["basis"]["price"])
    body: dict[str, Any] = {"direction": advice["direction"], "contracts": 1, "fees": 0.65}
    if pick is not None and itm is None:
        body |= {"strike": pick["strike"], "expiration_date": pick["expiration_date"], "premium_per_share": pick["mid"]}
    else:
        factor = itm or (1.05 if advice["direction"] == "call" else 0.95)
        body |= {
            "strike": round(price * factor),
            "expiration_date": (today + timedelta(days=dte)).isoformat(),
            "premium_per_share": round(price * 0.03, 2),
        }
    return dict(server.api("POST", f"/wheels/{wheel_id}/trades", body))
