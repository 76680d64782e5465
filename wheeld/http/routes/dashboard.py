"""The web dashboard at `/`: an HTML page, its ES modules and CSS, and the pinned uPlot chart library.

Every file comes from package data (wheeld/http/static/dashboard, and static/vendor/uplot fetched at
build time); the page uses only the public REST API on this same origin.
"""

from __future__ import annotations

import re
from importlib import resources

from aiohttp import web

# The page may load only from its own origin: scripts, styles, images, fetches (no CDN, ever).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_ASSET_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,40}\.(js|css|svg)$")
_VENDOR_FILES = {"uPlot.esm.js": "application/javascript", "uPlot.min.css": "text/css", "LICENSE": "text/plain"}
_TYPES = {"js": "application/javascript", "css": "text/css", "svg": "image/svg+xml"}


def dashboard_dir() -> resources.abc.Traversable:
    """Where the dashboard's own files live (committed, plain text)."""
    return resources.files("wheeld.http").joinpath("static", "dashboard")


def uplot_dir() -> resources.abc.Traversable:
    """Where the fetched uPlot files live (never committed)."""
    return resources.files("wheeld.http").joinpath("static", "vendor", "uplot")


def _headers(cache: str) -> dict[str, str]:
    return {
        "Cache-Control": cache,
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


async def index(request: web.Request) -> web.Response:
    """GET /: the dashboard page (its data comes from /api/v1 once loaded)."""
    page = dashboard_dir().joinpath("index.html").read_text(encoding="utf-8")
    return web.Response(text=page, content_type="text/html", headers=_headers("no-cache"))


async def asset(request: web.Request) -> web.Response:
    """GET /static/dashboard/{name}: one of the dashboard's modules or its stylesheet (flat names only)."""
    name = request.match_info["name"]
    match = _ASSET_NAME.match(name)
    file = dashboard_dir().joinpath(name)
    if match is None or not file.is_file():
        raise web.HTTPNotFound()
    return web.Response(body=file.read_bytes(), content_type=_TYPES[match.group(1)], headers=_headers("no-cache"))


async def uplot_asset(request: web.Request) -> web.Response:
    """GET /static/vendor/uplot/{name}: the pinned chart library (a fixed allow-list)."""
    name = request.match_info["name"]
    file = uplot_dir().joinpath(name)
    if name not in _VENDOR_FILES or not file.is_file():
        raise web.HTTPNotFound()
    return web.Response(
        body=file.read_bytes(), content_type=_VENDOR_FILES[name], headers=_headers("public, max-age=86400")
    )


def register(app: web.Application) -> None:
    """Add the dashboard page and its static files."""
    app.router.add_get("/", index, allow_head=False)
    app.router.add_get("/static/dashboard/{name}", asset, allow_head=False)
    app.router.add_get("/static/vendor/uplot/{name}", uplot_asset, allow_head=False)
