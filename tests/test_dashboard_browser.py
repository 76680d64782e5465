"""The dashboard in a real browser (Debian's Chromium through Playwright) against the real app.

One browser for the module; each test gets its own server and database (cheap: one SQLite file),
so no test leans on another's data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.dashboard_server import NO_CHROMIUM, DashboardServer, chromium_path, launch_chromium, seed_book
from wheeld.clock import FrozenClock
from wheeld.market_calendar import TradingCalendar

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (a dev dependency) is not installed")
if chromium_path() is None:
    pytest.skip(NO_CHROMIUM, allow_module_level=True)

# Generous waits: the suite shares two cores with everything else; a real failure still fails.
sync_api.expect.set_options(timeout=15_000)
START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # a Tuesday, 10:00 in New York
PAGES = (
    "",
    "positions",
    "wheels",
    "trades",
    "recommendations",
    "opportunities",
    "performance",
    "alerts",
    "jobs",
    "settings",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module."""
    with sync_api.sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


def _serve(tmp_path: Path, xnys: TradingCalendar, **flags: Any) -> Iterator[DashboardServer]:
    server = DashboardServer(tmp_path / "data", FrozenClock(START), xnys, **flags).start()
    yield server
    server.stop()


@pytest.fixture
def server(tmp_path: Path, xnys: TradingCalendar) -> Iterator[DashboardServer]:
    """The real app on a fresh database, no token."""
    yield from _serve(tmp_path, xnys)


class Watched:
    """A page and everything it asked for or complained about."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.requests: list[str] = []
        self.problems: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    """A fresh context and page (its own sessionStorage), desktop width."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield Watched(context.new_page())
    context.close()


def field(page: Any, form_id: str, name: str) -> Any:
    """The input of field `name` in form `form_id`."""
    return page.locator(f'#{form_id} [data-field="{name}"]').locator("input, select, textarea")


def field_error(page: Any, form_id: str, name: str) -> Any:
    """The error line under field `name`."""
    return page.locator(f'#{form_id} [data-field="{name}"] .field-error')


def test_journey_portfolio_wheel_put_positions_expire_performance(server: DashboardServer, watched: Watched) -> None:
    page = watched.page
    expect = sync_api.expect
    page.goto(server.url + "/")
    expect(page.locator("main")).to_contain_text("No portfolio yet")

    page.get_by_text("New portfolio").click()
    field(page, "portfolio-create", "name").fill("Income")
    field(page, "portfolio-create", "default_capital").fill("20000")
    page.get_by_role("button", name="Create portfolio").click()
    card = page.locator("article.card", has_text="Income")
    expect(card).to_contain_text("Capital allocated")

    page.get_by_role("link", name="Wheels", exact=True).click()
    field(page, "wheel-create", "symbol").fill("aapl")
    field(page, "wheel-create", "capital_allocated").fill("20000")
    page.get_by_role("button", name="Create wheel").click()
    expect(page.locator("main h1")).to_contain_text("AAPL")

    # A put: 2.50 a share × 100 × 1 contract = 250.00 of premium, 0.65 of fees.
    field(page, "record-form", "strike").fill("150")
    field(page, "record-form", "expiration_date").fill("2026-12-18")
    field(page, "record-form", "premium_per_share").fill("2.50")
    field(page, "record-form", "fees").fill("0.65")
    page.get_by_role("button", name="Record trade").click()
    expect(page.locator("main")).to_contain_text("AAPL put 150.00 2026-12-18")

    page.get_by_role("link", name="Positions", exact=True).click()
    row = page.locator("tbody tr", has_text="AAPL")
    expect(row).to_have_count(1)
    # The simulated AAPL trades far above 150, so the cushion is over 5 %: LOW, drawn green.
    expect(row).to_have_class("risk-LOW")
    expect(row.locator(".risk")).to_have_text("● LOW")
    assert row.locator(".risk .icon").evaluate("e => getComputedStyle(e).color") == "rgb(31, 157, 85)"

    row.get_by_role("link", name="AAPL").click()
    page.get_by_text("Expire worthless").click()
    form_id = page.locator("form[id^=expired-form]").get_attribute("id")
    field(page, form_id, "stock_price_at_expiry").fill("175")
    page.get_by_role("button", name="Expire").click()
    expect(page.locator("main h1")).to_contain_text("Cash")

    page.get_by_role("link", name="Performance", exact=True).click()
    totals = page.locator("#performance-totals")
    # premium net = 250.00 − 0.65 fees = 249.35; one settled trade, a win: 1 / 1 = 100.0 %.
    expect(totals.locator(".stat", has_text="Premium net")).to_contain_text("249.35")
    expect(totals.locator(".stat", has_text="Win rate")).to_contain_text("100.0 %")
    expect(totals.locator(".stat", has_text="Wins / losses")).to_contain_text("1 / 0")

    page.get_by_role("link", name="Trades", exact=True).click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    csv = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert download.value.suggested_filename == "trades.csv"
    assert "AAPL" in csv and "expired" in csv and len(csv.strip().splitlines()) == 2
    assert watched.problems == []


