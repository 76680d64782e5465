"""OpenAPI 3.0.3 from the routes' docs: aiohttp-apispec's registration, with the APISpec built for 3.0.3.

aiohttp-apispec's constructor hard-codes Swagger 2.0; this subclass builds the `APISpec` itself and
turns each route's declarations (made by `wheeld.http.openapi.endpoint`) into 3.0 operations. What
every operation needs is generated here, centrally, so a new route gets it without asking:
a unique snake_case `operationId` (the handler's name) and, for each error status it declares, the
error envelope with an example of that status's code and message for that route.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from aiohttp_apispec import AiohttpApiSpec
from aiohttp_apispec.aiohttp_apispec import NAME_SWAGGER_SPEC, resolver
from aiohttp_apispec.utils import get_path_keys
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields

from wheeld.http.schemas.common import MAX_MONEY, ErrorEnvelope, Money

OPENAPI_VERSION = "3.0.3"
METHODS = frozenset({"get", "put", "post", "delete", "patch"})
_OPERATION_ID = re.compile(r"^[a-z][a-z0-9_]*$")
EXAMPLE_TIME = "2026-11-25T15:30:00Z"
_INVALID_STATE = "INVALID_STATE"
_SETTLED = "the trade is already settled (expired); only an open trade can be settled or rolled"
# 409 is CONFLICT (already exists) or INVALID_STATE (an illegal move): which one, and what it says, per
# operation. A route missing here gets a generic INVALID_STATE example.
CONFLICTS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "create_portfolio": ("CONFLICT", "a portfolio named 'Income' already exists", {"field": "name", "value": "Income"}),
    "update_portfolio": ("CONFLICT", "a portfolio named 'Income' already exists", {"field": "name", "value": "Income"}),
    "create_wheel": (
        "CONFLICT",
        "portfolio 'Income' already has an active AAPL wheel",
        {"field": "symbol", "value": "AAPL", "portfolio_id": 1},
    ),
    "update_wheel": (
        _INVALID_STATE,
        "the wheel has an open option (short_put); settle it before archiving",
        {"state": "short_put"},
    ),
    "record_trade": (
        _INVALID_STATE,
        "the wheel already has an open option (short_put); settle or roll it first",
        {"state": "short_put", "allowed": "settle or roll it"},
    ),
    "update_trade": (
        _INVALID_STATE,
        "the trade is expired: its economics (fees) are fixed; only notes and tags can change",
        {"outcome": "expired"},
    ),
    "settle_trade": (_INVALID_STATE, _SETTLED, {"outcome": "expired"}),
    "roll_trade": (_INVALID_STATE, _SETTLED, {"outcome": "expired"}),
    "wheel_recommendation": (
        _INVALID_STATE,
        "wheel 3 has an open put; settle or roll it before the next trade",
        {"wheel_id": 3, "state": "short_put", "trade_id": 7},
    ),
    "wheel_position": (_INVALID_STATE, "wheel 3 has no open option", {"wheel_id": 3, "state": "cash"}),
    "add_to_watchlist": ("CONFLICT", "KO is already on the global watchlist", {"symbol": "KO"}),
    "run_job": (
        _INVALID_STATE,
        "job 'price_refresh' is already running (run 12)",
        {"job_id": "price_refresh", "run_id": 12},
    ),
    "register_plugin": (
        "CONFLICT",
        "plugin 'earnings_alert' is already registered and enabled",
        {"name": "earnings_alert"},
    ),
    "update_plugin": (
        _INVALID_STATE,
        "plugin 'earnings_alert' cannot be enabled: it failed to load",
        {"name": "earnings_alert", "error": "ImportError"},
    ),
}
_NOT_FOUND_NAMES: dict[str, tuple[str, dict[str, Any]]] = {
    "jobs": ("no job 'price_refresh'", {"job_id": "price_refresh"}),
    "plugins": ("no plugin 'earnings_alert'", {"name": "earnings_alert"}),
    "watchlist": ("KO is not on the global watchlist", {"symbol": "KO", "portfolio_id": None}),
}
# A route without an id in its path answers 404 for an id it was given in the query or the body.
_REFERENCES = ("portfolio_id", "wheel_id", "trade_id")


class OpenApi3(AiohttpApiSpec):
    """aiohttp-apispec serving OpenAPI 3.0.3, with operationIds and per-status error examples."""

    def __init__(
        self,
        *,
        url: str,
        swagger_path: str,
        static_path: str,
        title: str,
        version: str,
        security_schemes: Mapping[str, dict[str, Any]],
        **options: Any,
    ) -> None:
        # What AiohttpApiSpec.__init__ sets, but with an APISpec of our version.
        self.plugin = MarshmallowPlugin(schema_name_resolver=resolver)
        self.spec = APISpec(
            title=title, version=version, openapi_version=OPENAPI_VERSION, plugins=(self.plugin,), **options
        )
        self._request_schemas: set[type[Schema]] = set()
        self._converter.add_attribute_function(money_bounds(self._request_schemas))
        for name, scheme in security_schemes.items():
            self.spec.components.security_scheme(name, dict(scheme))
        self.spec.components.schema("ErrorEnvelope", schema=ErrorEnvelope)
        self.url = url
        self.swagger_path = swagger_path
        self.static_path = static_path
        self._registered = False
        self._request_data_name = "data"
        self.error_callback = None
        self.prefix = ""
        self._index_page = None
        self._operation_ids: dict[str, str] = {}
        self._view_name = ""

    @property
    def _converter(self) -> Any:
        converter = self.plugin.converter
        assert converter is not None, "the plugin is initialized with the APISpec"
        return converter

    def register(self, app: web.Application, in_place: bool = True) -> None:
        """Build the spec from the app's routes now and serve it (UTF-8, emoji unescaped) and Swagger UI."""
        if self._registered:
            return
        self._register(app)
        self._registered = True
        body = json.dumps(app["swagger_dict"], ensure_ascii=False).encode()

        async def spec_handler(_request: web.Request) -> web.Response:
            return web.Response(body=body, content_type="application/json", charset="utf-8")

        app.router.add_route("GET", self.url, spec_handler, name=NAME_SWAGGER_SPEC)
        self._add_swagger_web_page(app, self.static_path, self.swagger_path)

    def _register(self, app: web.Application) -> None:
        # Money's bounds are input checks: know every schema that reads input before any is converted.
        for route in app.router.routes():
            for item in getattr(route.handler, "__apispec__", {}).get("schemas", []):
                _collect_schemas(item["schema"], self._request_schemas)
        super()._register(app)

    def swagger_dict(self) -> dict[str, Any]:
        """The spec as a dict, nullable references written the 3.0 way."""
        return nullable_refs(self.spec.to_dict())

    def _register_route(self, route: web.AbstractRoute, method: str, view: Any) -> None:
        self._view_name = getattr(view, "__name__", "")
        super()._register_route(route, method, view)

    def _update_paths(self, data: dict[str, Any], method: str, url_path: str) -> None:
        if method not in METHODS:
            return
        converter = self._converter
        operation_id = self._claim_operation_id(method, url_path)
        operation: dict[str, Any] = {
            k: v for k, v in data.items() if k not in {"schemas", "parameters", "responses", "produces", "consumes"}
        }
        operation["operationId"] = operation_id
        parameters: list[dict[str, Any]] = []
        body: Schema | None = None
        query: Schema | None = None
        for item in data.get("schemas", []):
            schema, location = item["schema"], item["location"]
            if location in {"json", "body"}:
                body = schema
                media: dict[str, Any] = {"schema": converter.resolve_nested_schema(schema)}
                example = {k: v for k, v in (item.get("example") or {}).items() if k != "add_to_refs"}
                if example:
                    media["example"] = example
                operation["requestBody"] = {"required": True, "content": {"application/json": media}}
            else:
                query = schema if location == "querystring" else query
                parameters.extend(converter.schema2parameters(schema, location=location))
        declared = {p["name"] for p in parameters if p["in"] == "path"}
        parameters.extend(
            {"in": "path", "name": key, "required": True, "schema": {"type": "string"}}
            for key in get_path_keys(url_path)
            if key not in declared
        )
        if parameters:
            operation["parameters"] = parameters
        produces = data.get("produces") or ["application/json"]
        context = _Route(operation_id, method, url_path, body, query)
        operation["responses"] = {
            str(code): self._response(int(code), response, produces, context)
            for code, response in data.get("responses", {}).items()
        }
        self.spec.path(path=url_path, operations={method: operation})

    def _claim_operation_id(self, method: str, url_path: str) -> str:
        name = self._view_name
        where = f"{method.upper()} {url_path}"
        if not _OPERATION_ID.match(name):
            raise ValueError(f"{where}: handler name {name!r} cannot be an operationId (snake_case)")
        if name in self._operation_ids:
            raise ValueError(f"{where}: operationId {name!r} is already {self._operation_ids[name]}: rename a handler")
        self._operation_ids[name] = where
        return name

    def _response(self, code: int, response: Mapping[str, Any], produces: list[str], route: _Route) -> dict[str, Any]:
        converted: dict[str, Any] = {"description": response.get("description", "")}
        schema = response.get("schema")
        if schema is None:
            return converted
        if code >= 400 and _is_error_envelope(schema):
            content = {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}, "example": error_example(code, route)}
            converted["content"] = {"application/json": content}
            return converted
        media: dict[str, Any] = {"schema": self._converter.resolve_nested_schema(schema)}
        example = (response.get("examples") or {}).get("application/json")
        if example is not None:
            media["example"] = example
        converted["content"] = {"application/json": media}
        if code < 300 and "text/csv" in produces:
            converted["content"]["text/csv"] = {"schema": {"type": "string"}}
        return converted


