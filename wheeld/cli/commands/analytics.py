"""`wheel performance|recommend|refresh|snapshot|scan|watchlist`: figures, next trades and opportunities."""

from __future__ import annotations

import argparse
from typing import Any

from wheeld.cli import render
from wheeld.cli.arguments import SYMBOL_HELP, iso_date, positive_int, symbol
from wheeld.cli.backend import JSON
from wheeld.cli.commands import Subparsers, command
from wheeld.cli.commands.wheels import position_table
from wheeld.cli.context import Context, UsageError

PERIODS = ("30d", "90d", "365d", "all")


def _period(args: argparse.Namespace) -> dict[str, Any]:
    query: dict[str, Any] = {"period": args.period} if args.period else {}
    query.update({k: getattr(args, k) for k in ("start", "end") if getattr(args, k)})
    return query


def _metrics_text(m: JSON, title: str) -> str:
    body = render.pairs(
        [
            ("Period", f"{m['period_start']} to {m['period_end']} ({m['days']} days)"),
            ("Trades", f"{m['total_trades']} ({m['open_trades']} open, {m['settled_trades']} settled)"),
            ("Wins / losses", f"{m['winning_trades']} / {m['losing_trades']} (win rate {render.pct(m['win_rate'])})"),
            (
                "Cycles won / closed",
                f"{m.get('cycles_won', 0)} / {m.get('cycles_closed', 0)}"
                f" (cycle win rate {render.pct(m.get('cycle_win_rate'))})",
            ),
            ("Premium collected", render.money(m["total_premium"])),
            ("Average premium", render.money(m["average_premium"])),
            ("Close costs", render.money(m["close_costs"])),
            ("Fees", render.money(m["fees"])),
            ("Premium net", render.money(m["premium_net"])),
            ("Realized stock P&L", render.money(m["realized_stock_pnl"])),
            ("Unrealized stock P&L", render.money(m["unrealized_stock_pnl"])),
            ("Total P&L", render.money(m["total_pnl"])),
            ("Capital allocated", render.money(m["capital_allocated"])),
            ("Annualized return", render.pct(m["annualized_return"])),
            ("Return on capital", render.pct(m["return_on_capital"])),
        ]
    )
    return f"{title}\n{body}{render.price_note(m)}"


def _ranking_text(rows: list[JSON], key: str) -> str:
    if not rows:
        return "Nothing to compare yet."
    return render.table(
        (key.upper(), "TRADES", "PREMIUM", "NET PREMIUM", "TOTAL P&L", "WIN RATE", "ANN. RETURN"),
        (
            (
                r.get("portfolio_name") or r.get("symbol"),
                r["total_trades"],
                render.money(r["total_premium"]),
                render.money(r["premium_net"]),
                render.money(r["total_pnl"]),
                render.pct(r["win_rate"]),
                render.pct(r["annualized_return"]),
            )
            for r in rows
        ),
        right=(1, 2, 3, 4, 5, 6),
    )


async def performance(ctx: Context, args: argparse.Namespace) -> None:
    """wheel performance [SYMBOL|--all]: premium, win rate, P&L parts and returns."""
    if args.symbol and args.all:
        raise UsageError("give SYMBOL or --all, not both")
    query = _period(args)
    if args.by == "portfolios":
        rows = await ctx.backend.performance_portfolios(query)
        ctx.emit(rows, lambda: _ranking_text(rows, "portfolio"))
        return
    query.update(await ctx.scope(args.all))
    if args.by == "symbols":
        rows = await ctx.backend.performance_symbols(query)
        ctx.emit(rows, lambda: _ranking_text(rows, "symbol"))
        return
    if args.symbol:
        query["symbol"] = args.symbol
    metrics = await ctx.backend.performance(query)
    title = "All portfolios" if args.all else (await ctx.portfolio())["name"]
    ctx.emit(metrics, lambda: _metrics_text(metrics, f"{title}{' ' + args.symbol if args.symbol else ''}"))


