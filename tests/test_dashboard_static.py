"""The dashboard's files as the daemon serves them: the page, its modules, uPlot, and their limits."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from wheeld.http.routes.dashboard import dashboard_dir, uplot_dir

ROOT = Path(__file__).resolve().parent.parent
PAGE_WEIGHT_LIMIT = 300_000  # bytes, without the chart library (DESIGN.md's target)


def _fetch_script():  # the build's table of pinned assets
    spec = importlib.util.spec_from_file_location("fetch_assets", ROOT / "scripts" / "fetch_redoc.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_page_weighs_under_300_kb_without_the_chart_library() -> None:
    files = [f for f in Path(str(dashboard_dir())).iterdir() if f.is_file()]
    assert {f.suffix for f in files} <= {".html", ".js", ".css", ".svg"}
    assert sum(f.stat().st_size for f in files) < PAGE_WEIGHT_LIMIT


async def test_root_serves_the_page_with_a_same_origin_policy(client: TestClient) -> None:
    response = await client.get("/")
    assert response.status == 200 and response.content_type == "text/html"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    html = await response.text()
    assert re.findall(r"(?:src|href)=\"(?:https?:)?//", html) == []


async def test_every_module_the_page_imports_is_served(client: TestClient) -> None:
    seen, todo = set(), ["app.js"]
    while todo:
        name = todo.pop()
        seen.add(name)
        response = await client.get(f"/static/dashboard/{name}")
        assert response.status == 200, name
        assert response.content_type == "application/javascript"
        source = await response.text()
        # No module reaches another origin: imports are relative, the chart library is ours.
        static = re.findall(r"""^import .*? from "([^"]+)";$""", source, flags=re.M | re.S)
        dynamic = re.findall(r"""(?:import\(|const UPLOT = )\s*["']([^"']+)["']""", source)
        for target in static + dynamic:
            if target.startswith("./"):
                todo.extend({target[2:]} - seen)
            else:
                assert target.startswith("/static/vendor/uplot/"), (name, target)
    assert {"api.js", "dom.js", "format.js", "chart.js", "wheels.js", "trades.js"} <= seen


def test_uplot_is_pinned_and_checksummed_like_redoc() -> None:
    assets = {asset.name: asset for asset in _fetch_script().ASSETS}
    assert set(assets) == {"redoc", "uplot"}
    uplot = assets["uplot"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", uplot.version) and len(uplot.sha256) == 64
    assert all(len(pin) == 64 for _, pin in uplot.members.values())
    assert "wheeld/http/static/vendor/" in (ROOT / ".gitignore").read_text().splitlines()


async def test_uplot_is_served_as_installed(client: TestClient) -> None:
    installed = Path(str(uplot_dir())) / "uPlot.esm.js"
    if not installed.is_file():
        pytest.fail("uPlot is not installed: run `make assets` (scripts/fetch_redoc.py)")
    pins = {name: pin for name, pin in _fetch_script().ASSETS[1].members.values()}
    response = await client.get("/static/vendor/uplot/uPlot.esm.js")
    assert response.status == 200 and response.content_type == "application/javascript"
    assert hashlib.sha256(await response.read()).hexdigest() == pins["uPlot.esm.js"]
    css = await client.get("/static/vendor/uplot/uPlot.min.css")
    assert css.status == 200 and css.content_type == "text/css"


@pytest.mark.parametrize(
    "path",
    [
        "/static/dashboard/..%2F..%2Fapp.py",
        "/static/dashboard/%2E%2E%2Fdashboard.py",
        "/static/dashboard/index.html",  # served at / only
        "/static/dashboard/nothing.js",
        "/static/vendor/uplot/VERSION",
        "/static/vendor/uplot/uPlot.cjs.js",
        "/static/vendor/uplot/..%2F..%2Fdashboard%2Fapp.js",
    ],
)
async def test_static_paths_stay_inside_their_folders(client: TestClient, path: str) -> None:
    response = await client.get(path)
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "NOT_FOUND"
