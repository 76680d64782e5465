"""HTTP conventions: the envelopes, every 400 path, 404/405, no 500 and no traceback, request ids, health."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import data_of, error_of
from wheeld.app import Container
from wheeld.http.app import create_app

PORTFOLIOS = "/api/v1/portfolios"


async def portfolio(client: TestClient, name: str = "Income") -> dict[str, Any]:
    return await data_of(await client.post(PORTFOLIOS, json={"name": name}), 201)


async def test_success_envelope(client: TestClient) -> None:
    response = await client.get("/api/v1/health")
    body = await response.json()
    assert response.content_type == "application/json"
    assert set(body) == {"data", "timestamp"}
    assert body["timestamp"] == "2026-11-24T15:00:00Z"  # the injected clock, UTC ISO-8601
    listing = await (await client.get(PORTFOLIOS)).json()
    assert set(listing) == {"data", "pagination", "timestamp"}


async def test_malformed_json(client: TestClient) -> None:
    error = await error_of(await client.post(PORTFOLIOS, data="{name: 'x'"), 400, "VALIDATION_ERROR")
    assert error["details"]["field"] == "body"
    assert "JSON" in error["message"] and "JSON" in error["details"]["constraint"]
    error = await error_of(
        await client.post(PORTFOLIOS, data=b"\xff\xfe{", headers={"Content-Type": "application/json"}),
        400,
        "VALIDATION_ERROR",
    )
    assert error["details"]["field"] == "body"


@pytest.mark.parametrize(
    ("body", "field", "value", "constraint"),
    [
        ({"name": "x", "default_capital": "abc"}, "default_capital", "abc", "must be a number"),
        ({"name": "x", "default_capital": True}, "default_capital", True, "must be a number"),
        ({"name": "x", "default_capital": [1]}, "default_capital", None, "must be a number"),
        ({"name": 5}, "name", 5, "Not a valid string."),
        ({"name": None}, "name", None, "Field may not be null."),
        ({"name": ""}, "name", "", "Length must be between 1 and 100."),
        ({"name": "x" * 101}, "name", "x" * 101, "Length must be between 1 and 100."),
        ({"name": "x", "colour": "red"}, "colour", "red", "unknown field"),
        ({"name": "x", "default_capital": -1}, "default_capital", -1, "must be >= 0"),
        ({"name": "x", "default_capital": 1.234}, "default_capital", 1.234, "at most 2 decimal places"),
        ({"name": "x", "default_capital": "1e400"}, "default_capital", "1e400", "not a string"),
        ({"name": "x", "default_capital": "NaN"}, "default_capital", "NaN", "not a string"),
        ({}, "name", None, "Missing data for required field."),
    ],
)
async def test_bad_bodies_are_400_naming_field_value_and_constraint(
    client: TestClient, body: dict[str, Any], field: str, value: Any, constraint: str
) -> None:
    error = await error_of(await client.post(PORTFOLIOS, json=body), 400, "VALIDATION_ERROR")
    details = error["details"]
    assert {"field", "value", "constraint"} <= set(details)
    assert details["field"] == field
    assert details["value"] == value
    assert constraint in details["constraint"]
    assert field in error["message"]
    assert (await data_of(await client.get(PORTFOLIOS))) == []  # nothing written


@pytest.mark.parametrize(
    ("data", "headers"),
    [
        ("[1, 2]", {"Content-Type": "application/json"}),
        ('"a string"', {"Content-Type": "application/json"}),
        ("42", {"Content-Type": "application/json"}),
        ("null", {"Content-Type": "application/json"}),
    ],
    ids=["list", "string", "number", "null"],
)
async def test_body_that_is_not_an_object(client: TestClient, data: str, headers: dict[str, str]) -> None:
    error = await error_of(await client.post(PORTFOLIOS, data=data, headers=headers), 400, "VALIDATION_ERROR")
    assert error["details"]["field"] == "body"


async def test_empty_body_on_post(client: TestClient) -> None:
    for data in ("", "   \n"):
        error = await error_of(await client.post(PORTFOLIOS, data=data), 400, "VALIDATION_ERROR")
        assert error["details"]["field"] == "name"
        assert "required" in error["details"]["constraint"].lower()
    # An empty PATCH is a valid "change nothing"; a JSON body sent as a form still reads as JSON.
    p = await portfolio(client)
    assert (await data_of(await client.patch(f"{PORTFOLIOS}/{p['id']}")))["name"] == "Income"
    created = await client.post(
        PORTFOLIOS, data='{"name": "Curl"}', headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert (await data_of(created, 201))["name"] == "Curl"


async def test_oversized_body(client: TestClient) -> None:
    big = b'{"name": "x", "description": "' + b"a" * (1024 * 1024 + 10) + b'"}'
    await error_of(await client.post(PORTFOLIOS, data=io.BytesIO(big)), 413, "VALIDATION_ERROR")
    assert (await data_of(await client.get(PORTFOLIOS))) == []


@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        (f"{PORTFOLIOS}?page_size=501", "page_size", "501"),
        (f"{PORTFOLIOS}?page_size=0", "page_size", "0"),
        (f"{PORTFOLIOS}?page=0", "page", "0"),
        (f"{PORTFOLIOS}?page=abc", "page", "abc"),
        (f"{PORTFOLIOS}?page=-3", "page", "-3"),
        (f"{PORTFOLIOS}?colour=red", "colour", "red"),
        (f"{PORTFOLIOS}?sort=bogus", "sort", "bogus"),
        (f"{PORTFOLIOS}?sort=-description", "sort", "-description"),
    ],
)
async def test_bad_query_values(client: TestClient, path: str, field: str, value: str) -> None:
    error = await error_of(await client.get(path), 400, "VALIDATION_ERROR")
    assert error["details"]["field"] == field
    assert error["details"]["value"] == value
    assert error["details"]["constraint"]


@pytest.mark.parametrize("bad_id", ["0", "-1", str(2**63), "abc", "1.5"])
async def test_a_path_without_a_canonical_id_names_nothing(client: TestClient, bad_id: str) -> None:
    for path in (f"{PORTFOLIOS}/{bad_id}", f"{PORTFOLIOS}/{bad_id}/summary"):
        error = await error_of(await client.get(path), 404, "NOT_FOUND")
        assert error["details"]["path"] == path


async def test_largest_id_is_a_plain_404(client: TestClient) -> None:
    error = await error_of(await client.get(f"{PORTFOLIOS}/{2**63 - 1}"), 404, "NOT_FOUND")
    assert str(2**63 - 1) in error["message"]


async def test_page_size_bounds_accepted(client: TestClient) -> None:
    for size in (1, 500):
        body = await (await client.get(f"{PORTFOLIOS}?page_size={size}")).json()
        assert body["pagination"]["page_size"] == size


async def test_404_on_unknown_path_and_unknown_id(client: TestClient) -> None:
    error = await error_of(await client.get("/api/v1/nothing/here"), 404, "NOT_FOUND")
    assert error["details"]["path"] == "/api/v1/nothing/here"
    await error_of(await client.get("/not-api"), 404, "NOT_FOUND")
    error = await error_of(await client.get(f"{PORTFOLIOS}/42"), 404, "NOT_FOUND")
    assert "42" in error["message"]
    await error_of(await client.delete(f"{PORTFOLIOS}/42"), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", PORTFOLIOS, {"GET", "POST"}),
        ("DELETE", "/api/v1/health", {"GET"}),
        ("POST", f"{PORTFOLIOS}/1", {"GET", "PATCH", "DELETE"}),
        ("PATCH", "/api/v1/config", {"GET", "PUT"}),
    ],
)
async def test_405_with_the_envelope(client: TestClient, method: str, path: str, allowed: set[str]) -> None:
    response = await client.request(method, path, json={})
    error = await error_of(response, 405, "METHOD_NOT_ALLOWED")
    assert error["details"] == {"path": path, "method": method}
    # RFC 9110: a 405 says which methods the resource does allow.
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == allowed


HOSTILE: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", PORTFOLIOS, {"data": "\x00\x01"}),
    ("POST", PORTFOLIOS, {"data": "{" * 5000 + "}" * 5000}),
    ("POST", PORTFOLIOS, {"data": io.BytesIO(b"[" * 200_000 + b"]" * 200_000)}),
    ("POST", PORTFOLIOS, {"data": '{"name": "x", "description": ' + "[" * 5000 + "]" * 5000 + "}"}),
    ("POST", PORTFOLIOS, {"json": {"name": {"nested": ["x"]}}}),
    ("POST", PORTFOLIOS, {"json": {"name": "x", "default_capital": "Infinity"}}),
    ("POST", PORTFOLIOS, {"json": {"name": "x", "default_capital": 10**400}}),
    ("POST", PORTFOLIOS, {"json": {"name": "x", "default_capital": "0x10"}}),
    ("POST", PORTFOLIOS, {"json": {"name": "x", "description": None}}),
    ("POST", PORTFOLIOS, {"json": {"name": "\ud800"}}),
    ("POST", PORTFOLIOS, {"json": {"name": "x", "\udfff": 1}}),
    ("GET", f"{PORTFOLIOS}?sort=%ED%A0%80", {}),
    ("GET", f"{PORTFOLIOS}?%ED%A0%80=1", {}),
    ("GET", f"{PORTFOLIOS}/%ED%A0%80", {}),
    ("GET", f"{PORTFOLIOS}?page=%ED%A0%80", {}),
    ("PATCH", f"{PORTFOLIOS}/1", {"json": {"is_default": False}}),
    ("PATCH", f"{PORTFOLIOS}/1", {"json": {"is_default": "maybe"}}),
    ("PATCH", f"{PORTFOLIOS}/1", {"json": {"id": 7}}),
    ("GET", f"{PORTFOLIOS}?page=99999999999999999999", {}),
    ("GET", f"{PORTFOLIOS}?page=1000000", {}),
    ("GET", f"{PORTFOLIOS}?sort=", {}),
    ("GET", f"{PORTFOLIOS}?sort=name;DROP TABLE portfolios", {}),
    ("GET", f"{PORTFOLIOS}/{10**30}", {}),
    ("GET", f"{PORTFOLIOS}/%00", {}),
    ("GET", "/api/v1/../../etc/passwd", {}),
    ("GET", "/static/redoc/..%2F..%2Fconfig.py", {}),
    ("PUT", "/api/v1/config", {"json": {"server": {"port": None}}}),
    ("PUT", "/api/v1/config", {"json": {"server": "flat"}}),
    ("PUT", "/api/v1/config", {"json": {"server": {"allowed_hosts": {"a": 1}}}}),
    ("POST", "/api/v1/config/validate", {"data": "[]"}),
    ("PUT", "/api/v1/config", {"data": '{"server": {"port": ' + "[" * 500 + "]" * 500 + "}}"}),
    ("PUT", "/api/v1/config", {"data": '{"server": {"port": ' + "[" * 980 + "]" * 980 + "}}"}),
    ("PUT", "/api/v1/config", {"data": '{"server": ' + "[" * 500 + "]" * 500 + "}"}),
    ("PUT", "/api/v1/config", {"data": '{"server": ' + "[" * 980 + "]" * 980 + "}"}),
    ("POST", "/api/v1/config/validate", {"data": '{"risk": ' + "[" * 500 + "]" * 500 + "}"}),
    ("POST", "/api/v1/config/validate", {"data": '{"risk": ' + "[" * 980 + "]" * 980 + "}"}),
    ("POST", PORTFOLIOS, {"data": '{"name": ' + "[" * 500 + "]" * 500 + "}"}),
    ("POST", PORTFOLIOS, {"data": '{"name": ' + "[" * 980 + "]" * 980 + "}"}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), HOSTILE)
async def test_never_a_500(client: TestClient, method: str, path: str, kwargs: dict[str, Any]) -> None:
    await portfolio(client)
    response = await client.request(method, path, **kwargs)
    assert response.status < 500, await response.text()
    if response.status >= 400:
        body = await response.json()
        assert set(body) == {"error", "timestamp"}
    assert [p["name"] for p in await data_of(await client.get(PORTFOLIOS))] == ["Income"]


async def test_unexpected_exception_is_internal_error_without_traceback(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    container: Container,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def explode(request: web.Request) -> web.Response:
        raise RuntimeError("kaboom: internal detail /srv/secret/path.py")

    app = create_app(container)
    app.router.add_get("/api/v1/test-explode", explode, allow_head=False)
    client = await aiohttp_client(app)
    with caplog.at_level(logging.ERROR, logger="wheeld.http"):
        response = await client.get("/api/v1/test-explode", headers={"X-Request-ID": "req-500"})
    text = await response.text()
    error = await error_of(response, 500, "INTERNAL_ERROR")
    for leak in ("Traceback", "kaboom", "RuntimeError", "secret", 'File "', ".py"):
        assert leak not in text, leak
    assert error["details"] == {"request_id": "req-500"}
    assert "req-500" in error["message"]
    assert response.headers["X-Request-ID"] == "req-500"
    # The traceback goes to the server log instead, tagged with the same request id.
    logged = [r for r in caplog.records if r.name == "wheeld.http" and r.exc_info]
    assert logged and "req-500" in logged[0].getMessage()


async def test_request_id_is_echoed(client: TestClient) -> None:
    response = await client.get("/api/v1/health", headers={"X-Request-ID": "abc-123.def_4"})
    assert response.headers["X-Request-ID"] == "abc-123.def_4"
    error_response = await client.get(f"{PORTFOLIOS}?page=0", headers={"X-Request-ID": "err-1"})
    assert error_response.status == 400 and error_response.headers["X-Request-ID"] == "err-1"
    missing = await client.get("/nowhere", headers={"X-Request-ID": "nf-1"})
    assert missing.status == 404 and missing.headers["X-Request-ID"] == "nf-1"


async def test_request_id_on_the_dashboard_page(client: TestClient) -> None:
    # `/` used to be the one redirect; it is now the dashboard, an HTML page like /docs.
    response = await client.get("/", headers={"X-Request-ID": "page-1"}, allow_redirects=False)
    assert response.status == 200
    assert response.headers["X-Request-ID"] == "page-1"


@pytest.mark.parametrize("given", [None, "", "has spaces", "x" * 65, "new\\nline", "<script>", "semi;colon"])
async def test_request_id_generated_when_absent_or_malformed(client: TestClient, given: str | None) -> None:
    headers = {} if given is None else {"X-Request-ID": given}
    response = await client.get("/api/v1/health", headers=headers)
    generated = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", generated)
    again = await client.get("/api/v1/health", headers=headers)
    assert again.headers["X-Request-ID"] != generated


async def test_health_ok(client: TestClient) -> None:
    data = await data_of(await client.get("/api/v1/health"))
    assert data["status"] == "ok"
    assert data["components"]["database"] == {"status": "ok"}
    assert data["checked_at"] == "2026-11-24T15:00:00Z"


async def test_health_is_503_down_when_the_database_is_closed(client: TestClient, container: Container) -> None:
    await container.db.close()
    response = await client.get("/api/v1/health")
    body = await response.json()
    assert response.status == 503
    assert body["data"]["status"] == "down"
    assert body["data"]["components"]["database"]["status"] == "down"
    # Other routes report the database as unavailable, never a 500.
    await error_of(await client.get(PORTFOLIOS), 503, "SERVICE_UNAVAILABLE")
    await error_of(await client.post(PORTFOLIOS, json={"name": "x"}), 503, "SERVICE_UNAVAILABLE")


async def test_health_is_degraded_when_a_probe_fails(client: TestClient, container: Container) -> None:
    async def broken() -> dict[str, Any]:
        raise ConnectionError("provider unreachable")

    async def fine() -> dict[str, Any]:
        return {"status": "ok"}

    container.system.add_probe("market_data", broken)
    container.system.add_probe("scheduler", fine)
    data = await data_of(await client.get("/api/v1/health"))
    assert data["status"] == "degraded"
    assert data["components"]["market_data"]["status"] == "down"
    assert data["components"]["scheduler"] == {"status": "ok"}


async def test_system_info(client: TestClient) -> None:
    await portfolio(client)
    data = await data_of(await client.get("/api/v1/system/info"))
    assert data["version"] and data["schema_version"] >= 1
    assert data["db_size_bytes"] > 0
    assert data["portfolios"] == 1 and data["counts"]["portfolios"] == 1
    assert data["wheels"] == 0 and data["trades"] == 0
    assert data["active_jobs"] == []