def _contract_line(c: JSON) -> str:
    return (
        f"{c['direction']} {render.money(c['strike'])} exp {c['expiration_date']} ({c['dte']} DTE) x{c['contracts']}:"
        f" premium {render.money(c['premium'])}, delta {c['delta']}, σ {c['sigma_distance']},"
        f" P(ITM) {render.pct(None if c['p_itm'] is None else c['p_itm'] * 100)},"
        f" yield {render.pct(c['premium_yield_pct'])} ({render.pct(c['annualized_yield_pct'])}/yr),"
        f" break-even {render.money(c['break_even'])}"
    )


def _recommendation_text(r: JSON) -> str:
    lines = [f"{r['symbol']} ({r['profile']}, {r['direction']}):"]
    if r["pick"] is None:
        lines.append("  no contract qualifies")
    else:
        lines.append(f"  sell {r['pick']['symbol']}: {_contract_line(r['pick'])}")
    lines += [f"  or {a['label']}: {_contract_line(a)}" for a in r["alternatives"]]
    lines += ["  " + w for w in render.warnings(r["warnings"])]
    basis = r.get("basis") or {}
    if basis.get("simulated"):
        lines.append("  (simulated market data)")
    return "\n".join(lines)


def _batch_text(entries: list[JSON]) -> str:
    if not entries:
        return "No wheel in cash or shares to recommend for."
    parts = []
    for entry in entries:
        if entry["error"]:
            parts.append(
                f"{entry['symbol'] or entry['wheel_id']}: {entry['error']['code']}: {entry['error']['message']}"
            )
        else:
            parts.append(_recommendation_text(entry["recommendation"]))
    return "\n".join(parts)


async def recommend(ctx: Context, args: argparse.Namespace) -> None:
    """wheel recommend [SYMBOL|--all]: the next put or covered call to sell."""
    if args.symbol and args.all:
        raise UsageError("give SYMBOL or --all, not both")
    if args.symbol:
        wheel = await ctx.wheel(args.symbol)
        one = await ctx.backend.recommendation(wheel["id"])
        ctx.emit(one, lambda: _recommendation_text(one))
        return
    targets = await ctx.portfolios() if args.all else [await ctx.portfolio()]
    entries: list[JSON] = []
    for portfolio in targets:
        entries += await ctx.backend.recommendations({"portfolio_id": portfolio["id"]})
    ctx.emit(entries, lambda: _batch_text(entries))


def _snapshot_run_text(run: JSON) -> str:
    line = f"Snapshots for {run['snapshot_date']}: {run['taken']} taken, {run['open_positions']} open position(s)"
    if run["unpriced_symbols"]:
        line += f"; no price for {', '.join(run['unpriced_symbols'])}"
    return line


async def refresh(ctx: Context, args: argparse.Namespace) -> None:
    """wheel refresh: price every open position now and record today's snapshots, then show them."""
    scope = await ctx.scope(args.all)
    run = await ctx.backend.take_snapshots(scope)
    if ctx.as_json:
        ctx.emit(run, None)
        return
    positions = await ctx.backend.list_positions(scope)
    names = await ctx.portfolio_names() if args.all else None
    ctx.emit(run, _snapshot_run_text(run) + ("\n" + position_table(positions, names) if positions else ""))


async def snapshot_take(ctx: Context, args: argparse.Namespace) -> None:
    """wheel snapshot take: record today's snapshots now (idempotent per trade and day)."""
    run = await ctx.backend.take_snapshots(await ctx.scope(args.all))
    ctx.emit(run, lambda: _snapshot_run_text(run))


async def snapshot_list(ctx: Context, args: argparse.Namespace) -> None:
    """wheel snapshot list [SYMBOL]: recorded snapshots, newest first."""
    query = {**(await ctx.scope(args.all))}
    query.update({k: getattr(args, k) for k in ("symbol", "start", "end") if getattr(args, k)})
    snaps = await ctx.backend.list_snapshots(query)

    def text() -> str:
        if not snaps:
            return "No snapshots."
        return render.table(
            ("", "DATE", "SYMBOL", "OPTION", "STRIKE", "EXPIRES", "PRICE", "DTE", "CUSHION", "CAPTURED"),
            (
                (
                    render.risk(s["risk_level"]),
                    s["snapshot_date"],
                    s["symbol"],
                    s["direction"],
                    render.money(s["strike"]),
                    s["expiration_date"],
                    render.money(s["current_price"]),
                    f"{s['dte_calendar']}/{s['dte_trading']}",
                    render.pct(s["moneyness_pct"]),
                    render.pct(s["premium_captured_pct"]),
                )
                for s in snaps
            ),
            right=(4, 6, 7, 8, 9),
        )

    ctx.emit(snaps, text)


