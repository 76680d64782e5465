"""Request parsing for the schemas: a JSON body is read as JSON whatever its Content-Type claims."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NoReturn

from aiohttp import web
from marshmallow import Schema
from marshmallow import ValidationError as MarshmallowError
from webargs import core
from webargs.aiohttpparser import AIOHTTPParser

from wheeld.errors import ValidationError

MAX_JSON_DEPTH = 32


class JsonBodyParser(AIOHTTPParser):
    """webargs' aiohttp parser, but `curl -d '{...}'` (form content type) still counts as JSON."""

    async def load_json(self, req: web.Request, schema: Schema) -> Any:
        """The parsed body, `missing` when there is none, a 400 VALIDATION_ERROR when it is not JSON."""
        if not req.body_exists:
            return core.missing
        raw = await req.read()
        if not raw.strip():
            return core.missing
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:  # ValueError: JSONDecodeError, or an integer of 4300+ digits
            raise ValidationError(
                "the request body is not valid JSON",
                {"field": "body", "value": None, "constraint": f"must be valid JSON ({exc})"},
            ) from None
        except RecursionError:
            raise ValidationError.field("body", None, "must not nest arrays or objects this deeply") from None
        problem = _unstorable_text(data)
        if problem:
            raise ValidationError.field("body", None, problem)
        return data


def _unstorable_text(data: Any) -> str | None:
    """Why parsed JSON cannot be taken: nested beyond MAX_JSON_DEPTH, or some string (keys too) that cannot be
    stored as text; None when it can. Iterative, so any depth."""
    # "\ud800" is valid JSON but no UTF-8 text: SQLite and our own responses could not hold it. "\u0000" is
    # valid too, but SQLite's length() and trim() stop at a NUL, so a name "\u0000x" looks empty to its CHECK
    # constraint (a 500 the API fuzzer found); no field of ours means anything by a NUL.
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list) and depth >= MAX_JSON_DEPTH:
            # Deeper than any request of ours; the YAML writer and reader of the config file recurse.
            return f"must not nest arrays or objects more than {MAX_JSON_DEPTH} levels deep"
        if isinstance(item, dict):
            stack.extend((key, depth + 1) for key in item)
            stack.extend((value, depth + 1) for value in item.values())
        elif isinstance(item, list):
            stack.extend((value, depth + 1) for value in item)
        elif isinstance(item, str):
            if "\x00" in item:
                return "must not contain NUL characters (\\u0000)"
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "must not contain unpaired surrogates (\\ud800-\\udfff)"
    return None


def _first_error(messages: Any, path: tuple[str, ...] = ()) -> tuple[str, str]:
    """The first (dotted field, message) in marshmallow's nested messages."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            return _first_error(value, (*path, str(key)))
    if isinstance(messages, list) and messages:
        if all(isinstance(m, str) for m in messages):
            return ".".join(path), str(messages[0])
        return _first_error(messages[0], path)
    return ".".join(path), str(messages)


def _value_at(data: Any, field: str) -> Any:
    for part in field.split(".") if field else []:
        # Mapping, not dict: webargs hands query strings over as a MultiDictProxy.
        if isinstance(data, Mapping) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data if isinstance(data, str | int | float | bool | type(None)) else None


def validation_error_callback(
    error: MarshmallowError,
    req: Any,
    schema: Any,
    *,
    error_status_code: int | None = None,
    error_headers: Any = None,
) -> NoReturn:
    """webargs failures → our 400 VALIDATION_ERROR with field, value and constraint."""
    messages = error.messages
    # webargs nests messages under the location ("json", "querystring", "match_info").
    location = next(iter(messages)) if isinstance(messages, dict) and len(messages) == 1 else ""
    inner = messages[location] if location else messages
    field, constraint = _first_error(inner)
    if constraint == "Unknown field.":
        constraint = "unknown field"
    value = _value_at(error.data if isinstance(error.data, Mapping) else {}, field)
    if field == "_schema":
        field = "body"
    raise ValidationError(
        f"{field}: {constraint}" if field else constraint,
        {"field": field, "value": value, "constraint": constraint, "location": location, "errors": inner},
    )


PARSER = JsonBodyParser(error_handler=validation_error_callback)