class _Route:
    """What the error examples of one operation are made from."""

    def __init__(self, operation_id: str, method: str, path: str, body: Schema | None, query: Schema | None) -> None:
        self.operation_id = operation_id
        self.method = method
        self.path = path
        self.body = body
        self.query = query


def _is_error_envelope(schema: Any) -> bool:
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__ == "ErrorEnvelope"


def error_example(status: int, route: _Route) -> dict[str, Any]:
    """The error envelope one route answers with for `status`: its code, a message it really sends, details."""
    if status == 400:
        code, message, details = _validation_example(route)
    elif status == 401:
        code, message, details = "UNAUTHORIZED", "a valid API token is required (Authorization: Bearer <token>)", {}
    elif status == 403:
        code, message, details = _forbidden_example(route)
    elif status == 404:
        code, message, details = _not_found_example(route)
    elif status == 409:
        code, message, details = _conflict_example(route)
    elif status == 502:
        code, message, details = (
            "EXTERNAL_API_ERROR",
            "market data unavailable for AAPL: provider schwab failed (HTTP 503) and nothing is cached",
            {"provider": "schwab", "symbol": "AAPL"},
        )
    elif status == 415:
        code, message, details = (
            "VALIDATION_ERROR",
            "request bodies must not be compressed (Content-Encoding)",
            {},
        )
    elif status == 503:
        code, message, details = "SERVICE_UNAVAILABLE", "the database is unreachable", {}
    else:
        code, message, details = (
            "INTERNAL_ERROR",
            "unexpected error; see the server log for request 4f2a9c1e7b3d5a60",
            {"request_id": "4f2a9c1e7b3d5a60"},
        )
    return {"error": {"code": code, "message": message, "details": details}, "timestamp": EXAMPLE_TIME}


