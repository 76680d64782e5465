"""ReDoc in a real browser (Debian's Chromium through Playwright): it renders the spec and nothing it
does leaves the machine — no logo from Redocly's CDN, no web fonts. About 5 s."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.daemon_process import Daemon

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_redoc_renders_and_requests_nothing_from_elsewhere(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    daemon = Daemon(tmp_path)
    daemon.start()
    answered: list[str] = []
    blocked: list[tuple[str, str | None]] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            page = browser.new_page()
            page.on("response", lambda response: answered.append(response.url))
            page.on("requestfailed", lambda request: blocked.append((request.url, request.failure)))
            page.goto(f"http://127.0.0.1:{daemon.port}/redoc")
            page.wait_for_selector("h1:has-text('wheeld API')", timeout=30_000)
            page.wait_for_load_state("networkidle")
            title = page.locator("h1").first.inner_text()
            browser.close()
    finally:
        daemon.stop(signal.SIGTERM)
    assert title.startswith("wheeld API")
    # Everything that was answered came from wheeld (the search worker is a blob: of the page's own).
    assert [url for url in answered if urlsplit(url.removeprefix("blob:")).hostname != "127.0.0.1"] == []
    assert any(url.endswith("/openapi.json") for url in answered)
    # The footer's logo is asked for and stopped by the page's Content-Security-Policy, before any request.
    assert blocked == [("https://cdn.redoc.ly/redoc/logo-mini.svg", "csp")]
