"""The one interface the `wheel` CLI talks to: the daemon over HTTP, or wheeld's services in-process.

Both implementations take the API's request shapes (JSON bodies in dollars, ISO dates) and return the
API's `data` (serialized by the routes' own marshmallow schemas), and both raise wheeld's named errors
(`wheeld.errors`: `NotFound`, `InvalidState`, `ValidationError` …, with the API's status, code, message
and details). So a command works, and prints the same `--json`, in either mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol

JSON = dict[str, Any]
Query = Mapping[str, Any]
Body = Mapping[str, Any]
Mode = Literal["api", "direct"]


class BackendError(Exception):
    """The CLI cannot reach or use its backend at all (not an answer from the API)."""

    exit_code = 1


class DaemonUnreachable(BackendError):
    """No daemon answers at the configured address (or it did not answer in time)."""

    exit_code = 3

    def __init__(self, base_url: str, reason: str = "", timed_out: bool = False) -> None:
        if timed_out:
            message = f"wheeld at {base_url} did not answer within {reason} — is it busy or stuck? (see its log)"
        else:
            message = f"wheeld is not running at {base_url} — start it with `wheeld serve` (or `make serve`)"
        super().__init__(message)
        self.base_url = base_url
        self.reason = reason


class DaemonHoldsDatabase(BackendError):
    """Direct mode was asked to write while a daemon serves the same database."""


class DatabaseUnusable(BackendError):
    """Direct mode cannot open the database (a legacy file, a newer schema, a bad path)."""


class Backend(Protocol):
    """What the CLI needs from wheeld; each method names the API endpoint whose `data` it returns.

    List methods return every item (they walk the pages) unless they take a `limit`.
    """

    mode: Mode
    where: str  # the daemon's URL or the database file, for messages

    async def close(self) -> None:
        """Release the connection (API mode) or stop the services and close the database (direct mode)."""

    # system
    async def health(self) -> JSON:
        """GET /api/v1/health (its data also when the database is down)."""

    async def system_info(self) -> JSON:
        """GET /api/v1/system/info."""

    # portfolios
    async def list_portfolios(self) -> list[JSON]:
        """GET /api/v1/portfolios."""

    async def create_portfolio(self, body: Body) -> JSON:
        """POST /api/v1/portfolios with `{name, description, default_capital}`."""

    async def update_portfolio(self, portfolio_id: int, body: Body) -> JSON:
        """PATCH /api/v1/portfolios/{id} (name, description, default_capital, is_default)."""

    async def delete_portfolio(self, portfolio_id: int) -> None:
        """DELETE /api/v1/portfolios/{id} (its wheels, trades and snapshots go with it)."""

    async def portfolio_summary(self, portfolio_id: int) -> JSON:
        """GET /api/v1/portfolios/{id}/summary."""

    # wheels
    async def list_wheels(self, query: Query) -> list[JSON]:
        """GET /api/v1/wheels (portfolio_id, symbol, state, profile, archived=false|true|all, sort)."""

    async def get_wheel(self, wheel_id: int) -> JSON:
        """GET /api/v1/wheels/{id}."""

    async def create_wheel(self, portfolio_id: int, body: Body) -> JSON:
        """POST /api/v1/portfolios/{id}/wheels (symbol, profile, capital_allocated, starting_direction …)."""

    async def update_wheel(self, wheel_id: int, body: Body) -> JSON:
        """PATCH /api/v1/wheels/{id} (profile, capital_allocated, notes, archived)."""

    # trades
    async def list_trades(self, query: Query) -> list[JSON]:
        """GET /api/v1/trades (portfolio_id, wheel_id, symbol, direction, outcome, start, end, sort)."""

    async def record_trade(self, wheel_id: int, body: Body) -> JSON:
        """POST /api/v1/wheels/{id}/trades."""

    async def settle_trade(self, trade_id: int, body: Body) -> JSON:
        """POST /api/v1/trades/{id}/settle (outcome expired|assigned|closed)."""

    async def roll_trade(self, trade_id: int, body: Body) -> JSON:
        """POST /api/v1/trades/{id}/roll with `{close_cost, new: {...}}`."""

    async def trades_csv(self, query: Query) -> str:
        """GET /api/v1/trades?format=csv: the whole selection as CSV text."""

    # positions and analytics
    async def list_positions(self, query: Query) -> list[JSON]:
        """GET /api/v1/positions (portfolio_id, symbol, risk_level, expires_before)."""

    async def take_snapshots(self, body: Body) -> JSON:
        """POST /api/v1/snapshots (`{portfolio_id}` or everything)."""

    async def list_snapshots(self, query: Query) -> list[JSON]:
        """GET /api/v1/snapshots (trade_id, wheel_id, portfolio_id, symbol, start, end, sort)."""

    async def wheel_trend(self, wheel_id: int, trade_id: int | None = None) -> JSON:
        """GET /api/v1/wheels/{id}/trend."""

    async def performance(self, query: Query) -> JSON:
        """GET /api/v1/performance (portfolio_id, wheel_id, symbol, period, start, end)."""

    async def performance_portfolios(self, query: Query) -> list[JSON]:
        """GET /api/v1/performance/portfolios."""

    async def performance_symbols(self, query: Query) -> list[JSON]:
        """GET /api/v1/performance/symbols."""

    async def performance_csv(self, by: Literal["portfolios", "symbols"], query: Query) -> str:
        """GET /api/v1/performance/{by}?format=csv as CSV text."""

    # recommendations, watchlist, scans
    async def recommendation(self, wheel_id: int) -> JSON:
        """GET /api/v1/wheels/{id}/recommendation."""

    async def recommendations(self, body: Body) -> list[JSON]:
        """POST /api/v1/recommendations with `{wheel_ids}` or `{portfolio_id}`."""

    async def list_watchlist(self, query: Query) -> list[JSON]:
        """GET /api/v1/watchlist (portfolio_id, global)."""

    async def add_to_watchlist(self, body: Body) -> JSON:
        """POST /api/v1/watchlist."""

    async def remove_from_watchlist(self, symbol: str, portfolio_id: int | None) -> None:
        """DELETE /api/v1/watchlist/{symbol}[?portfolio_id=]."""

    async def scan(self, body: Body) -> JSON:
        """POST /api/v1/opportunities/scan."""

    async def list_opportunities(self) -> list[JSON]:
        """GET /api/v1/opportunities (the latest scan's, best first)."""

    # jobs, alerts, plugins
    async def list_jobs(self) -> list[JSON]:
        """GET /api/v1/jobs."""

    async def update_job(self, job_id: str, body: Body) -> JSON:
        """PATCH /api/v1/jobs/{id}."""

    async def run_job(self, job_id: str) -> JSON:
        """POST /api/v1/jobs/{id}/run."""

    async def job_runs(self, job_id: str, limit: int) -> list[JSON]:
        """GET /api/v1/jobs/{id}/runs: the newest `limit` runs."""

    async def list_alerts(self, query: Query, limit: int) -> list[JSON]:
        """GET /api/v1/alerts (acknowledged, active, kind, severity, portfolio_id …): the newest `limit`."""

    async def acknowledge_alert(self, alert_id: int, acknowledged: bool) -> JSON:
        """PATCH /api/v1/alerts/{id} with `{acknowledged}`."""

    async def list_plugins(self) -> list[JSON]:
        """GET /api/v1/plugins."""
