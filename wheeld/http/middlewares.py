"""Cross-cutting HTTP concerns: request ids, the error envelope, Host/Origin checks and the API token."""

from __future__ import annotations

import hmac
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from marshmallow import Schema

from wheeld.errors import Forbidden, NotFound, Unauthorized, ValidationError, WheeldError
from wheeld.http.authority import (
    DEFAULT_PORTS,
    Authority,
    Origin,
    origin_text,
    parse_authority,
    parse_origin,
    referer_origin,
)
from wheeld.http.envelope import error_response
from wheeld.http.keys import BODY, CONTAINER, PATH, QUERY, REQUEST_ID
from wheeld.http.parser import PARSER
from wheeld.http.schemas.common import WholeNumber, numbers_from_text

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
    except web.RequestPayloadError as exc:  # a body cut short or mis-framed: the client's, not ours
        return error_response(
            400, "VALIDATION_ERROR", "the request body could not be read", {"reason": str(exc)}, clock.now()
        )
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


@web.middleware
async def security_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse malformed or foreign authorities (DNS rebinding), cross-site writes (Origin, and without one
    Sec-Fetch-Site and Referer), compressed bodies and missing tokens."""
    config = request.app[CONTAINER].config
    authority = _requested_authority(request)
    if authority.host not in _allowed_hosts(config):
        raise Forbidden(
            f"host {authority.host!r} is not allowed; add it to server.allowed_hosts", {"host": authority.host}
        )
    if request.method in WRITE_METHODS:
        _refuse_cross_site_write(request, authority, config)
        encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in {"", "identity"}:
            # Never decoded: a gzip body would be a decompression bomb for a few bytes, and its errors a 500.
            raise web.HTTPUnsupportedMediaType(reason="request bodies must not be compressed (Content-Encoding)")
    token = config["server.api_token"]
    if token and request.path.startswith("/api/") and request.path not in OPEN_PATHS:
        given = request.headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        # A non-ASCII byte (aiohttp hands it over as a surrogate) can match no token: refuse it as wrong.
        if not (
            given.isascii()
            and scheme.lower() == "bearer"
            and hmac.compare_digest(value.strip().encode(), token.encode())
        ):
            raise Unauthorized("a valid API token is required (Authorization: Bearer <token>)", {})
    return await handler(request)


def _requested_authority(request: web.Request) -> Authority:
    """The authority the request names: an absolute-form target's own (RFC 9112 §3.2.2: Host is then
    ignored), else the Host header, parsed strictly; 400 when it is not a host and an optional port."""
    target = request.raw_path
    if not target.startswith("/"):  # absolute-form: http://host:port/path
        scheme, sep, rest = target.partition("://")
        raw = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        parsed = parse_authority(raw, scheme.lower()) if sep and scheme.lower() in DEFAULT_PORTS else None
        if parsed is None:
            raise ValidationError.field("target", target, "must be a path, or an http URL naming host[:port]")
        return parsed
    host = request.headers.get("Host", "localhost")
    parsed = parse_authority(host)
    if parsed is None:
        raise ValidationError.field("Host", host, "must be a host name or address and an optional port")
    return parsed


def _allowed_hosts(config: Mapping[str, Any]) -> frozenset[str]:
    bind = str(config["server.host"]).lower()
    allowed = LOOPBACK_NAMES | {h.lower() for h in config["server.allowed_hosts"]}
    return allowed | {bind} if bind not in {"0.0.0.0", "::", ""} else allowed


def _refuse_cross_site_write(request: web.Request, authority: Authority, config: Mapping[str, Any]) -> None:
    """A write must come from our own origin or an allowed one. Browsers send Origin with every write; when
    it is missing, Sec-Fetch-Site and Referer still tell a cross-site request."""
    origin = request.headers.get("Origin")
    if origin is not None:
        if origin.rstrip("/").lower() in _allowed_origins(config):
            return
        parsed = parse_origin(origin)
        if parsed is None:
            raise Forbidden(
                f"origin {origin!r} is not scheme://host[:port]; requests from it may not change data "
                "unless server.allowed_origins names it",
                {"origin": origin},
            )
        if not _origin_allowed(parsed, authority, config):
            raise Forbidden(
                f"requests from origin {origin!r} may not change data; add it to server.allowed_origins",
                {"origin": origin},
            )
        return
    fetch_site = request.headers.get("Sec-Fetch-Site", "").strip().lower()
    if fetch_site in {"cross-site", "same-site"}:
        # same-site is another origin too: http://localhost:3000 is same-site to http://localhost:8000.
        raise Forbidden(
            f"a {fetch_site} request (Sec-Fetch-Site) may not change data; only pages of this origin may",
            {"sec_fetch_site": fetch_site},
        )
    referer = request.headers.get("Referer")
    if referer is not None:
        parsed = referer_origin(referer)
        if parsed is None or not _origin_allowed(parsed, authority, config):
            raise Forbidden(
                "requests from a page of another origin (Referer) may not change data; "
                "add its origin to server.allowed_origins",
                {"referer": referer},
            )


def _allowed_origins(config: Mapping[str, Any]) -> set[str]:
    return {o.rstrip("/").lower() for o in config["server.allowed_origins"]}


def _origin_allowed(origin: Origin, authority: Authority, config: Mapping[str, Any]) -> bool:
    if origin_text(origin) in _allowed_origins(config):
        return True
    if origin.scheme != "http" or origin.port != authority.port:
        return False
    # Our own origin (Swagger UI's try-it-out, the dashboard): the host asked for, or any loopback name.
    return origin.host == authority.host or (origin.host in LOOPBACK_NAMES and authority.host in LOOPBACK_NAMES)


_TARGETS = {"json": BODY, "querystring": QUERY, "match_info": PATH}


@web.middleware
async def validation_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Parse and validate the path, query and body with the route's schemas before the handler runs."""
    schemas = getattr(request.match_info.handler, "__schemas__", None)
    # The path first: a path that names no resource is a 404 whatever the body says.
    for item in sorted(schemas or (), key=lambda item: item["location"] != "match_info"):
        location = item["location"]
        if location == "json":
            request[BODY] = await PARSER.parse(item["schema"], request, location=location, unknown=None)
            continue
        with numbers_from_text():
            try:
                request[_TARGETS[location]] = await PARSER.parse(
                    item["schema"], request, location=location, unknown=None
                )
            except ValidationError as exc:
                if location != "match_info" or not _names_no_id(item["schema"], exc):
                    raise
                # `/wheels/+2`, `/wheels/%203`, `/wheels/02` name no resource (only ID_PATTERN does).
                raise NotFound(f"no such path: {request.path}", {"path": request.path}) from None
    return await handler(request)


def _names_no_id(schema: Schema | type[Schema], exc: ValidationError) -> bool:
    """Whether a path failed on an id field (WholeNumber): then the path names no resource at all."""
    failed = exc.details.get("errors")
    declared = (schema() if isinstance(schema, type) else schema).fields
    return isinstance(failed, dict) and all(isinstance(declared.get(name), WholeNumber) for name in failed)


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