def test_form_errors_are_shown_at_the_field_and_keep_what_was_typed(server: DashboardServer, watched: Watched) -> None:
    page = watched.page
    expect = sync_api.expect
    portfolio = server.api("POST", "/portfolios", {"name": "Income"})
    wheel = server.api("POST", f"/portfolios/{portfolio['id']}/wheels", {"symbol": "KO", "capital_allocated": 8000})
    page.goto(server.url + "/#/trades")
    field(page, "record-form", "wheel").select_option(str(wheel["id"]))
    field(page, "record-form", "strike").fill("abc")
    field(page, "record-form", "expiration_date").fill("2026-12-18")
    field(page, "record-form", "premium_per_share").fill("0.64")
    page.get_by_role("button", name="Record trade").click()
    expect(field_error(page, "record-form", "strike")).to_have_text("must be a number, not a string")
    expect(field(page, "record-form", "strike")).to_have_attribute("aria-invalid", "true")
    expect(field(page, "record-form", "strike")).to_have_value("abc")
    expect(field(page, "record-form", "premium_per_share")).to_have_value("0.64")
    expect(field_error(page, "record-form", "premium_per_share")).to_have_text("")

    # Both premiums: the API's own rule, at the total's field; the fixed strike's error is gone.
    field(page, "record-form", "strike").fill("58")
    field(page, "record-form", "total_premium").fill("64")
    page.get_by_role("button", name="Record trade").click()
    expect(field_error(page, "record-form", "total_premium")).to_contain_text("exactly one")
    expect(field_error(page, "record-form", "strike")).to_have_text("")

    page.goto(server.url + "/#/wheels")
    page.get_by_text("Create a wheel").click()
    field(page, "wheel-create", "symbol").fill("NOT A SYMBOL")
    page.get_by_role("button", name="Create wheel").click()
    expect(field_error(page, "wheel-create", "symbol")).not_to_have_text("")
    expect(field(page, "wheel-create", "symbol")).to_have_value("NOT A SYMBOL")
    assert server.api("GET", f"/portfolios/{portfolio['id']}/summary")["total_trades"] == 0

    # A nested body (a job's trigger): the error lands at trigger.seconds; a good value reschedules.
    page.goto(server.url + "/#/jobs")
    job = page.locator('article[data-job="price_refresh"]')
    job.get_by_text("Change schedule").click()
    field(page, "schedule-price_refresh", "trigger.seconds").fill("soon")
    job.get_by_role("button", name="Save schedule").click()
    expect(field_error(page, "schedule-price_refresh", "trigger.seconds")).not_to_have_text("")
    field(page, "schedule-price_refresh", "trigger.seconds").fill("600")
    job.get_by_role("button", name="Save schedule").click()
    expect(page.locator('article[data-job="price_refresh"]')).to_contain_text("every 10 minutes")
    assert server.api("GET", "/jobs/price_refresh")["trigger"] == {"type": "interval", "seconds": 600}