def _first_field(schema: Schema | None) -> tuple[str, fields.Field] | None:
    if schema is None:
        return None
    loadable = [(f.data_key or name, f) for name, f in schema.fields.items() if not f.dump_only]
    required = [pair for pair in loadable if pair[1].required]
    chosen = required or loadable
    return chosen[0] if chosen else None


def _validation_example(route: _Route) -> tuple[str, str, dict[str, Any]]:
    body = _first_field(route.body)
    value: Any
    if body is not None and body[1].required:
        name, constraint, location = body[0], "Missing data for required field.", "json"
        value = None
    elif body is not None:
        name, constraint, location, value = "color", "unknown field", "json", "blue"
    elif route.query is not None and "page" in route.query.fields:
        name, value, location = "page", 0, "querystring"
        constraint = "Must be greater than or equal to 1 and less than or equal to 1000000."
    elif route.query is not None:
        name, constraint, location, value = "color", "unknown field", "querystring", "blue"
    else:
        return "VALIDATION_ERROR", "the request body is not valid JSON", {"path": route.path}
    details = {"field": name, "value": value, "constraint": constraint, "location": location}
    return "VALIDATION_ERROR", f"{name}: {constraint}", details


def _forbidden_example(route: _Route) -> tuple[str, str, dict[str, Any]]:
    if route.method in {"post", "put", "patch", "delete"}:
        origin = "https://evil.example"
        message = f"requests from origin {origin!r} may not change data; add it to server.allowed_origins"
        return "FORBIDDEN", message, {"origin": origin}
    host = "rebind.example"
    return "FORBIDDEN", f"host {host!r} is not allowed; add it to server.allowed_hosts", {"host": host}


