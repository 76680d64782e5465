"""The `Backend` over HTTP: a client of a running wheeld (API mode, the default).

It speaks HTTP with the standard library's `http.client` (one keep-alive connection per run, each
exchange in a worker thread so the event loop stays free) and imports nothing of the server: a `wheel`
command starts in a fraction of a second.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import quote, urlencode, urlsplit

from wheeld import __version__
from wheeld.cli.backend import JSON, Body, DaemonUnreachable, Mode, Query
from wheeld.errors import ERROR_CLASSES, WheeldError

# The API's largest page (wheeld.services.listing.MAX_PAGE_SIZE, not imported: that is the server's side).
MAX_PAGE_SIZE = 500

_BY_CODE = {cls.code: cls for cls in ERROR_CLASSES if cls is not WheeldError}


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _params(query: Query | None) -> dict[str, str]:
    return {k: _param(v) for k, v in (query or {}).items() if v is not None}


def error_from_envelope(status: int, body: Any, text: str) -> WheeldError:
    """The named wheeld error an error response stands for (its status kept as the daemon sent it)."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("code"), str):
        cls = _BY_CODE.get(error["code"], WheeldError)
        exc = cls(str(error.get("message", "")), error.get("details") or {})
        exc.code = error["code"]
    else:
        # Not wheeld's envelope (a proxy, another program on the port): keep what it said, briefly.
        exc = WheeldError(f"HTTP {status}: {text.strip()[:200] or 'no body'}", {})
        exc.code = "INTERNAL_ERROR" if status >= 500 else "HTTP_ERROR"
    exc.status = status
    return exc