def _opportunity_table(items: list[JSON]) -> str:
    return render.table(
        ("RANK", "SYMBOL", "SCORE", "STRIKE", "EXPIRES", "DTE", "PREMIUM", "DELTA", "P(ITM)", "ANN. YIELD", "IV RANK"),
        (
            (
                o["rank"],
                o["symbol"],
                f"{o['score']:.2f}",
                render.money(o["strike"]),
                o["expiration_date"],
                o["dte"],
                render.money(o["premium"]),
                o["delta"],
                render.pct(None if o["p_itm"] is None else o["p_itm"] * 100),
                render.pct(o["annualized_yield_pct"]),
                render.pct(o["iv_rank"]),
            )
            for o in items
        ),
        right=(0, 2, 3, 5, 6, 7, 8, 9, 10),
    )


def _scan_text(result: JSON) -> str:
    scan, found = result["scan"], result["opportunities"]
    lines = [f"Scan {scan['id']}: {scan['count']} opportunit(ies) from {scan['candidates']} candidate(s)"]
    if found:
        lines.append(_opportunity_table(found))
    lines += [f"left out {e['symbol']}: {e['reason']}" for e in scan["excluded"]]
    return "\n".join(lines)


async def scan(ctx: Context, args: argparse.Namespace) -> None:
    """wheel scan: score the watchlist and the wheels in cash now (or show the latest scan)."""
    if args.latest:
        latest = await ctx.backend.list_opportunities()
        ctx.emit(latest, lambda: _opportunity_table(latest) if latest else "No scan results yet: run `wheel scan`.")
        return
    body: dict[str, Any] = {
        "min_iv_rank": args.min_iv_rank,
        "min_annualized_yield_pct": args.min_yield,
        "earnings": args.earnings,
        "profile": args.profile,
        "top_n": args.top,
    }
    body = {k: v for k, v in body.items() if v is not None}
    body.update(await ctx.scope(args.all))
    result = await ctx.backend.scan(body)
    ctx.emit(result, lambda: _scan_text(result))


async def watchlist_list(ctx: Context, args: argparse.Namespace) -> None:
    """wheel watchlist [list]: every watched symbol, global and per portfolio."""
    entries = await ctx.backend.list_watchlist({})

    def text() -> str:
        if not entries:
            return "The watchlist is empty: add a symbol with `wheel watchlist add SYMBOL`."
        return render.table(
            ("SYMBOL", "LIST", "PROFILE", "ADDED", "NOTES"),
            (
                (e["symbol"], e["portfolio_name"] or "global", e["profile"], render.day(e["created_at"]), e["notes"])
                for e in entries
            ),
        )

    ctx.emit(entries, text)


async def _watch_scope(ctx: Context, args: argparse.Namespace) -> JSON | None:
    return None if args.glob else await ctx.portfolio()


async def watchlist_add(ctx: Context, args: argparse.Namespace) -> None:
    """wheel watchlist add SYMBOL: to the portfolio's list (or the global one)."""
    portfolio = await _watch_scope(ctx, args)
    body: dict[str, Any] = {"symbol": args.symbol, "notes": args.notes}
    if portfolio is not None:
        body["portfolio_id"] = portfolio["id"]
    if args.profile:
        body["profile"] = args.profile
    entry = await ctx.backend.add_to_watchlist(body)
    ctx.emit(entry, f"Watching {entry['symbol']} ({entry['portfolio_name'] or 'global'} list)")