def test_the_token_is_asked_once_and_kept_for_the_tab(tmp_path: Path, xnys: TradingCalendar, watched: Watched) -> None:
    expect = sync_api.expect
    page = watched.page
    for server in _serve(tmp_path, xnys, **{"server.api_token": "s3cret-token"}):
        server.api("POST", "/portfolios", {"name": "Locked"})
        page.goto(server.url + "/")
        dialog = page.locator("#token-dialog")
        expect(dialog).to_be_visible()
        page.locator("#token-input").fill("wrong")
        page.get_by_role("button", name="Unlock").click()
        expect(page.locator("#token-error")).to_contain_text("not accepted")
        page.locator("#token-input").fill("s3cret-token")
        page.get_by_role("button", name="Unlock").click()
        expect(page.locator("article.card", has_text="Locked")).to_be_visible()
        assert page.evaluate("sessionStorage.getItem('wheeld.token')") == "s3cret-token"
        assert page.evaluate("localStorage.getItem('wheeld.token')") is None
        page.reload()
        expect(page.locator("article.card", has_text="Locked")).to_be_visible()
        expect(dialog).to_be_hidden()
    # The 401s the prompt answered are expected console noise; nothing else may complain.
    assert [p for p in watched.problems if "401" not in p] == []


def test_every_page_renders_and_requests_nothing_off_its_own_origin(server: DashboardServer, watched: Watched) -> None:
    expect = sync_api.expect
    page = watched.page
    ids = seed_book(server, days=5)
    server.api("POST", "/watchlist", {"symbol": "JNJ"})  # the scan's candidate (every wheel has an option open)
    for name in (*PAGES, f"wheels/{ids['AAPL']}"):
        page.goto(f"{server.url}/#/{name}")
        expect(page.locator("main h1")).to_be_visible()
        page.wait_for_load_state("networkidle")
        expect(page.locator("main .form-error[role=alert]", has_text="Could not load")).to_have_count(0)
    expect(page.locator("#wheel-chart canvas")).to_have_count(1)
    page.goto(f"{server.url}/#/opportunities")
    page.get_by_role("button", name="Run scan").click()
    expect(page.locator("#scan-form .form-ok")).to_have_text("Scan done.")
    expect(page.locator("#opportunity-chart canvas")).to_have_count(1)
    page.goto(f"{server.url}/#/performance")
    expect(page.locator("#cumulative-chart canvas")).to_have_count(1)

    # Alerts: the seeded ITM put raised one; acknowledging it takes it off the list and the badge.
    open_alerts = server.api("GET", "/alerts?acknowledged=false")
    assert open_alerts, "the seeded book raises an ITM alert"
    page.goto(f"{server.url}/#/alerts")
    expect(page.locator("#alert-badge")).to_have_text(str(len(open_alerts)))
    page.get_by_role("button", name=f"Acknowledge alert {open_alerts[0]['id']}").click()
    expect(page.get_by_role("button", name=f"Acknowledge alert {open_alerts[0]['id']}")).to_have_count(0)
    assert server.api("GET", f"/alerts/{open_alerts[0]['id']}")["acknowledged"] is True

    # Settings: a bad value is reported by key and nothing is saved; a good one is saved.
    page.goto(f"{server.url}/#/settings")
    editor = field(page, "config-form", "config")
    config = json.loads(editor.input_value())
    config["risk"]["medium_threshold_pct"] = "lots"
    editor.fill(json.dumps(config))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("main ul.form-error")).to_contain_text("risk.medium_threshold_pct")
    assert server.api("GET", "/config")["risk"]["medium_threshold_pct"] == 5.0
    config["risk"]["medium_threshold_pct"] = 7.5
    editor.fill(json.dumps(config))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("main p.form-ok", has_text="Saved.")).to_be_visible()
    assert server.api("GET", "/config")["risk"]["medium_threshold_pct"] == 7.5
    page.wait_for_load_state("networkidle")
    foreign = [url for url in watched.requests if not url.startswith(server.url + "/")]
    assert foreign == [], foreign
    assert any("/static/vendor/uplot/uPlot.esm.js" in url for url in watched.requests)
    assert watched.problems == []


