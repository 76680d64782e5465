"""`wheeld import-broker`: in-process, through a running daemon, and from Schwab's API (a local fake)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import pytest

from tests.imports.fake_schwab_trader import FakeSchwabTrader
from tests.marketdata.fake_schwab import LoopbackTransport, token_document
from wheeld import cli_daemon
from wheeld.app import Container, schwab_settings
from wheeld.cli_import import Refused, render_report, run_import
from wheeld.config import Config
from wheeld.domain.broker_plan import Shares
from wheeld.http.app import create_app
from wheeld.services.listing import Page

HISTORY = Path(__file__).parent / "fixtures" / "schwab_history.csv"


def _args(**given) -> argparse.Namespace:
    values = {"source": "schwab-csv", "file": HISTORY, "portfolio": "Income", "dry_run": False, "json": False}
    return argparse.Namespace(**{**values, **given})


async def _with_portfolio(config: Config) -> None:
    container = Container.build(config)
    await container.start()
    await container.portfolios.create("Income", default_capital_cents=5_000_000)
    await container.stop()


async def test_dry_run_then_import_then_nothing_new_in_process(config: Config) -> None:
    await _with_portfolio(config)
    preview = await run_import(_args(dry_run=True), config, {})
    assert (preview["id"], preview["totals"]["open"], preview["totals"]["roll"]) == (None, 5, 1)
    text = render_report(preview)
    assert "DRY RUN" in text and "  KO             656.70       656.70       1/1  ok" in text
    done = await run_import(_args(), config, {})
    assert done["id"] == 1 and done["reconciliation"] == preview["reconciliation"]
    again = await run_import(_args(), config, {})
    assert again["id"] is None and again["totals"]["already_imported"] == 15
    assert "nothing new to import" in render_report(again)


def test_the_command_line_prints_the_report_and_exits_0(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    asyncio.run(_with_portfolio(config))
    code = cli_daemon.main(
        ["import-broker", "schwab-csv", str(HISTORY), "--data-dir", str(config.data_dir), "--dry-run", "--json"]
    )
    out = capsys.readouterr().out
    assert code == 0 and '"dry_run": true' in out and '"open": 5' in out
    bad = cli_daemon.main(["import-broker", "schwab-csv", str(HISTORY), "--data-dir", str(config.data_dir),
                           "--shares", "KO=0@60"])  # fmt: skip
    assert bad == 2 and "SYMBOL=COUNT@COST" in capsys.readouterr().err


async def test_a_conflict_refuses_the_import_and_names_the_line(config: Config, tmp_path: Path) -> None:
    await _with_portfolio(config)
    csv = tmp_path / "calls.csv"
    csv.write_text(
        "Date,Action,Symbol,Description,Quantity,Price,Fees & Comm,Amount\n"
        "11/03/2026,Sell to Open,KO 12/18/2026 64.00 C,CALL,1,$0.90,$0.66,$89.34\n"
    )
    with pytest.raises(Refused, match=r"line 2: a short call on 100 KO shares"):
        await run_import(_args(file=csv), config, {})
    done = await run_import(_args(file=csv), config, {"KO": Shares(100, 5000)})
    assert done["totals"]["open"] == 1


async def test_through_the_running_daemon(make_config, aiohttp_server) -> None:
    config = make_config()
    container = Container.build(config)
    server = await aiohttp_server(create_app(container))
    await container.portfolios.create("Income", default_capital_cents=5_000_000)
    served = make_config(server__port=server.port)
    report = await run_import(_args(), served, {})
    # Written by the daemon itself: its own caches know.
    assert report["id"] == 1 and report["totals"]["settle"] == 5
    trades = await container.trades.list({}, Page(1, 50))
    assert trades.total == 7


async def test_from_schwabs_api_through_schwab_py(config: Config, make_config, aiohttp_server, clock) -> None:
    fake = FakeSchwabTrader(clock.today_ny())
    server = await aiohttp_server(fake.app())
    transport = LoopbackTransport(str(server.make_url("/")))
    keyed = make_config(external_apis__schwab__app_key="APP-KEY", external_apis__schwab__app_secret="APP-SECRET")
    await _with_portfolio(keyed)
    schwab_settings(keyed).token_store(keyed.data_dir).write(token_document(clock.now()))
    args = _args(source="schwab", since=date(2026, 10, 1), until=date(2026, 11, 23))
    report = await run_import(args, keyed, {}, transport)
    steps = {(r["line"], r["action"], r["step"], r["reason"]) for r in report["rows"]}
    # Ordered by trade date: 1 the sale (10/19), 2 the dividend (11/05), then 11/20's assignment, stock, expiry.
    assert steps == {
        (1, "Sell to Open", "open", ""),
        (2, "DIVIDEND_OR_INTEREST", "skip", "'DIVIDEND_OR_INTEREST' is not a wheel transaction"),
        (3, "Assigned", "settle", "1 of 3 contracts"),
        (4, "Buy", "settle", "part of transaction 9002"),
        (5, "Expired", "settle", ""),
    }
    # premium 448.02 + 1.98 = 450.00: the assigned third keeps 150.00 and 0.66, the expired two 300.00 and 1.32
    assert report["reconciliation"] == [
        {"symbol": "KO", "broker_net_premium": 448.02, "wheeld_net_premium": 448.02, "difference": 0.0,
         "broker_open_contracts": 0, "wheeld_open_contracts": 0, "ok": True},
    ]  # fmt: skip
    again = await run_import(args, keyed, {}, transport)
    assert again["id"] is None and again["totals"]["already_imported"] == 4
    assert fake.count("/trader/v1/accounts/accountNumbers") == 2
    assert set(transport.hosts_seen) == {"api.schwabapi.com"}
    await transport.aclose()


async def test_without_a_schwab_token_it_says_what_to_do(config: Config) -> None:
    await _with_portfolio(config)
    with pytest.raises(Refused, match="wheeld auth schwab"):
        await run_import(_args(source="schwab", since=date(2026, 10, 1), until=None), config, {})
