"""The aiohttp application factory: middlewares, routes, the OpenAPI spec and its UIs."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator

from aiohttp import web

from wheeld import __version__
from wheeld.app import Container
from wheeld.http import middlewares
from wheeld.http.cors import cors_middleware
from wheeld.http.keys import CONTAINER, POSITIONS_CACHE
from wheeld.http.openapi import refresh_docs
from wheeld.http.openapi_spec import OpenApi3
from wheeld.http.response_cache import ResponseCache
from wheeld.http.routes import (
    alerts,
    analytics,
    dashboard,
    docs,
    imports,
    jobs,
    opportunities,
    plugins,
    portfolios,
    positions,
    recommendations,
    system,
    trades,
    watchlist,
    wheels,
)

ROUTE_MODULES = (
    system,
    portfolios,
    wheels,
    trades,
    imports,
    positions,
    analytics,
    recommendations,
    watchlist,
    opportunities,
    jobs,
    plugins,
    alerts,
    docs,
    dashboard,
)
MAX_BODY_BYTES = 1024 * 1024


def create_app(container: Container) -> web.Application:
    """Build the aiohttp application around a container (opened and closed with the app)."""
    app = web.Application(
        middlewares=[
            middlewares.request_id_middleware,
            middlewares.error_middleware,
            cors_middleware,
            middlewares.security_middleware,
            middlewares.validation_middleware,
        ],
        client_max_size=MAX_BODY_BYTES,
        # Bodies are never decompressed (the security middleware answers 415): no zip bombs, and no decoder
        # errors (an unknown or broken Content-Encoding) answered outside our error envelope.
        handler_args={"auto_decompress": False},
    )
    app[CONTAINER] = container
    app[POSITIONS_CACHE] = ResponseCache(container.clock)

    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        await container.start()
        yield
        await container.stop()

    app.cleanup_ctx.append(lifecycle)
    for module in ROUTE_MODULES:
        module.register(app)
    with warnings.catch_warnings():
        # aiohttp-apispec keeps its state under plain string keys; that is its design, not ours.
        warnings.simplefilter("ignore", web.NotAppKeyWarning)
        _setup_docs(app)
    return app


def _setup_docs(app: web.Application) -> None:
    refresh_docs(route.handler for route in app.router.routes())
    OpenApi3(
        title="wheeld API",
        version=__version__,
        url="/openapi.json",
        swagger_path="/docs",
        static_path="/static/swagger",
        info={
            "description": "Local daemon for the options wheel strategy. Every response is "
            "`{data, timestamp}` (lists add `pagination`); every error is "
            "`{error: {code, message, details}, timestamp}`. Money is in dollars "
            "with two decimals."
        },
        security_schemes={
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "`Authorization: Bearer <token>` when server.api_token is set",
            }
        },
        security=[{"bearer": []}],
    ).register(app)
