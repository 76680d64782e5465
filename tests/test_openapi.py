"""The API documentation: a valid spec that documents every route, and docs pages that work offline."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from typing import Any

import jsonschema
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate

from wheeld.app import Container
from wheeld.config import load_config
from wheeld.domain.vocabulary import Direction, Outcome, WheelState
from wheeld.errors import ERROR_CLASSES
from wheeld.http.app import create_app
from wheeld.http.routes import docs

WRITE_METHODS = {"post", "put", "patch"}
# Enumerations pinned by DESIGN.md: wherever a field of this name appears, its values are listed.
DESIGN_ENUMS: dict[str, set[Any]] = {
    "state": {s.value for s in WheelState},
    "wheel_state": {s.value for s in WheelState},
    "outcome": {o.value for o in Outcome},
    "direction": {d.value for d in Direction},
    "starting_direction": {d.value for d in Direction},
    "risk_level": {"LOW", "MEDIUM", "HIGH"},
}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The spec an app serves (any app: each one gets fresh copies of the handlers' docs)."""
    data_dir = tmp_path_factory.mktemp("spec-data")
    app = create_app(Container.build(load_config(data_dir=data_dir, environ={})))
    return json.loads(json.dumps(app["swagger_dict"]))


async def test_served_spec_is_the_fresh_one(client: TestClient, spec: dict[str, Any]) -> None:
    response = await client.get("/openapi.json")
    assert response.status == 200
    served = await response.json()
    assert set(served["paths"]) == set(spec["paths"])
    assert served["info"] == spec["info"]


def test_every_app_serves_the_same_spec(container: Container, spec: dict[str, Any]) -> None:
    create_app(container)  # whether or not an app was built before in this process
    second = create_app(container)
    assert json.loads(json.dumps(second["swagger_dict"])) == spec


def api_routes(app: web.Application) -> list[tuple[str, str]]:
    """(canonical path, lower-case method) of every /api/v1 route the app serves."""
    found = []
    for route in app.router.routes():
        resource = route.resource
        if resource is not None and resource.canonical.startswith("/api/v1"):
            found.append((resource.canonical, route.method.lower()))
    return found


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method != "parameters"
    ]


def success_code(op: dict[str, Any]) -> str:
    codes = sorted(code for code in op["responses"] if code.startswith("2"))
    assert codes, "no success response"
    return codes[0]


def nullable_to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0's `nullable` as plain JSON Schema (so examples with nulls can be checked)."""
    if isinstance(node, dict):
        node = {k: nullable_to_json_schema(v) for k, v in node.items()}
        if node.pop("nullable", False):
            if isinstance(node.get("type"), str):
                node["type"] = [node["type"], "null"]
                if "enum" in node:
                    node["enum"] = [*node["enum"], None]
            elif "allOf" in node:
                node = {"anyOf": [{"allOf": node.pop("allOf")}, {"type": "null"}], **node}
        return node
    if isinstance(node, list):
        return [nullable_to_json_schema(v) for v in node]
    return node


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref" and isinstance(v, str)] + [
            r for v in node.values() for r in refs(v)
        ]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


