"""The response envelope: `{data, timestamp}` (plus `pagination`), and the error envelope."""

from __future__ import annotations

import json
from datetime import datetime
from functools import partial
from typing import Any

from aiohttp import web
from marshmallow import Schema

from wheeld.clock import utc_iso
from wheeld.services.listing import Paged

dumps = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


def ok(data: Any, now: datetime, schema: Schema | None = None, status: int = 200) -> web.Response:
    """A success envelope; `schema` (when given) serializes `data` (cents → dollars and so on)."""
    body = {"data": schema.dump(data) if schema is not None else data, "timestamp": utc_iso(now)}
    return web.json_response(body, status=status, dumps=dumps)


def ok_page(paged: Paged, now: datetime, schema: Schema) -> web.Response:
    """A paginated list envelope (`schema` must be a many=True schema)."""
    body = {"data": schema.dump(paged.items), "pagination": paged.pagination(), "timestamp": utc_iso(now)}
    return web.json_response(body, dumps=dumps)


def error_body(code: str, message: str, details: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The error envelope as a dict."""
    return {"error": {"code": code, "message": message, "details": details}, "timestamp": utc_iso(now)}


def error_response(
    status: int,
    code: str,
    message: str,
    details: dict[str, Any],
    now: datetime,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """An error envelope response."""
    return web.json_response(error_body(code, message, details, now), status=status, dumps=dumps, headers=headers)
