"""Cross-cutting HTTP concerns: request ids, the error envelope, Host/Origin checks and the API token."""

from __future__ import annotations

import hmac
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from wheeld.errors import Forbidden, Unauthorized, WheeldError
from wheeld.http.envelope import error_response
from wheeld.http.keys import BODY, CONTAINER, PATH, QUERY, REQUEST_ID
from wheeld.http.parser import PARSER

log = logging.getLogger("wheeld.http")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_HTTP_CODES = {
    400: "VALIDATION_ERROR",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "VALIDATION_ERROR",
    415: "VALIDATION_ERROR",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
}
OPEN_PATHS = frozenset({"/api/v1/health"})


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Tag each request with an id (the client's X-Request-ID if sane) and echo it back."""
    given = request.headers.get("X-Request-ID", "")
    request[REQUEST_ID] = given if _REQUEST_ID.match(given) else uuid.uuid4().hex[:16]
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # redirects pass the error middleware as exceptions
        exc.headers["X-Request-ID"] = request[REQUEST_ID]
        raise
    response.headers["X-Request-ID"] = request[REQUEST_ID]
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Map named errors, aiohttp's HTTP errors and anything unexpected to the error envelope."""
    clock = request.app[CONTAINER].clock
    try:
        return await handler(request)
    except WheeldError as exc:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
        return error_response(exc.status, exc.code, exc.message, exc.details, clock.now(), headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "INTERNAL_ERROR" if exc.status >= 500 else "VALIDATION_ERROR")
        message = _http_message(exc, request)
        details: dict[str, object] = {"path": request.path}
        if exc.status == 405:
            details["method"] = request.method
        # A 405 must say which methods the path does allow (RFC 9110 §15.5.6).
        allow = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        return error_response(exc.status, code, message, details, clock.now(), allow)
    except Exception:
        log.exception("unexpected error on %s %s (request %s)", request.method, request.path, request.get(REQUEST_ID))
        return error_response(
            500,
            "INTERNAL_ERROR",
            f"unexpected error; see the server log for request {request.get(REQUEST_ID)}",
            {"request_id": request.get(REQUEST_ID)},
            clock.now(),
        )


def _http_message(exc: web.HTTPException, request: web.Request) -> str:
    if exc.status == 404:
        return f"no such path: {request.path}"
    if exc.status == 405:
        return f"method {request.method} is not allowed on {request.path}"
    if exc.status == 400 and "json" in (exc.text or "").lower():
        return "the request body is not valid JSON"
    if exc.status == 413:
        return "the request body is too large"
    return exc.reason


def _host_name(value: str) -> str:
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


@web.middleware
async def security_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse foreign Host names (DNS rebinding), cross-site writes (Origin) and missing tokens."""
    config = request.app[CONTAINER].config
    bind = str(config["server.host"]).lower()
    allowed_hosts = LOOPBACK_NAMES | {h.lower() for h in config["server.allowed_hosts"]}
    if bind not in {"0.0.0.0", "::", ""}:
        allowed_hosts = allowed_hosts | {bind}
    host = _host_name(request.headers.get("Host", "localhost"))
    if host not in allowed_hosts:
        raise Forbidden(f"host {host!r} is not allowed; add it to server.allowed_hosts", {"host": host})
    origin = request.headers.get("Origin")
    if origin is not None and request.method in WRITE_METHODS and not _origin_allowed(origin, request, config):
        raise Forbidden(
            f"requests from origin {origin!r} may not change data; add it to server.allowed_origins",
            {"origin": origin},
        )
    token = config["server.api_token"]
    if token and request.path.startswith("/api/") and request.path not in OPEN_PATHS:
        given = request.headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
            raise Unauthorized("a valid API token is required (Authorization: Bearer <token>)", {})
    return await handler(request)


def _origin_allowed(origin: str, request: web.Request, config: object) -> bool:
    allowed = {o.rstrip("/").lower() for o in config["server.allowed_origins"]}  # type: ignore[index]
    if origin.rstrip("/").lower() in allowed:
        return True
    parts = urlsplit(origin)
    # Same origin as the daemon itself (Swagger UI's try-it-out): loopback name and our own port.
    own_port = request.url.port
    return parts.scheme == "http" and (parts.hostname or "") in LOOPBACK_NAMES and parts.port == own_port


_TARGETS = {"json": BODY, "querystring": QUERY, "match_info": PATH}


@web.middleware
async def validation_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Parse and validate the path, query and body with the route's schemas before the handler runs."""
    schemas = getattr(request.match_info.handler, "__schemas__", None)
    if schemas:
        for item in schemas:
            request[_TARGETS[item["location"]]] = await PARSER.parse(
                item["schema"], request, location=item["location"], unknown=None
            )
    return await handler(request)


class AccessLogger(AbstractAccessLogger):
    """One access line per request with its id, status and duration."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Write the access line."""
        self.logger.info(
            '%s "%s %s" %s %.1fms rid=%s',
            request.remote,
            request.method,
            request.path,
            response.status,
            time * 1000,
            request.get(REQUEST_ID, "-"),
        )
