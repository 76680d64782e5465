"""Offline API docs: the spec, Swagger UI (bundled by aiohttp-apispec) and ReDoc (fetched at build)."""

from __future__ import annotations

from importlib import resources

from aiohttp import web

REDOC_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>wheeld API — ReDoc</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <style>body { margin: 0; padding: 0; }</style>
</head>
<body>
  <redoc spec-url="/openapi.json"></redoc>
  <script src="/static/redoc/redoc.standalone.js"></script>
</body>
</html>
"""

# ReDoc's footer shows Redocly's logo from their CDN: the page may load images, fonts and data only from
# wheeld itself (and inline data: URIs), so the browser never sends that request.
REDOC_POLICY = "img-src 'self' data:; font-src 'self' data:; connect-src 'self'"
MISSING_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ReDoc not installed</title></head>
<body><h1>ReDoc bundle not installed</h1>
<p>This build of wheeld has no ReDoc bundle. Run <code>make assets</code> (or
<code>python scripts/fetch_redoc.py</code>) in the source tree; meanwhile Swagger UI is at
<a href="/docs">/docs</a> and the spec at <a href="/openapi.json">/openapi.json</a>.</p></body></html>
"""


def redoc_dir() -> resources.abc.Traversable:
    """Where the packaged ReDoc bundle lives."""
    return resources.files("wheeld.http").joinpath("static", "redoc")


async def redoc(request: web.Request) -> web.Response:
    """GET /redoc: the ReDoc page, served entirely by wheeld."""
    if not redoc_dir().joinpath("redoc.standalone.js").is_file():
        return web.Response(text=MISSING_PAGE, content_type="text/html", status=503)
    return web.Response(text=REDOC_PAGE, content_type="text/html", headers={"Content-Security-Policy": REDOC_POLICY})


async def redoc_asset(request: web.Request) -> web.StreamResponse:
    """GET /static/redoc/{name}: the bundle and its licence (a fixed allow-list, no paths from clients)."""
    name = request.match_info["name"]
    if name not in {"redoc.standalone.js", "LICENSE", "LICENSE.txt"}:
        raise web.HTTPNotFound()
    asset = redoc_dir().joinpath(name)
    if not asset.is_file():
        raise web.HTTPNotFound()
    content_type = "application/javascript" if name.endswith(".js") else "text/plain"
    return web.Response(
        body=asset.read_bytes(), content_type=content_type, headers={"Cache-Control": "public, max-age=86400"}
    )


def register(app: web.Application) -> None:
    """Add /redoc and its assets (Swagger UI and the spec come from aiohttp-apispec; `/` is the dashboard)."""
    app.router.add_get("/redoc", redoc, allow_head=False)
    app.router.add_get("/static/redoc/{name}", redoc_asset, allow_head=False)