def _not_found_example(route: _Route) -> tuple[str, str, dict[str, Any]]:
    segments = [s for s in route.path.split("/") if s]
    nouns = [segments[i - 1] for i, s in enumerate(segments) if s.startswith("{") and i > 0]
    if not nouns:
        given = [*(route.body.fields if route.body else ()), *(route.query.fields if route.query else ())]
        reference = next((name for name in _REFERENCES if name in given), None)
        if reference is None and route.operation_id == "register_plugin":
            return "NOT_FOUND", "no plugin 'earnings_alert' among the discovered ones", {"name": "earnings_alert"}
        if reference is None:
            return "NOT_FOUND", f"no such path: {route.path}", {"path": route.path}
        noun = reference.removesuffix("_id")
        return "NOT_FOUND", f"{noun} 42 not found", {reference: 42}
    collection = nouns[-1]
    if collection in _NOT_FOUND_NAMES:
        message, details = _NOT_FOUND_NAMES[collection]
        return "NOT_FOUND", message, details
    noun = collection.removesuffix("s")
    return "NOT_FOUND", f"{noun} 42 not found", {f"{noun}_id": 42}


def _conflict_example(route: _Route) -> tuple[str, str, dict[str, Any]]:
    generic: tuple[str, str, dict[str, Any]] = (
        _INVALID_STATE,
        "the move is illegal in the resource's current state",
        {},
    )
    return CONFLICTS.get(route.operation_id, generic)


def _collect_schemas(schema: Schema | type[Schema], found: set[type[Schema]]) -> None:
    """`schema`'s class and the classes of every schema nested in it."""
    cls = schema if isinstance(schema, type) else type(schema)
    if cls in found:
        return
    found.add(cls)
    instance = schema if isinstance(schema, Schema) else cls()
    for field in instance.fields.values():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested) and isinstance(inner.nested, type | Schema):
            _collect_schemas(inner.nested, found)


def money_bounds(request_schemas: set[type[Schema]]) -> Any:
    """An apispec attribute function writing Money's own input checks (not validators) as minimum/maximum,
    on the schemas that read input only (a P&L in a response may well be negative)."""

    def bounds(_converter: Any, field: fields.Field, **_kwargs: Any) -> dict[str, Any]:
        if not isinstance(field, Money) or type(field.parent) not in request_schemas:
            return {}
        found: dict[str, Any] = {"minimum": float(field.minimum), "maximum": float(MAX_MONEY)}
        if not field.allow_zero:
            found["exclusiveMinimum"] = True
        return found

    return bounds


def nullable_refs(node: Any) -> Any:
    """apispec writes a nullable reference as `anyOf: [{type: object, nullable: true}, {$ref}]`, which
    generators read as an untyped union; 3.0's own form is `allOf: [{$ref}]` beside `nullable: true`."""
    if isinstance(node, list):
        return [nullable_refs(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: nullable_refs(value) for key, value in node.items()}
    options = node.get("anyOf")
    if isinstance(options, list) and {"type": "object", "nullable": True} in options:
        rest = [option for option in options if option != {"type": "object", "nullable": True}]
        del node["anyOf"]
        node["allOf"] = rest
        node["nullable"] = True
    return node
