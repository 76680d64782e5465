"""CORS for the origins in `server.allowed_origins`: preflights answered, responses readable by them.

A web client on another origin (a dashboard behind a reverse proxy, a phone app's web view) first sends
an `OPTIONS` preflight with `Access-Control-Request-Method`; it carries no token, so it is answered here,
before the token check. An origin not in the list gets 403 FORBIDDEN (and its writes stay refused by the
security middleware, whatever CORS says). Same-origin pages (Swagger UI, the dashboard) need none of this.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from wheeld.errors import Forbidden
from wheeld.http.keys import CONTAINER

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ALLOWED_HEADERS = "Authorization, Content-Type, X-Request-ID"
EXPOSED_HEADERS = "X-Request-ID, Content-Disposition"
MAX_AGE_SECONDS = "600"


def _allowed(request: web.Request, origin: str) -> bool:
    listed = {o.rstrip("/").lower() for o in request.app[CONTAINER].config["server.allowed_origins"]}
    return origin.rstrip("/").lower() in listed


def _methods(request: web.Request) -> str:
    """The methods the requested path answers (what a 405 would list), without OPTIONS itself."""
    exception = request.match_info.http_exception
    if isinstance(exception, web.HTTPMethodNotAllowed):
        return ", ".join(sorted(m for m in exception.allowed_methods if m != "OPTIONS"))
    return ""


@web.middleware
async def cors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer preflights from allowed origins; let allowed origins read the answers."""
    origin = request.headers.get("Origin")
    if origin is None:
        return await handler(request)
    preflight = request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
    if preflight:
        methods = _methods(request)
        if not methods:  # no such path: the usual 404
            return await handler(request)
        if not _allowed(request, origin):
            raise Forbidden(f"origin {origin!r} is not allowed; add it to server.allowed_origins", {"origin": origin})
        return web.Response(
            status=204,
            headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": methods,
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": MAX_AGE_SECONDS,
                "Vary": "Origin",
            },
        )
    response = await handler(request)
    if _allowed(request, origin):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        response.headers.add("Vary", "Origin")
    return response
