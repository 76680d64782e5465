"""Make the README's dashboard screenshots: a seeded book on the real app, shot in Debian's Chromium.

    .venv/bin/python scripts/dashboard_screenshots.py [--out docs]

Writes dashboard-overview.png and dashboard-wheel.png (desktop, 1280 px) and their 375 px phone
versions (…-phone.png). Needs `chromium` on PATH and nothing from the network.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.dashboard_server import NO_CHROMIUM, DashboardServer, chromium_path, launch_chromium, seed_book  # noqa: E402
from wheeld.clock import FrozenClock  # noqa: E402
from wheeld.market_calendar import load_xnys  # noqa: E402

START = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # a Monday, 10:00 in New York


REVIEW_PAGES = ("positions", "wheels", "trades", "recommendations", "opportunities", "performance", "alerts", "jobs")


def shoot(out: Path, every_page: bool = False) -> list[Path]:
    """Seed a book, open the overview and a wheel page at two widths (with `every_page`, the other
    pages too, for review); the files written."""
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        server = DashboardServer(Path(tmp), FrozenClock(START), load_xnys(date(2025, 1, 1), date(2027, 12, 31)))
        server.start()
        try:
            ids = seed_book(server)
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                for suffix, viewport in (
                    ("", {"width": 1280, "height": 900}),
                    ("-phone", {"width": 375, "height": 812}),
                ):
                    page = browser.new_page(viewport=viewport, color_scheme="light")
                    shots = [("overview", "#/"), ("wheel", f"#/wheels/{ids['AAPL']}")]
                    shots += [(name, f"#/{name}") for name in REVIEW_PAGES if every_page]
                    for name, hash_ in shots:
                        page.goto(f"{server.url}/{hash_}")
                        page.wait_for_selector("main h1")
                        if name == "wheel":
                            page.wait_for_selector("#wheel-chart canvas")
                        page.wait_for_load_state("networkidle")
                        path = out / f"dashboard-{name}{suffix}.png"
                        page.screenshot(path=str(path), full_page=True)
                        written.append(path)
                    page.close()
                browser.close()
        finally:
            server.stop()
    return written


def main() -> int:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--every-page", action="store_true", help="shoot the other pages too (for review)")
    args = parser.parse_args()
    if chromium_path() is None:
        print(NO_CHROMIUM, file=sys.stderr)
        return 1
    for path in shoot(args.out, args.every_page):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
