"""Errors that do not come from wheeld's API: nothing listening, a server error, a proxy, a stuck daemon."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.cli.conftest import wheel
from wheeld.app import Container
from wheeld.cli.direct_backend import DirectBackend

ServerFactory = Callable[..., Awaitable[TestServer]]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_daemon_down_says_how_to_start_it() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    result = await wheel("--api-url", url, "list")
    assert result.code == 3
    assert result.err == f"error: wheeld is not running at {url} — start it with `wheeld serve` (or `make serve`)\n"
    verbose = await wheel("--api-url", url, "status", "-v")
    assert verbose.code == 3 and "details:" in verbose.err and "Traceback" not in verbose.err


async def _serve(aiohttp_server: ServerFactory, handler: Callable[[web.Request], Awaitable[web.Response]]) -> str:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    server = await aiohttp_server(app)
    return str(server.make_url("")).rstrip("/")


async def test_server_errors_exit_4(aiohttp_server: ServerFactory) -> None:
    async def broken(request: web.Request) -> web.Response:
        error = {"code": "INTERNAL_ERROR", "message": "unexpected error; see the server log for request 1f"}
        return web.json_response({"error": {**error, "details": {}}, "timestamp": "t"}, status=500)

    result = await wheel("--api-url", await _serve(aiohttp_server, broken), "list")
    assert (result.code, result.err) == (
        4,
        "error: INTERNAL_ERROR: unexpected error; see the server log for request 1f\n",
    )

    async def proxy(request: web.Request) -> web.Response:
        return web.Response(status=502, text="Bad Gateway")

    result = await wheel("--api-url", await _serve(aiohttp_server, proxy), "list")
    assert (result.code, result.err) == (4, "error: INTERNAL_ERROR: HTTP 502: Bad Gateway\n")


async def test_a_daemon_that_does_not_answer_in_time(aiohttp_server: ServerFactory, tmp_path: Path) -> None:
    async def stuck(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response()

    url = await _serve(aiohttp_server, stuck)
    settings = tmp_path / "wheel.yaml"
    settings.write_text(f"api:\n  base_url: {url}\n  timeout: 0.2\n")
    result = await wheel("--config", str(settings), "list")
    assert (result.code, result.err) == (3, f"error: wheeld at {url} did not answer within 0.2 s — is it busy or stuck?"
                                         " (see its log)\n")  # fmt: skip


async def test_direct_mode_reports_server_side_errors_by_name(container: Container) -> None:
    never_opened = DirectBackend(container)  # its database was never opened
    result = await wheel("portfolio", "list", backend=never_opened)
    assert (result.code, result.err) == (4, "error: SERVICE_UNAVAILABLE: the database is not open\n")


async def test_an_unexpected_failure_is_one_line_and_exit_4() -> None:
    broken: Any = object()  # a backend that has none of the protocol: a defect, not a user error
    result = await wheel("portfolio", "list", backend=broken)
    assert result.code == 4
    assert result.err.startswith("error: internal error: AttributeError: ")
    assert result.err.endswith("(run with --verbose for the traceback)\n") and result.err.count("\n") == 1
    verbose = await wheel("-v", "portfolio", "list", backend=broken)
    assert verbose.code == 4 and "Traceback" in verbose.err
