"""OpenAPI documentation: one decorator per route declares its schemas, example and error responses."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from aiohttp_apispec import docs, match_info_schema, querystring_schema, request_schema
from marshmallow import Schema

from wheeld.http.schemas.common import ErrorEnvelope, envelope

ERROR_DESCRIPTIONS = {
    400: "VALIDATION_ERROR: malformed JSON, a wrong type, an unknown field or a value out of range",
    401: "UNAUTHORIZED: the API token is required and was missing or wrong",
    403: "FORBIDDEN: Host not allowed, or a write from another site (Origin, Sec-Fetch-Site, Referer)",
    404: "NOT_FOUND: no such resource",
    415: "VALIDATION_ERROR: the body has a Content-Encoding (bodies are never decompressed)",
    409: "CONFLICT (already exists) or INVALID_STATE (illegal move in the current state)",
    502: "EXTERNAL_API_ERROR: the market-data provider failed and nothing cached could stand in",
    503: "SERVICE_UNAVAILABLE: the database is unreachable",
    500: "INTERNAL_ERROR: unexpected; the message never carries a traceback",
}
ALWAYS = (400, 401, 403, 500)
Handler = Callable[..., Any]


def endpoint(
    *,
    tag: str,
    summary: str,
    description: str = "",
    response: type[Schema] | None = None,
    many: bool = False,
    paginated: bool | None = None,
    status: int = 200,
    example: Any = None,
    body: type[Schema] | None = None,
    body_example: dict[str, Any] | None = None,
    query: type[Schema] | None = None,
    path: type[Schema] | None = None,
    errors: Iterable[int] = (),
    produces: list[str] | None = None,
    extra_responses: dict[int, dict[str, Any]] | None = None,
    public: bool = False,
) -> Callable[[Handler], Handler]:
    """Document (and validate) a route: request schemas, the enveloped response, its example, its errors."""
    responses: dict[int, dict[str, Any]] = {}
    if response is not None:
        success: dict[str, Any] = {
            "schema": envelope(response, many=many, paginated=paginated),
            "description": summary,
        }
        if example is not None:
            wrapped = {"data": example, "timestamp": "2026-11-25T15:30:00Z"}
            if many and (paginated is None or paginated):
                wrapped["pagination"] = {"page": 1, "page_size": 50, "total_items": 1, "total_pages": 1}
            success["examples"] = {"application/json": wrapped}
        responses[status] = success
    else:
        responses[status] = {"description": summary}
    declared = {*ALWAYS, *errors, *((415,) if body is not None else ())}
    for code in sorted(declared - ({401} if public else set())):
        responses[code] = {"schema": ErrorEnvelope, "description": ERROR_DESCRIPTIONS[code]}
    responses.update(extra_responses or {})

    def decorate(handler: Handler) -> Handler:
        wrapped = handler
        if body is not None:
            # add_to_refs: 3.0.0b2 builds a broken "#/definitions/#/definitions/…" $ref otherwise
            wrapped = request_schema(
                body, location="json", put_into="json", example=body_example, add_to_refs=body_example is not None
            )(wrapped)
        if query is not None:
            wrapped = querystring_schema(query)(wrapped)
        if path is not None:
            wrapped = match_info_schema(path)(wrapped)
        documented = docs(
            tags=[tag],
            summary=summary,
            description=description or summary,
            responses=responses,
            produces=produces or ["application/json"],
            **({"security": []} if public else {}),
        )(wrapped)
        documented.__apispec_original__ = _copy_apispec(documented.__apispec__)  # type: ignore[attr-defined]
        return documented

    return decorate


def _copy_apispec(data: dict[str, Any]) -> dict[str, Any]:
    """A copy whose lists and dicts aiohttp-apispec may consume without touching the original."""
    fresh = dict(data)
    fresh["schemas"] = [dict(item, example=dict(item.get("example") or {})) for item in data.get("schemas", [])]
    fresh["parameters"] = list(data.get("parameters", []))
    fresh["responses"] = {code: dict(value) for code, value in data.get("responses", {}).items()}
    return fresh


def refresh_docs(handlers: Iterable[Handler]) -> None:
    """Give each documented handler a fresh copy of its docs: aiohttp-apispec pops the request schemas
    and pops `add_to_refs` from examples while registering, so a second app would get a broken spec."""
    for handler in handlers:
        original = getattr(handler, "__apispec_original__", None)
        if original is not None:
            handler.__apispec__ = _copy_apispec(original)  # type: ignore[attr-defined]
