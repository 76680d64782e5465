"""Typed keys for what the aiohttp application stores."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from wheeld.app import Container
    from wheeld.http.response_cache import ResponseCache

CONTAINER: web.AppKey[Container] = web.AppKey("container")

# What the validation middleware parsed, by location.
BODY: web.RequestKey[dict[str, Any]] = web.RequestKey("body", dict)
QUERY: web.RequestKey[dict[str, Any]] = web.RequestKey("query", dict)
PATH: web.RequestKey[dict[str, Any]] = web.RequestKey("path", dict)
REQUEST_ID: web.RequestKey[str] = web.RequestKey("request_id", str)
POSITIONS_CACHE: web.AppKey[ResponseCache] = web.AppKey("positions_cache")
