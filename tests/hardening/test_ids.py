"""Issue 18, class 2: only canonical decimal ids (`[1-9][0-9]*`) name a resource. `/wheels/+2`, `/wheels/%203`,
`/wheels/02` and `/wheels/0` are 404 on every method, and DELETE on them deletes nothing."""

from __future__ import annotations

import re

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from yarl import URL

from tests.conftest import data_of, error_of
from tests.hardening.conftest import Book, Dump
from wheeld.http.app import ROUTE_MODULES
from wheeld.http.schemas.common import ID_PATTERN, IdPath, WholeNumber

# How a client spells wheel 2 (or 3) other than "2": a sign, a blank (%20), a leading zero, an exponent.
NON_CANONICAL = ["+{id}", "%20{id}", "{id}%20", "0{id}", "00{id}", "{id}.0", "{id}e0", "-{id}", "0x{id}", "%2B{id}"]


def spelled(template: str, wheel_id: int) -> str:
    return template.format(id=wheel_id)


@pytest.mark.parametrize("template", NON_CANONICAL)
async def test_a_wheel_is_named_only_by_its_canonical_id(
    client: TestClient, book: Book, dump: Dump, template: str
) -> None:
    path = f"/api/v1/wheels/{spelled(template, book.other_wheel_id)}"
    before = await dump()
    for method in ("GET", "PATCH", "DELETE"):
        body = {"notes": "renamed"} if method == "PATCH" else None
        response = await client.request(method, URL(path, encoded=True), json=body)
        await error_of(response, 404, "NOT_FOUND")
    assert await dump() == before
    await data_of(await client.get(f"/api/v1/wheels/{book.other_wheel_id}"))  # still there


@pytest.mark.parametrize("bad", ["0", "00", "-0"])
async def test_zero_names_nothing(client: TestClient, book: Book, dump: Dump, bad: str) -> None:
    before = await dump()
    for method, path in [
        ("DELETE", f"/api/v1/wheels/{bad}"),
        ("DELETE", f"/api/v1/portfolios/{bad}"),
        ("PATCH", f"/api/v1/trades/{bad}"),
        ("POST", f"/api/v1/trades/{bad}/settle"),
        ("POST", f"/api/v1/wheels/{bad}/trades"),
    ]:
        await error_of(await client.request(method, path, json={}), 404, "NOT_FOUND")
    assert await dump() == before


@pytest.mark.parametrize("template", ["+{id}", "%20{id}", "0{id}"])
async def test_every_kind_of_id_is_canonical(client: TestClient, book: Book, dump: Dump, template: str) -> None:
    before = await dump()
    for method, path in [
        ("DELETE", f"/api/v1/portfolios/{spelled(template, book.portfolio_id)}"),
        ("GET", f"/api/v1/portfolios/{spelled(template, book.portfolio_id)}/summary"),
        ("POST", f"/api/v1/portfolios/{spelled(template, book.portfolio_id)}/wheels"),
        ("PATCH", f"/api/v1/trades/{spelled(template, book.trade_id)}"),
        ("POST", f"/api/v1/trades/{spelled(template, book.trade_id)}/settle"),
        ("POST", f"/api/v1/trades/{spelled(template, book.trade_id)}/roll"),
        ("GET", f"/api/v1/wheels/{spelled(template, book.wheel_id)}/position"),
        ("POST", f"/api/v1/wheels/{spelled(template, book.wheel_id)}/trades"),
        ("PATCH", f"/api/v1/alerts/{spelled(template, 1)}"),
    ]:
        response = await client.request(method, URL(path, encoded=True), json={"symbol": "KO", "notes": "x"})
        await error_of(response, 404, "NOT_FOUND")
    assert await dump() == before


async def test_canonical_ids_still_work(client: TestClient, book: Book, dump: Dump) -> None:
    await data_of(await client.patch(f"/api/v1/wheels/{book.other_wheel_id}", json={"notes": "kept"}))
    assert (await client.delete(f"/api/v1/wheels/{book.other_wheel_id}")).status == 204
    await error_of(await client.get(f"/api/v1/wheels/{book.other_wheel_id}"), 404, "NOT_FOUND")


def _routes() -> list[web.AbstractRoute]:
    app = web.Application()
    for module in ROUTE_MODULES:
        module.register(app)
    return list(app.router.routes())


def test_every_id_in_a_path_uses_the_one_id_pattern() -> None:
    """A meta-test for routes to come: each `{placeholder}` of an API path is checked by the route's path
    schema, and each `{id}` or `{…_id}` there is a WholeNumber (the canonical ID_PATTERN), not plain Integer."""
    unchecked, loose = [], []
    for route in _routes():
        canonical = route.resource.canonical if route.resource else ""
        names = re.findall(r"{([^}:]+)", canonical)
        if not canonical.startswith("/api/") or not names:
            continue
        schemas = [
            i["schema"] for i in getattr(route.handler, "__schemas__", None) or () if i["location"] == "match_info"
        ]
        declared = {n: f for s in schemas for n, f in (s() if isinstance(s, type) else s).fields.items()}
        unchecked += [f"{route.method} {canonical}: {n}" for n in names if n not in declared]
        loose += [
            f"{route.method} {canonical}: {n}"
            for n in names
            if (n == "id" or n.endswith("_id"))
            and n in declared
            and not isinstance(declared[n], WholeNumber)
            and "jobs" not in canonical
        ]
    assert unchecked == []
    assert loose == []
    assert ID_PATTERN == "[1-9][0-9]*" and isinstance(IdPath().fields["id"], WholeNumber)