class HttpBackend:
    """wheeld's API as the `Backend` protocol; one keep-alive connection per CLI run."""

    mode: Mode = "api"

    def __init__(
        self, base_url: str, timeout: float = 30.0, token: str = "", token_fallback: Callable[[], str] | None = None
    ) -> None:
        """`token_fallback` gives a token to retry with once when the daemon answers 401 without one."""
        self.base_url = base_url.rstrip("/")
        self.where = self.base_url
        self.timeout = timeout
        headers = {"User-Agent": f"wheel/{__version__}", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._headers = headers
        self._parts = urlsplit(self.base_url)
        self._connection: http.client.HTTPConnection | None = None
        self._token_fallback = token_fallback

    async def close(self) -> None:
        """Close the connection."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            host, port = self._parts.hostname or "127.0.0.1", self._parts.port
            if self._parts.scheme == "https":
                self._connection = http.client.HTTPSConnection(host, port, timeout=self.timeout)
            else:
                self._connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
        return self._connection

    def _exchange(self, method: str, target: str, payload: bytes | None) -> tuple[int, str, str]:
        headers = dict(self._headers)
        if payload is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            connection = self._connect()
            try:
                connection.request(method, target, body=payload, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The daemon closed the kept-alive connection between two requests: once more on a new one.
                self._connection = None
                connection.close()
                if attempt == 2:
                    raise
                continue
            content_type = response.headers.get_content_type()
            charset = response.headers.get_content_charset() or "utf-8"
            return response.status, content_type, data.decode(charset, errors="replace")
        raise AssertionError("unreachable")

    async def _send(
        self, method: str, path: str, query: Query | None = None, body: Body | None = None
    ) -> tuple[int, str, str]:
        """(status, content type, text) of one request; DaemonUnreachable when nothing answers."""
        prefix = self._parts.path.rstrip("/")
        params = _params(query)
        target = f"{prefix}/api/v1{path}" + (f"?{urlencode(params)}" if params else "")
        payload = json.dumps(dict(body)).encode() if body is not None else None
        import asyncio  # imported by the run already; here so this module stays light

        try:
            answer = await asyncio.to_thread(self._exchange, method, target, payload)
            if answer[0] == 401 and self._token_fallback is not None:
                token, self._token_fallback = self._token_fallback(), None
                if token:
                    self._headers["Authorization"] = f"Bearer {token}"
                    answer = await asyncio.to_thread(self._exchange, method, target, payload)
            return answer
        except TimeoutError:
            await self.close()
            raise DaemonUnreachable(self.base_url, f"{self.timeout:g} s", timed_out=True) from None
        except (OSError, http.client.HTTPException) as exc:
            await self.close()
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else f"{type(exc).__name__}: {exc}"
            if isinstance(exc, socket.gaierror):
                reason = f"cannot resolve {self._parts.hostname}: {exc.strerror or exc}"
            raise DaemonUnreachable(self.base_url, reason) from None

    async def _envelope(
        self, method: str, path: str, query: Query | None = None, body: Body | None = None
    ) -> dict[str, Any] | None:
        status, content_type, text = await self._send(method, path, query, body)
        if status == 204:
            return None
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        # Health answers 503 with data, not an error, when the database is down.
        if isinstance(parsed, dict) and "data" in parsed:
            return parsed
        raise error_from_envelope(status, parsed, text if content_type != "text/html" else "")

    async def _data(self, method: str, path: str, query: Query | None = None, body: Body | None = None) -> Any:
        envelope = await self._envelope(method, path, query, body)
        return None if envelope is None else envelope["data"]

    async def _all(self, path: str, query: Query | None = None) -> list[JSON]:
        items: list[JSON] = []
        page = 1
        while True:
            envelope = await self._envelope("GET", path, {**(query or {}), "page": page, "page_size": MAX_PAGE_SIZE})
            assert envelope is not None
            items.extend(envelope["data"])
            if page >= envelope["pagination"]["total_pages"]:
                return items
            page += 1

    async def _first(self, path: str, limit: int, query: Query | None = None) -> list[JSON]:
        return await self._data("GET", path, {**(query or {}), "page": 1, "page_size": limit})

    async def _csv(self, path: str, query: Query) -> str:
        status, content_type, text = await self._send("GET", path, {**query, "format": "csv"})
        if status == 200 and content_type == "text/csv":
            return text
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        raise error_from_envelope(status, parsed, text)

    # system
    async def health(self) -> JSON:
        """GET /api/v1/health."""
        return await self._data("GET", "/health")

    async def system_info(self) -> JSON:
        """GET /api/v1/system/info."""
        return await self._data("GET", "/system/info")

    # portfolios
    async def list_portfolios(self) -> list[JSON]:
        """GET /api/v1/portfolios."""
        return await self._all("/portfolios")

    async def create_portfolio(self, body: Body) -> JSON:
        """POST /api/v1/portfolios."""
        return await self._data("POST", "/portfolios", body=body)

    async def update_portfolio(self, portfolio_id: int, body: Body) -> JSON:
        """PATCH /api/v1/portfolios/{id}."""
        return await self._data("PATCH", f"/portfolios/{portfolio_id}", body=body)

    async def delete_portfolio(self, portfolio_id: int) -> None:
        """DELETE /api/v1/portfolios/{id}."""
        await self._data("DELETE", f"/portfolios/{portfolio_id}")

    async def portfolio_summary(self, portfolio_id: int) -> JSON:
        """GET /api/v1/portfolios/{id}/summary."""
        return await self._data("GET", f"/portfolios/{portfolio_id}/summary")

    # wheels
    async def list_wheels(self, query: Query) -> list[JSON]:
        """GET /api/v1/wheels."""
        return await self._all("/wheels", query)

    async def get_wheel(self, wheel_id: int) -> JSON:
        """GET /api/v1/wheels/{id}."""
        return await self._data("GET", f"/wheels/{wheel_id}")

    async def create_wheel(self, portfolio_id: int, body: Body) -> JSON:
        """POST /api/v1/portfolios/{id}/wheels."""
        return await self._data("POST", f"/portfolios/{portfolio_id}/wheels", body=body)

    async def update_wheel(self, wheel_id: int, body: Body) -> JSON:
        """PATCH /api/v1/wheels/{id}."""
        return await self._data("PATCH", f"/wheels/{wheel_id}", body=body)

    # trades
    async def list_trades(self, query: Query) -> list[JSON]:
        """GET /api/v1/trades."""
        return await self._all("/trades", query)

    async def record_trade(self, wheel_id: int, body: Body) -> JSON:
        """POST /api/v1/wheels/{id}/trades."""
        return await self._data("POST", f"/wheels/{wheel_id}/trades", body=body)

    async def settle_trade(self, trade_id: int, body: Body) -> JSON:
        """POST /api/v1/trades/{id}/settle."""
        return await self._data("POST", f"/trades/{trade_id}/settle", body=body)

    async def roll_trade(self, trade_id: int, body: Body) -> JSON:
        """POST /api/v1/trades/{id}/roll."""
        return await self._data("POST", f"/trades/{trade_id}/roll", body=body)

    async def trades_csv(self, query: Query) -> str:
        """GET /api/v1/trades?format=csv."""
        return await self._csv("/trades", query)

    # positions and analytics
    async def list_positions(self, query: Query) -> list[JSON]:
        """GET /api/v1/positions."""
        return await self._all("/positions", query)

    async def take_snapshots(self, body: Body) -> JSON:
        """POST /api/v1/snapshots."""
        return await self._data("POST", "/snapshots", body=body)

    async def list_snapshots(self, query: Query) -> list[JSON]:
        """GET /api/v1/snapshots."""
        return await self._all("/snapshots", query)

    async def wheel_trend(self, wheel_id: int, trade_id: int | None = None) -> JSON:
        """GET /api/v1/wheels/{id}/trend."""
        return await self._data("GET", f"/wheels/{wheel_id}/trend", {"trade_id": trade_id})

    async def performance(self, query: Query) -> JSON:
        """GET /api/v1/performance."""
        return await self._data("GET", "/performance", query)

    async def performance_portfolios(self, query: Query) -> list[JSON]:
        """GET /api/v1/performance/portfolios."""
        return await self._data("GET", "/performance/portfolios", query)

    async def performance_symbols(self, query: Query) -> list[JSON]:
        """GET /api/v1/performance/symbols."""
        return await self._data("GET", "/performance/symbols", query)

    async def performance_csv(self, by: Literal["portfolios", "symbols"], query: Query) -> str:
        """GET /api/v1/performance/{by}?format=csv."""
        return await self._csv(f"/performance/{by}", query)

    # recommendations, watchlist, scans
    async def recommendation(self, wheel_id: int) -> JSON:
        """GET /api/v1/wheels/{id}/recommendation."""
        return await self._data("GET", f"/wheels/{wheel_id}/recommendation")

    async def recommendations(self, body: Body) -> list[JSON]:
        """POST /api/v1/recommendations."""
        return await self._data("POST", "/recommendations", body=body)

    async def list_watchlist(self, query: Query) -> list[JSON]:
        """GET /api/v1/watchlist."""
        return await self._all("/watchlist", query)

    async def add_to_watchlist(self, body: Body) -> JSON:
        """POST /api/v1/watchlist."""
        return await self._data("POST", "/watchlist", body=body)

    async def remove_from_watchlist(self, symbol: str, portfolio_id: int | None) -> None:
        """DELETE /api/v1/watchlist/{symbol}."""
        await self._data("DELETE", f"/watchlist/{quote(symbol, safe='')}", {"portfolio_id": portfolio_id})

    async def scan(self, body: Body) -> JSON:
        """POST /api/v1/opportunities/scan."""
        return await self._data("POST", "/opportunities/scan", body=body)

    async def list_opportunities(self) -> list[JSON]:
        """GET /api/v1/opportunities."""
        return await self._all("/opportunities")

    # jobs, alerts, plugins
    async def list_jobs(self) -> list[JSON]:
        """GET /api/v1/jobs."""
        return await self._all("/jobs")

    async def update_job(self, job_id: str, body: Body) -> JSON:
        """PATCH /api/v1/jobs/{id}."""
        return await self._data("PATCH", f"/jobs/{quote(job_id, safe='')}", body=body)

    async def run_job(self, job_id: str) -> JSON:
        """POST /api/v1/jobs/{id}/run."""
        return await self._data("POST", f"/jobs/{quote(job_id, safe='')}/run", body={})

    async def job_runs(self, job_id: str, limit: int) -> list[JSON]:
        """GET /api/v1/jobs/{id}/runs."""
        return await self._first(f"/jobs/{quote(job_id, safe='')}/runs", limit)

    async def list_alerts(self, query: Query, limit: int) -> list[JSON]:
        """GET /api/v1/alerts."""
        return await self._first("/alerts", limit, query)

    async def acknowledge_alert(self, alert_id: int, acknowledged: bool) -> JSON:
        """PATCH /api/v1/alerts/{id}."""
        return await self._data("PATCH", f"/alerts/{alert_id}", body={"acknowledged": acknowledged})

    async def list_plugins(self) -> list[JSON]:
        """GET /api/v1/plugins."""
        return await self._all("/plugins")