async def test_every_ref_points_at_a_definition(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    dangling = sorted({r for r in refs(spec) if r.removeprefix("#/components/schemas/") not in schemas})
    assert dangling == []


async def test_spec_is_valid_openapi_3(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.0.3"
    validate(copy.deepcopy(spec))
    assert spec["info"]["title"] and spec["info"]["version"]


async def test_every_api_route_is_documented(client: TestClient, spec: dict[str, Any]) -> None:
    """Meta-test: adding a route under /api/v1 without documenting it fails here."""
    routes = api_routes(client.app)
    assert ("/api/v1/health", "get") in routes
    problems: list[str] = []
    for path, method in routes:
        op = spec["paths"].get(path, {}).get(method)
        where = f"{method.upper()} {path}"
        if op is None:
            problems.append(f"{where}: not in the spec")
            continue
        if not op.get("summary", "").strip():
            problems.append(f"{where}: no summary")
        responses = op.get("responses", {})
        if not any(json_media(r).get("schema") for r in responses.values()):
            problems.append(f"{where}: no response with a schema")
        if "400" not in responses or "schema" not in json_media(responses["400"]):
            problems.append(f"{where}: no 400 error response")
        code = success_code(op)
        if code != "204":
            success = json_media(responses[code])
            if "schema" not in success:
                problems.append(f"{where}: success response {code} has no schema")
            if "example" not in success:
                problems.append(f"{where}: success response {code} has no example")
        content = op.get("requestBody", {}).get("content", {})
        if method in WRITE_METHODS and not any("schema" in media for media in content.values()):
            problems.append(f"{where}: no request body schema")
    assert problems == []


async def test_spec_lists_only_real_routes_and_no_head(client: TestClient, spec: dict[str, Any]) -> None:
    routes = set(api_routes(client.app))
    documented = {(path, method) for path, method, _ in operations(spec)}
    assert documented - routes == set()
    assert all(method != "head" for _, method in documented)


def json_media(response: dict[str, Any]) -> dict[str, Any]:
    """The application/json media type object of a response (empty when it has no body)."""
    return response.get("content", {}).get("application/json", {})


async def test_examples_match_their_schemas(spec: dict[str, Any]) -> None:
    """Every example, success and error, request and response, is valid against its own schema."""
    components = {"schemas": nullable_to_json_schema(spec["components"]["schemas"])}
    problems = []
    for path, method, op in operations(spec):
        media = {code: json_media(response) for code, response in op["responses"].items()}
        media["request"] = op.get("requestBody", {}).get("content", {}).get("application/json", {})
        for code, found in media.items():
            example = found.get("example")
            if example is None or "schema" not in found:
                continue
            schema = {**nullable_to_json_schema(found["schema"]), "components": components}
            validator = jsonschema.Draft4Validator(schema)
            for error in validator.iter_errors(example):
                location = "/".join(map(str, error.absolute_path))
                problems.append(f"{method.upper()} {path} {code} at {location}: {error.message}")
    assert problems == []


async def test_error_codes_and_design_enums_are_listed(spec: dict[str, Any]) -> None:
    definitions = spec["components"]["schemas"]
    assert set(definitions["ErrorBody"]["properties"]["code"]["enum"]) == {c.code for c in ERROR_CLASSES}
    assert definitions["Health"]["properties"]["status"]["enum"] == ["ok", "degraded", "down"]
    seen: list[str] = []
    problems = []
    for name, definition in definitions.items():
        for field, prop in definition.get("properties", {}).items():
            if field in DESIGN_ENUMS:
                seen.append(f"{name}.{field}")
                values = {v for v in prop.get("enum", []) if v is not None}
                if not values or not values <= DESIGN_ENUMS[field]:
                    problems.append(f"{name}.{field}: enum {prop.get('enum')}")
    for path, method, op in operations(spec):
        for parameter in op.get("parameters", []):
            if parameter.get("in") == "query" and parameter["name"] in DESIGN_ENUMS:
                enum = parameter["schema"].get("enum") or parameter["schema"].get("items", {}).get("enum", [])
                values = set(enum)
                if not values or not values <= DESIGN_ENUMS[parameter["name"]]:
                    problems.append(f"{method.upper()} {path} ?{parameter['name']}: enum {enum}")
    assert problems == []


async def test_bearer_security_is_declared(spec: dict[str, Any]) -> None:
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "`Authorization: Bearer <token>` when server.api_token is set",
    }
    assert spec["paths"]["/api/v1/health"]["get"]["security"] == []
    assert spec["security"] == [{"bearer": []}]


class Assets(HTMLParser):
    """Every URL a page loads or links to."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href"} and value:
                self.urls.append(value)


def page_assets(html: str) -> list[str]:
    parser = Assets()
    parser.feed(html)
    return parser.urls


async def test_swagger_ui_is_served_locally(client: TestClient) -> None:
    response = await client.get("/docs")
    assert response.status == 200 and response.content_type == "text/html"
    html = await response.text()
    assets = page_assets(html)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    # No CDN: nothing the page loads comes from another host.
    assert re.findall(r"(?:https?:)?//[\w.-]+", " ".join(assets)) == []
    assert re.findall(r"https?://", html) == []
    assert '"/openapi.json"' in html
    for asset in assets:
        fetched = await client.get(asset)
        assert fetched.status == 200, asset
        assert len(await fetched.read()) > 0, asset


def redoc_bundle_installed() -> bool:
    return docs.redoc_dir().joinpath("redoc.standalone.js").is_file()


async def test_redoc_is_served_locally(client: TestClient) -> None:
    if not redoc_bundle_installed():
        pytest.fail("the ReDoc bundle is not installed: run `make assets` (scripts/fetch_redoc.py)")
    response = await client.get("/redoc")
    assert response.status == 200 and response.content_type == "text/html"
    html = await response.text()
    assert page_assets(html) == ["/static/redoc/redoc.standalone.js"]
    assert 'spec-url="/openapi.json"' in html
    assert re.findall(r"https?://", html) == []
    bundle = await client.get("/static/redoc/redoc.standalone.js")
    assert bundle.status == 200
    assert bundle.content_type == "application/javascript"
    assert len(await bundle.read()) > 100_000  # the real standalone bundle, not a stub


@pytest.mark.parametrize(
    "path",
    [
        "/static/redoc/VERSION",
        "/static/redoc/..%2F..%2F__init__.py",
        "/static/redoc/%2E%2E%2Fdocs.py",
        "/static/swagger/..%2F..%2F__init__.py",
        "/static/swagger/../../__init__.py",
    ],
)
async def test_static_files_do_not_reach_outside_their_folder(client: TestClient, path: str) -> None:
    response = await client.get(path)
    assert response.status == 404
    body = await response.json()
    assert body["error"]["code"] == "NOT_FOUND"


async def test_root_serves_the_dashboard_and_the_docs_stay(client: TestClient) -> None:
    response = await client.get("/", allow_redirects=False)
    assert response.status == 200 and response.content_type == "text/html"
    assert '<script type="module" src="/static/dashboard/app.js">' in await response.text()
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert (await client.get(path)).status == 200, path


MISSING = "Missing data for required field."
ERROR_CODES_BY_STATUS = {
    400: {"VALIDATION_ERROR"},
    401: {"UNAUTHORIZED"},
    403: {"FORBIDDEN"},
    404: {"NOT_FOUND"},
    409: {"CONFLICT", "INVALID_STATE"},
    415: {"VALIDATION_ERROR"},
    500: {"INTERNAL_ERROR"},
    502: {"EXTERNAL_API_ERROR"},
    503: {"SERVICE_UNAVAILABLE"},
}


async def test_every_operation_has_a_unique_snake_case_operation_id(spec: dict[str, Any]) -> None:
    ids = [op.get("operationId", "") for _, _, op in operations(spec)]
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids), ids
    assert len(ids) == len(set(ids))
    # Stable: the handler's name, so generated clients keep their method names across releases.
    assert spec["paths"]["/api/v1/portfolios/{id}/wheels"]["post"]["operationId"] == "create_wheel"
    assert spec["paths"]["/api/v1/trades/{id}/settle"]["post"]["operationId"] == "settle_trade"


async def test_every_error_status_has_an_example_with_its_own_code(spec: dict[str, Any]) -> None:
    problems, messages_400 = [], set()
    for path, method, op in operations(spec):
        for code, response in op["responses"].items():
            status = int(code)
            if status < 400 or (path, status) == ("/api/v1/health", 503):  # health's 503 carries data
                continue
            example = json_media(response).get("example")
            where = f"{method.upper()} {path} {code}"
            if example is None:
                problems.append(f"{where}: no example")
                continue
            if example["error"]["code"] not in ERROR_CODES_BY_STATUS[status]:
                problems.append(f"{where}: example code {example['error']['code']}")
            if status == 400:
                messages_400.add(example["error"]["message"])
    assert problems == []
    assert len(messages_400) >= 5  # not one "strike must be positive" for every route


@pytest.mark.parametrize(
    ("operation", "status", "code", "message"),
    [
        (("/api/v1/portfolios", "post"), 409, "CONFLICT", "a portfolio named 'Income' already exists"),
        (("/api/v1/wheels/{id}/trades", "post"), 409, "INVALID_STATE", None),
        (("/api/v1/wheels/{id}/trades", "post"), 400, "VALIDATION_ERROR", "direction: " + MISSING),
        (("/api/v1/trades/{id}", "get"), 404, "NOT_FOUND", "trade 42 not found"),
        (("/api/v1/portfolios/{id}/wheels", "post"), 404, "NOT_FOUND", "portfolio 42 not found"),
    ],
)
async def test_error_examples_say_what_the_route_says(
    client: TestClient, spec: dict[str, Any], operation: tuple[str, str], status: int, code: str, message: str | None
) -> None:
    """The examples are the daemon's own answers: these are checked against the real thing."""
    example = json_media(spec["paths"][operation[0]][operation[1]]["responses"][str(status)])["example"]["error"]
    assert example["code"] == code
    if message is not None:
        assert example["message"] == message
    await client.post("/api/v1/portfolios", json={"name": "Income", "default_capital": 50000})
    await client.post("/api/v1/portfolios/1/wheels", json={"symbol": "AAPL", "capital_allocated": 20000})
    real = {
        ("/api/v1/portfolios", "post", 409): ("post", "/api/v1/portfolios", {"name": "Income"}),
        ("/api/v1/wheels/{id}/trades", "post", 400): ("post", "/api/v1/wheels/1/trades", {}),
        ("/api/v1/trades/{id}", "get", 404): ("get", "/api/v1/trades/42", None),
        ("/api/v1/portfolios/{id}/wheels", "post", 404): (
            "post",
            "/api/v1/portfolios/42/wheels",
            {"symbol": "AAPL", "capital_allocated": 1000},
        ),
    }.get((*operation, status))
    if real is not None:
        verb, url, body = real
        answer = await client.request(verb, url, json=body)
        assert answer.status == status
        got = (await answer.json())["error"]
        assert (got["code"], got["message"]) == (code, message)


async def test_validators_are_mirrored(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    trade = schemas["TradeCreate"]["properties"]
    assert trade["strike"]["minimum"] == 0 and trade["strike"]["exclusiveMinimum"] is True
    assert trade["fees"]["minimum"] == 0 and trade["fees"]["maximum"] == 1e9
    assert trade["contracts"]["minimum"] == 1
    assert schemas["WheelCreate"]["properties"]["symbol"]["pattern"] == "^[A-Za-z0-9.\\-]{1,10}$"
    # A P&L in an answer may be negative: response schemas carry no input bounds.
    assert "minimum" not in schemas["PortfolioSummary"]["properties"]["net_pnl"]


async def test_nullable_references_are_valid_for_3_0(spec: dict[str, Any]) -> None:
    open_trade = spec["components"]["schemas"]["Wheel"]["properties"]["open_trade"]
    assert open_trade == {"allOf": [{"$ref": "#/components/schemas/Trade"}], "nullable": True}
    assert "anyOf" not in json.dumps(spec)


async def test_spec_is_served_as_utf8_and_passes_the_validator_cli(client: TestClient, tmp_path: Any) -> None:
    response = await client.get("/openapi.json")
    raw = await response.read()
    assert response.charset == "utf-8"
    assert "🟢".encode() in raw and b"\\ud83d" not in raw
    served = tmp_path / "openapi.json"
    served.write_bytes(raw)
    done = subprocess.run(
        [sys.executable, "-m", "openapi_spec_validator", str(served)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK" in done.stdout
