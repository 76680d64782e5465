"""The dashboard's first render with data and its page weight, in Debian's Chromium on loopback.

Target (DESIGN.md): first render with data < 1 s; page weight < 300 KB without the chart library.
"First render with data" = from navigation start until the page's first view, its data included, is
in the document: the `wheeld:first-render` mark the dashboard sets (the browser's own clock).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from pathlib import Path

from bench.harness import dump_json, print_table, wheeld_server
from bench.seed import seed
from tests.dashboard_server import NO_CHROMIUM, chromium_path, launch_chromium

ROUNDS = 5
PAGES = {"overview": ("#/", "article.card"), "positions": ("#/positions", "tbody tr")}


def _render(browser, url: str, selector: str) -> tuple[float, int, int]:
    """One cold load in a fresh context: (ms to data on screen, dashboard bytes, chart library bytes)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(selector)
    # The page marks the moment its first view, data included, replaced "Loading…".
    elapsed = page.evaluate("performance.getEntriesByName('wheeld:first-render')[0].startTime")
    page.wait_for_load_state("networkidle")
    sizes = page.evaluate(
        """() => performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))
             .filter(e => !e.name.includes('/api/')).map(e => [e.name, e.encodedBodySize])"""
    )
    context.close()
    vendor = sum(size for name, size in sizes if "/static/vendor/" in name)
    return elapsed, sum(size for _, size in sizes) - vendor, vendor


def main() -> dict:
    """Seed 100 wheels (2,100 trades, 100 open puts), time the overview and positions; print the table."""
    from playwright.sync_api import sync_playwright

    if chromium_path() is None:
        print(NO_CHROMIUM)
        return {}
    with tempfile.TemporaryDirectory(prefix="wheeld-bench-") as tmp:
        data = Path(tmp)
        info = asyncio.run(seed(data, wheels=100, settled_per_wheel=20))
        rows = []
        with wheeld_server(data) as base, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            for name, (hash_, selector) in PAGES.items():
                runs = [_render(browser, f"{base}/{hash_}", selector) for _ in range(ROUNDS)]
                times = sorted(r[0] for r in runs)
                rows.append(
                    {
                        "page": f"{name} ({info['wheels']} wheels, {info['trades']} trades)",
                        "median_ms": round(statistics.median(times)),
                        "worst_ms": round(times[-1]),
                        "page_kb": round(runs[-1][1] / 1000, 1),
                        "chart_library_kb": round(runs[-1][2] / 1000, 1),
                    }
                )
            browser.close()
    print_table(f"Dashboard first render with data ({ROUNDS} cold loads each, loopback)", rows)
    worst = max(r["worst_ms"] for r in rows)
    weight = max(r["page_kb"] for r in rows)
    print(
        f"\ntarget: first render < 1000 ms and page < 300 KB -> worst {worst} ms, {weight} KB: "
        f"{'MET' if worst < 1000 and weight < 300 else 'NOT MET'}"
    )
    dump_json("dashboard", rows)
    return {"rows": rows}


if __name__ == "__main__":
    main()
