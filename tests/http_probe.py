"""Wait for a daemon's health, then fetch paths and print what came back as JSON (standard library only).

Run as `python -m tests.http_probe PORT PATH…` where the daemon is: the zipapp test runs it inside
the daemon's network namespace, which has nothing but loopback.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urljoin, urlsplit

HEALTH = "/api/v1/health"
# The src= and href= targets of an HTML page.
ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"'#]+)["']""", re.IGNORECASE)


def fetch(port: int, path: str) -> dict[str, Any]:
    """Status, type, size, SHA-256 and (for text) the body of one GET."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            status, headers, body = error.code, error.headers, error.read()
    content_type = headers.get("Content-Type", "")
    text = body.decode("utf-8", "replace") if content_type.startswith(("text/", "application/json")) else None
    return {
        "status": status,
        "content_type": content_type,
        "size": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
        "text": text,
    }


def wait_healthy(port: int, timeout: float) -> float:
    """Seconds until the health route answered 200."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if fetch(port, HEALTH)["status"] == 200:
                return time.monotonic() - started
        except (ConnectionError, urllib.error.URLError, TimeoutError):
            pass
        time.sleep(0.05)
    raise SystemExit(f"no healthy answer on port {port} within {timeout} s")


def main(argv: list[str]) -> int:
    """Probe PORT: wait for health (up to TIMEOUT seconds), fetch each PATH and the assets its HTML names."""
    port, timeout, paths = int(argv[0]), float(argv[1]), argv[2:]
    report: dict[str, Any] = {"seconds_to_healthy": wait_healthy(port, timeout), "pages": {}}
    pending = [HEALTH, *paths]
    while pending:
        path = pending.pop(0)
        if path in report["pages"]:
            continue
        page = report["pages"][path] = fetch(port, path)
        if page["content_type"].startswith("text/html") and page["text"]:
            page["assets"] = ASSET.findall(page["text"])
            # Our own assets (relative or absolute paths) are fetched too; external URLs only listed.
            pending.extend(urljoin(path, a) for a in page["assets"] if not urlsplit(a).netloc and ":" not in a)
    json.dump(report, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