def test_phone_width_dark_theme_and_keyboard(server: DashboardServer, browser: Any) -> None:
    expect = sync_api.expect
    seed_book(server, days=2)
    context = browser.new_context(viewport={"width": 375, "height": 812}, color_scheme="dark")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        for name in ("", "positions", "trades"):
            page.goto(f"{server.url}/#/{name}")
            expect(page.locator("main h1")).to_be_visible()
            page.wait_for_load_state("networkidle")
            # Wide tables scroll inside their own box; the page itself never scrolls sideways.
            assert page.evaluate("document.documentElement.scrollWidth") <= 375, name
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(18, 21, 28)"

        page.goto(f"{server.url}/#/positions")
        expect(page.locator("tbody tr")).to_have_count(4)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        assert page.evaluate("location.hash") == "#/positions"
        strike = page.get_by_role("button", name="Strike")
        strike.focus()
        page.keyboard.press("Enter")
        expect(page.locator("th", has=strike)).to_have_attribute("aria-sort", "ascending")
        strikes = page.locator("tbody tr td:nth-child(4)").all_text_contents()
        assert strikes == sorted(strikes, key=lambda s: float(s.replace(",", "")))
    finally:
        context.close()


def test_record_this_trade_opens_the_form_filled_in(server: DashboardServer, watched: Watched) -> None:
    expect = sync_api.expect
    page = watched.page
    portfolio = server.api("POST", "/portfolios", {"name": "Income"})
    wheel = server.api("POST", f"/portfolios/{portfolio['id']}/wheels", {"symbol": "AAPL", "capital_allocated": 25000})
    pick = server.api("GET", f"/wheels/{wheel['id']}/recommendation")["pick"]
    assert pick is not None
    page.goto(server.url + "/#/recommendations")
    card = page.locator(f'article.card[data-wheel="{wheel["id"]}"]')
    expect(card).to_contain_text("Pick")
    expect(card).to_contain_text("σ distance")
    card.get_by_role("link", name="Record this trade").first.click()
    expect(field(page, "record-form", "wheel")).to_have_value(str(wheel["id"]))
    expect(field(page, "record-form", "direction")).to_have_value("put")
    expect(field(page, "record-form", "strike")).to_have_value(str(pick["strike"]))
    expect(field(page, "record-form", "expiration_date")).to_have_value(pick["expiration_date"])
    expect(field(page, "record-form", "premium_per_share")).to_have_value(str(pick["mid"]))
    page.get_by_role("button", name="Record trade").click()
    expect(page.locator(".actions h3", has_text="AAPL put")).to_be_visible()  # the page re-renders with it open
    trade = server.api("GET", f"/wheels/{wheel['id']}")["open_trade"]
    assert (trade["strike"], trade["expiration_date"]) == (pick["strike"], pick["expiration_date"])

    # Roll it from the wheel's page: the new trade hangs under the old one as a chain.
    page.goto(f"{server.url}/#/wheels/{wheel['id']}")
    roll = f"roll-form-{trade['id']}"
    # The roll form's own <summary> (an advice of "roll" on the page is a <summary> reading "Roll" too).
    page.locator(f"details:has(#{roll}) > summary").click()
    field(page, roll, "close_cost").fill("40")
    field(page, roll, "new.expiration_date").fill("2027-01-15")
    field(page, roll, "new.premium_per_share").fill("1.10")
    page.get_by_role("button", name="Roll", exact=True).click()
    expect(page.locator("td.chain")).to_have_text(re.compile(r"↳ \d+"))
    rows = page.locator("section.panel", has_text="Trades").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("rolled")
    expect(rows.nth(1)).to_contain_text("2027-01-15")
    assert watched.problems == []


# How the page writes figures (format.js), worked by hand: separators, two decimals, a real minus
# sign for negatives, and a dash, never 0, where the API says null (an undefined ratio).
FIGURES = [
    ("money", 1234.56, "1,234.56"),
    ("money", 1234.5, "1,234.50"),
    ("money", -85, "−85.00"),
    ("money", -0.004, "0.00"),  # rounds to zero: no "−0.00"
    ("money", 1234567.891, "1,234,567.89"),
    ("money", 0, "0.00"),
    ("money", None, "—"),
    ("pct", 80, "80.00 %"),
    ("pct", -8.284, "−8.28 %"),
    ("pct", None, "—"),
    ("age", 42, "42 s"),
    ("age", 300, "5 min"),
    ("age", None, "—"),
]


