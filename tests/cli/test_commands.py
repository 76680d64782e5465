"""Every `wheel` command against a real daemon, in API mode and in direct mode (the shared protocol).

Prices come from the simulated provider (AAPL trades near 218 on the test date): a 150 put is far out
of the money, a 300 put deep in it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from wheeld.http.routes.trades import CSV_COLUMNS

pytestmark = pytest.mark.asyncio(loop_scope="module")
EXP = "2026-12-18"


async def test_portfolio_create_list_show_set_default_delete(cli: Cli) -> None:
    created = await cli.data("portfolio", "create", f"{cli.portfolio}-b", "--description", "second", "--capital", "7.5")
    assert (created["description"], created["default_capital"]) == ("second", 7.5)
    listed = await cli.ok("portfolio", "list")
    assert cli.portfolio in listed.out and f"{cli.portfolio}-b" in listed.out and "7.50" in listed.out
    summary = await cli.data("portfolio", "show")
    assert summary["total_wheels"] == 0
    shown = await cli.ok("portfolio", "show", str(created["id"]))
    assert shown.out.startswith(f"{cli.portfolio}-b (id {created['id']})") and "Premium collected:" in shown.out
    default = await cli.data("portfolio", "set-default", f"{cli.portfolio}-B")  # names match in any case
    assert default["is_default"] is True
    refused = await cli("portfolio", "delete", f"{cli.portfolio}-b")
    assert refused.code == 1 and "add --yes" in refused.err
    assert await cli.data("portfolio", "delete", f"{cli.portfolio}-b", "--yes") is None
    names = [p["name"] for p in await cli.data("portfolio", "list")]
    assert f"{cli.portfolio}-b" not in names and cli.portfolio in names


async def test_a_wheel_cycle_put_assigned_call_rolled_then_closed(cli: Cli) -> None:
    wheel = await cli.data("init", "aapl", "--capital", "20000")
    assert (wheel["symbol"], wheel["state"], wheel["capital_allocated"]) == ("AAPL", "cash", 20000.0)
    put = await cli.data("record", "AAPL", "put", "--strike", "150", "--expiration", EXP, "--premium", "2.35",
                         "--fees", "0.65")  # fmt: skip
    assert (put["total_premium"], put["fees"], put["wheel_state"]) == (235.0, 0.65, "short_put")
    status = await cli.ok("status")
    assert "🟢" in status.out and "AAPL" in status.out and "150.00" in status.out
    [position] = await cli.data("status", "AAPL")
    assert position["risk_level"] == "LOW" and position["dte_calendar"] == 24

    expired = await cli("--json", "expire", "AAPL", "--price", "140")
    assert expired.code == 0 and "recording it as ASSIGNED" in expired.err
    assert (expired.json["outcome"], expired.json["wheel_state"]) == ("assigned", "shares")
    [held] = await cli.data("list")
    assert (held["shares"], held["cost_basis"]) == (100, 150.0)

    await cli.ok("record", "AAPL", "call", "--strike", "160", "--expiration", EXP, "--premium", "1.20")
    rolled = await cli.data("roll", "AAPL", "--close-price", "0.9", "--strike", "165", "--expiration", "2027-01-15",
                            "--premium", "2.10")  # fmt: skip
    assert (rolled["closed"]["outcome"], rolled["closed"]["close_cost"]) == ("rolled", 90.0)
    assert (rolled["opened"]["strike"], rolled["opened"]["total_premium"]) == (165.0, 210.0)
    closed = await cli.ok("close", "AAPL", "--price", "0.40")
    assert "was bought back: net premium 170.00 (win); wheel now shares" in closed.out

    history = await cli.data("history", "AAPL")
    assert [(t["direction"], t["outcome"]) for t in history] == [
        ("put", "assigned"),
        ("call", "rolled"),
        ("call", "closed"),
    ]
    assert [t["close_cost"] for t in history] == [None, 90.0, 40.0]  # the old CLI's price x 100 x contracts
    table = await cli.ok("history")
    assert "3 trade(s), net premium 434.35, 2 win(s), 1 loss(es)" in table.out


async def test_expire_out_of_the_money_and_worthless_override(cli: Cli) -> None:
    await cli.ok("init", "AAPL", "--capital", "40000")
    await cli.ok("record", "AAPL", "put", "--strike", "150", "--expiration", EXP, "--premium", "1")
    otm = await cli("--json", "expire", "AAPL", "--price", "200")
    assert (otm.code, otm.err, otm.json["outcome"], otm.json["result"]) == (0, "", "expired", "win")
    await cli.ok("record", "AAPL", "put", "--strike", "300", "--expiration", EXP, "--premium", "1")
    forced = await cli.ok("expire", "AAPL", "--price", "250", "--worthless")
    assert "expired worthless" in forced.out and "warning: PRICE_SUGGESTS_ITM" in forced.out


async def test_import_assign_update_archive_restore(cli: Cli) -> None:
    wheel = await cli.data("import", "MSFT", "--shares", "100", "--cost-basis", "400", "--capital", "40000")
    assert (wheel["state"], wheel["starting_direction"], wheel["cost_basis"]) == ("shares", "call", 400.0)
    await cli.ok("record", "MSFT", "call", "--strike", "380", "--expiration", EXP, "--total-premium", "150")
    assigned = await cli.data("assign", "MSFT", "--price", "390")
    assert (assigned["wheel_state"], assigned["realized_stock_pnl"]) == ("cash", -2000.0)
    updated = await cli.data("update", "MSFT", "--profile", "conservative", "--capital", "30000", "--notes", "hm")
    assert (updated["profile"], updated["capital_allocated"], updated["notes"]) == ("conservative", 30000.0, "hm")
    archived = await cli.data("archive", "MSFT")
    assert archived["is_active"] is False
    assert await cli.data("list") == []
    assert "MSFT (archived)" in (await cli.ok("list", "--archived")).out
    restored = await cli.data("archive", "MSFT", "--restore")
    assert restored["is_active"] is True


async def test_performance_and_exports(cli: Cli, tmp_path: Path) -> None:
    await cli.ok("init", "KO", "--capital", "10000")
    await cli.ok("record", "KO", "put", "--strike", "50", "--expiration", EXP, "--premium", "0.80")
    await cli.ok("expire", "KO", "--price", "70")
    metrics = await cli.data("performance")
    assert (metrics["total_premium"], metrics["winning_trades"], metrics["win_rate"]) == (80.0, 1, 100.0)
    assert (await cli.data("performance", "KO", "--period", "30d"))["total_trades"] == 1
    assert "Win" in (await cli.ok("performance", "KO")).out
    [ranked] = await cli.data("performance", "--by", "symbols")
    assert (ranked["symbol"], ranked["rank"]) == ("KO", 1)
    sides = await cli.data("performance", "--by", "portfolios")
    assert cli.portfolio in [row["portfolio_name"] for row in sides]

    trades_csv = (await cli.ok("export", "trades")).out
    rows = list(csv.reader(io.StringIO(trades_csv)))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 2 and rows[1][3] == "KO"
    out = tmp_path / "perf.csv"
    written = await cli.ok("export", "performance", "--by", "symbols", "-o", str(out))
    assert "wrote 1 row(s)" in written.err and out.read_text().startswith("rank,")


async def test_recommend_scan_and_watchlist(cli: Cli) -> None:
    await cli.ok("init", "AAPL", "--capital", "30000")
    one = await cli.data("recommend", "AAPL")
    assert one["direction"] == "put" and one["pick"]["direction"] == "put"
    assert "sell AAPL" in (await cli.ok("recommend", "AAPL")).out
    [entry] = await cli.data("recommend")
    assert entry["symbol"] == "AAPL" and entry["error"] is None

    added = await cli.data("watchlist", "add", "pep", "--notes", "dividends")
    assert (added["symbol"], added["scope"], added["notes"]) == ("PEP", "portfolio", "dividends")
    assert cli.portfolio in (await cli.ok("watchlist")).out
    result = await cli.data("scan", "--top", "5")
    assert {o["symbol"] for o in result["opportunities"]} <= {"AAPL", "PEP"} and result["scan"]["count"] >= 1
    assert "RANK" in (await cli.ok("scan", "--latest")).out
    assert await cli.data("watchlist", "remove", "PEP") is None
    mine = [e["symbol"] for e in await cli.data("watchlist", "list") if e["portfolio_name"] == cli.portfolio]
    assert "PEP" not in mine


async def test_refresh_snapshots_and_trend(cli: Cli) -> None:
    await cli.ok("init", "AAPL", "--capital", "30000")
    await cli.ok("record", "AAPL", "put", "--strike", "200", "--expiration", EXP, "--premium", "2")
    refreshed = await cli.ok("refresh")
    assert refreshed.out.startswith("Snapshots for 2026-11-24: 1 taken, 1 open position(s)") and "AAPL" in refreshed.out
    taken = await cli.data("snapshot", "take")
    assert (taken["snapshot_date"], taken["taken"]) == ("2026-11-24", 1)
    [snap] = await cli.data("snapshot", "list", "AAPL")
    assert (snap["symbol"], snap["risk_level"]) == ("AAPL", "LOW")
    trend = await cli.data("trend", "AAPL")
    assert (trend["points"], trend["price"][0]["date"]) == (1, "2026-11-24")
    assert "2026-11-24" in (await cli.ok("trend", "AAPL")).out


async def test_jobs_and_alerts(cli: Cli) -> None:
    jobs = await cli.data("jobs", "list")
    assert {"price_refresh", "risk_monitor", "daily_snapshots", "opportunity_scan"} <= {j["id"] for j in jobs}
    assert (await cli.data("jobs", "disable", "opportunity_scan"))["enabled"] is False
    assert (await cli.data("jobs", "enable", "opportunity_scan"))["enabled"] is True

    await cli.ok("init", "AAPL", "--capital", "40000")
    await cli.ok("record", "AAPL", "put", "--strike", "300", "--expiration", EXP, "--premium", "5")
    started = await cli.data("jobs", "run", "price_refresh")
    assert (started["job_id"], started["status"]) == ("price_refresh", "running")
    run = await cli.data("jobs", "run", "risk_monitor", "--wait")
    assert run["status"] == "success"
    assert any(r["id"] == run["id"] for r in await cli.data("jobs", "history", "risk_monitor"))

    alerts = await cli.data("alerts")
    itm = next(a for a in alerts if a["kind"] == "itm")
    assert itm["severity"] == "HIGH" and "🔴" in (await cli.ok("alerts")).out
    acked = await cli.data("alerts", "ack", str(itm["id"]))
    assert acked["acknowledged"] is True
    assert itm["id"] not in [a["id"] for a in await cli.data("alerts", "list")]
    assert itm["id"] in [a["id"] for a in await cli.data("alerts", "list", "--all")]


async def test_health_and_plugins(cli: Cli) -> None:
    health = await cli.data("health")
    assert health["status"] in ("ok", "degraded") and "database" in health["components"]
    text = await cli.ok("health")
    assert f"({cli.mode} mode," in text.out and "COMPONENT" in text.out
    plugins = await cli("--json", "plugins")
    if plugins.code == 0:
        assert isinstance(plugins.json, list)
    else:  # a wheeld without the plugins API yet
        assert plugins.code == 1 and "no plugins API yet" in plugins.err