async def watchlist_remove(ctx: Context, args: argparse.Namespace) -> None:
    """wheel watchlist remove SYMBOL."""
    portfolio = await _watch_scope(ctx, args)
    await ctx.backend.remove_from_watchlist(args.symbol, portfolio["id"] if portfolio else None)
    ctx.emit(None, f"No longer watching {args.symbol} ({portfolio['name'] if portfolio else 'global'} list)")


def _all_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--all", action="store_true", help="every portfolio")


def _period_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--period", choices=PERIODS, help="the last N days (default: all)")
    parser.add_argument("--start", type=iso_date, metavar="YYYY-MM-DD", help="from this New York date")
    parser.add_argument("--end", type=iso_date, metavar="YYYY-MM-DD", help="to this New York date (default today)")


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add the analytics commands."""
    p = command(sub, common, "performance", "premium, win rate, P&L parts and returns", performance)
    p.add_argument("symbol", type=symbol, nargs="?", metavar="SYMBOL", help=SYMBOL_HELP)
    _all_option(p)
    _period_options(p)
    p.add_argument("--by", choices=("portfolios", "symbols"), help="compare portfolios, or rank symbols")

    p = command(
        sub, common, "recommend", "the next put or covered call to sell, with alternatives and warnings", recommend
    )
    p.add_argument("symbol", type=symbol, nargs="?", metavar="SYMBOL", help="default: every wheel in cash or shares")
    _all_option(p)

    p = command(sub, common, "refresh", "price the open positions now, record today's snapshots, show them", refresh)
    _all_option(p)

    group = sub.add_parser(
        "snapshot",
        parents=[common],
        help="take or list daily position snapshots",
        description="Daily position snapshots (the daemon takes them after each session).",
    )
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = command(actions, common, "take", "record today's snapshots now (idempotent per trade and day)", snapshot_take)
    _all_option(p)
    p = command(actions, common, "list", "recorded snapshots, newest first", snapshot_list)
    p.add_argument("symbol", type=symbol, nargs="?", metavar="SYMBOL", help=SYMBOL_HELP)
    _all_option(p)
    p.add_argument("--start", type=iso_date, metavar="YYYY-MM-DD", help="snapshots on or after this date")
    p.add_argument("--end", type=iso_date, metavar="YYYY-MM-DD", help="snapshots on or before this date")

    p = command(sub, common, "scan", "scan the watchlist and the wheels in cash for put opportunities", scan)
    _all_option(p)
    p.add_argument("--latest", action="store_true", help="show the latest scan's results instead of scanning")
    p.add_argument("--min-iv-rank", type=float, metavar="X", help="minimum IV rank, 0-100")
    p.add_argument("--min-yield", type=float, metavar="PCT", help="minimum annualized yield, percent")
    p.add_argument("--earnings", choices=("penalize", "exclude"), help="earnings before expiration")
    p.add_argument("--profile", metavar="P", help="one profile for every candidate")
    p.add_argument("--top", type=positive_int, metavar="N", help="keep the best N")

    group = sub.add_parser(
        "watchlist",
        parents=[common],
        help="symbols the opportunity scan covers",
        description="Symbols the opportunity scan covers: global, or one portfolio's.",
    )
    group.set_defaults(handler=watchlist_list)
    actions = group.add_subparsers(dest="action", metavar="ACTION")
    command(actions, common, "list", "every watched symbol (the default)", watchlist_list)
    p = command(actions, common, "add", "watch a symbol (in the chosen portfolio's list, or --global)", watchlist_add)
    p.add_argument("symbol", type=symbol, metavar="SYMBOL", help=SYMBOL_HELP)
    p.add_argument("--global", dest="glob", action="store_true", help="the global list (every portfolio)")
    p.add_argument("--notes", default="", help="free text")
    p.add_argument("--profile", metavar="P", help="the profile to scan it with")
    p = command(actions, common, "remove", "stop watching a symbol", watchlist_remove)
    p.add_argument("symbol", type=symbol, metavar="SYMBOL", help=SYMBOL_HELP)
    p.add_argument("--global", dest="glob", action="store_true", help="from the global list")