def test_figures_read_as_a_trader_writes_them(server: DashboardServer, watched: Watched) -> None:
    page = watched.page
    page.goto(server.url + "/")
    got = page.evaluate(
        """async (rows) => {
             const f = await import("/static/dashboard/format.js");
             return rows.map(([fn, value]) => f[fn](value));
           }""",
        [[fn, value] for fn, value, _ in FIGURES],
    )
    assert got == [expected for _, _, expected in FIGURES]


def test_capital_available_leaves_out_put_collateral_and_held_shares(server: DashboardServer, watched: Watched) -> None:
    page = watched.page
    page.goto(server.url + "/")
    positions = [
        {"direction": "put", "strike": 150, "contracts": 2},  # 150 × 100 × 2 = 30,000.00 of collateral
        {"direction": "call", "strike": 400, "contracts": 1},  # covered by its shares: no collateral
    ]
    wheels = [{"shares": 100, "cost_basis": 390.25}, {"shares": 0, "cost_basis": None}]  # 100 × 390.25 = 39,025.00
    cents = page.evaluate(
        """async ([positions, wheels]) =>
             (await import("/static/dashboard/overview.js")).capitalInUseCents(positions, wheels)""",
        [positions, wheels],
    )
    assert cents == 3_000_000 + 3_902_500  # 69,025.00 in use


def test_positions_refresh_every_minute_and_pause_while_the_tab_is_hidden(
    server: DashboardServer, watched: Watched
) -> None:
    expect = sync_api.expect
    page = watched.page
    seed_book(server, days=1)
    page.clock.install()  # the page's timers run on a clock the test moves: no sleeping
    page.goto(f"{server.url}/#/positions")
    expect(page.locator("tbody tr")).to_have_count(4)

    def loads() -> int:
        return sum("/api/v1/positions?" in url for url in watched.requests)

    def positions_request(request: Any) -> bool:
        return "/api/v1/positions?" in request.url

    first = loads()
    with page.expect_request(positions_request):
        page.clock.run_for(61_000)  # the default interval is 60 s
    page.wait_for_load_state("networkidle")
    assert loads() == first + 1
    page.evaluate(
        """() => { Object.defineProperty(document, "hidden", { value: true, configurable: true });
                   document.dispatchEvent(new Event("visibilitychange")); }"""
    )
    page.clock.run_for(300_000)  # five hidden minutes: nothing fetched
    page.wait_for_load_state("networkidle")
    assert loads() == first + 1
    with page.expect_request(positions_request):
        page.evaluate(
            """() => { Object.defineProperty(document, "hidden", { value: false, configurable: true });
                       document.dispatchEvent(new Event("visibilitychange")); }"""
        )
    page.wait_for_load_state("networkidle")
    expect(page.locator(".as-of")).to_contain_text("refreshes every 60 s")
    assert loads() == first + 2  # back in view: refreshed at once


# The advice columns of one seeded put, worked by hand (the simulated market is deterministic):
# AAPL put, 2.50 a share × 100 × 1 = 250.00 of premium; the chain's mid 2.21 → cost to close 221.00;
# captured = (2.50 − 2.21) / 2.50 × 100 = 11.6 %; 17 calendar days ≤ roll_dte 21 → roll, to the pick at
# the first expiration in the window: 2.95 × 100 = 295.00, net credit 295.00 − 221.00 = 74.00.
ROLL_FIGURES = {
    "option_mark": 2.21,
    "cost_to_close": 221.0,
    "premium_captured_pct": 11.6,
    "captured_text": "11.6 %",
    "candidate": {"expiration_date": "2026-12-18", "premium_per_share": 2.95, "premium": 295.0, "net_credit": 74.0},
}


def test_positions_show_captured_and_advice_and_roll_opens_the_roll_form_filled_in(
    server: DashboardServer, watched: Watched
) -> None:
    expect = sync_api.expect
    page = watched.page
    portfolio = server.api("POST", "/portfolios", {"name": "Income"})
    wheel = server.api("POST", f"/portfolios/{portfolio['id']}/wheels", {"symbol": "AAPL", "capital_allocated": 25000})
    pick = server.api("GET", f"/wheels/{wheel['id']}/recommendation")["pick"]
    # 2026-11-24 → 2026-12-11: 17 calendar days, inside roll_dte 21.
    body = {
        "direction": "put",
        "strike": pick["strike"],
        "expiration_date": "2026-12-11",
        "premium_per_share": 2.50,
        "contracts": 1,
    }
    trade = server.api("POST", f"/wheels/{wheel['id']}/trades", body)
    (position,) = server.api("GET", "/positions")
    assert position["advice"]["action"] == "roll"
    candidate = position["advice"]["roll_candidate"]
    assert position["option_mark"] == ROLL_FIGURES["option_mark"]
    assert position["cost_to_close"] == ROLL_FIGURES["cost_to_close"]
    assert position["premium_captured_pct"] == ROLL_FIGURES["premium_captured_pct"]
    assert {k: candidate[k] for k in ROLL_FIGURES["candidate"]} == ROLL_FIGURES["candidate"]

    page.goto(f"{server.url}/#/positions")
    row = page.locator("tbody tr", has_text="AAPL")
    expect(row).to_have_count(1)
    headers = page.locator("thead th").all_text_contents()
    captured = row.locator("td").nth(headers.index("Captured"))
    expect(captured).to_have_text(ROLL_FIGURES["captured_text"])
    advice = row.locator("td").nth(headers.index("Advice"))
    expect(advice.locator("summary")).to_have_text("Roll")
    expect(advice.locator(".candidate")).to_contain_text("2026-12-18 · 295.00 · net 74.00")
    expect(advice.locator(".reasons")).to_be_hidden()
    advice.locator("summary").click()
    expect(advice.locator(".reasons li")).to_have_count(len(position["advice"]["reasons"]))
    expect(advice.locator(".reasons")).to_contain_text("roll: DTE 17 ≤ 21")

    advice.get_by_role("link", name="Roll AAPL").click()
    roll = f"roll-form-{trade['id']}"
    expect(page.locator(f"#{roll}")).to_be_visible()  # its <details> is open
    expect(field(page, roll, "close_cost")).to_have_value("221")
    expect(field(page, roll, "new.strike")).to_have_value(str(candidate["strike"]))
    expect(field(page, roll, "new.expiration_date")).to_have_value("2026-12-18")
    expect(field(page, roll, "new.premium_per_share")).to_have_value("2.95")
    page.get_by_role("button", name="Roll", exact=True).click()
    rows = page.locator("section.panel", has_text="Trades").locator("tbody tr")
    expect(rows).to_have_count(2)
    assert server.api("GET", f"/trades/{trade['id']}")["outcome"] == "rolled"
    opened = server.api("GET", f"/wheels/{wheel['id']}")["open_trade"]
    assert (opened["strike"], opened["expiration_date"], opened["premium_per_share"]) == (
        candidate["strike"],
        "2026-12-18",
        2.95,
    )
    assert opened["rolled_from_id"] == trade["id"]
    assert watched.problems == []


def test_captured_without_a_mark_is_a_dash_with_the_reason(server: DashboardServer, watched: Watched) -> None:
    page = watched.page
    page.goto(server.url + "/")
    got = page.evaluate(
        """async () => {
             const { positionColumns } = await import("/static/dashboard/positions.js");
             const col = positionColumns().find((c) => c.label === "Captured");
             const cell = col.value({ premium_captured_pct: null, mark_unavailable_reason: "chain_pending" });
             return [cell.textContent, cell.title, col.value({ premium_captured_pct: 11.6 }).textContent];
           }"""
    )
    assert got == ["—", "No mark: chain not fetched yet", "11.6 %"]
