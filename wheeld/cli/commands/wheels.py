"""`wheel init|import|list|status|update|archive|trend`: wheels and their open positions."""

from __future__ import annotations

import argparse
from typing import Any

from wheeld.cli import render
from wheeld.cli.arguments import SYMBOL_HELP, money, number, positive_int, symbol
from wheeld.cli.backend import JSON
from wheeld.cli.commands import Subparsers, command
from wheeld.cli.context import Context, UsageError


def wheel_line(wheel: JSON) -> str:
    """One sentence on a wheel: state, capital, shares and basis."""
    parts = [f"{wheel['symbol']} in {wheel['portfolio_name']}: {wheel['state']}", f"profile {wheel['profile']}"]
    parts.append(f"capital {render.money(wheel['capital_allocated'])}")
    if wheel["shares"]:
        parts.append(
            f"{wheel['shares']} shares at {render.money(wheel['cost_basis'])}"
            f" (adjusted {render.money(wheel['adjusted_cost_basis'])})"
        )
    if wheel.get("open_trade"):
        parts.append(f"open {render.option(wheel['open_trade'])}")
    if not wheel["is_active"]:
        parts.append(f"archived {render.day(wheel['archived_at'])}")
    return ", ".join(parts) + f" (wheel {wheel['id']})"


async def init(ctx: Context, args: argparse.Namespace) -> None:
    """wheel init SYMBOL --capital N: start a wheel in cash (it sells puts first)."""
    portfolio = await ctx.portfolio(create=True)
    body: dict[str, Any] = {"symbol": args.symbol, "profile": args.profile}
    if args.capital is not None:
        body["capital_allocated"] = number(args.capital)
    if args.notes:
        body["notes"] = args.notes
    wheel = await ctx.backend.create_wheel(portfolio["id"], body)
    ctx.emit(wheel, lambda: "Started " + wheel_line(wheel))


async def import_(ctx: Context, args: argparse.Namespace) -> None:
    """wheel import SYMBOL --shares N --cost-basis X: start a wheel holding shares (it sells calls first)."""
    portfolio = await ctx.portfolio(create=True)
    body: dict[str, Any] = {
        "symbol": args.symbol,
        "profile": args.profile,
        "starting_direction": "call",
        "shares": args.shares,
        "cost_basis": number(args.cost_basis),
    }
    if args.capital is not None:
        body["capital_allocated"] = number(args.capital)
    wheel = await ctx.backend.create_wheel(portfolio["id"], body)
    ctx.emit(wheel, lambda: "Imported " + wheel_line(wheel))


def _wheel_table(wheels: list[JSON], with_portfolio: bool) -> str:
    if not wheels:
        return "No wheels: start one with `wheel init SYMBOL --capital N`."
    headers = ["SYMBOL", "STATE", "PROFILE", "CAPITAL", "SHARES", "COST BASIS", "ADJ. BASIS", "OPEN OPTION"]
    rows = [
        [
            w["symbol"] + ("" if w["is_active"] else " (archived)"),
            w["state"],
            w["profile"],
            render.money(w["capital_allocated"]),
            w["shares"],
            render.money(w["cost_basis"]),
            render.money(w["adjusted_cost_basis"]),
            render.option(w["open_trade"]),
        ]
        for w in wheels
    ]
    right = [3, 4, 5, 6]
    if with_portfolio:
        headers.insert(0, "PORTFOLIO")
        rows = [[w["portfolio_name"], *row] for w, row in zip(wheels, rows, strict=True)]
        right = [i + 1 for i in right]
    return render.table(headers, rows, right)


async def list_(ctx: Context, args: argparse.Namespace) -> None:
    """wheel list: the wheels of the portfolio (every portfolio with --all)."""
    query = {**(await ctx.scope(args.all)), "archived": "all" if args.archived else "false", "sort": "symbol"}
    wheels = await ctx.backend.list_wheels(query)
    ctx.emit(wheels, lambda: _wheel_table(wheels, with_portfolio=args.all))


def position_table(positions: list[JSON], names: dict[int, str] | None = None) -> str:
    """Open positions with their risk icon, DTE, price and cushion."""
    headers = ["", "SYMBOL", "OPTION", "STRIKE", "EXPIRES", "DTE", "PRICE", "CUSHION", "PREMIUM", "BREAKEVEN"]
    headers += ["CAPTURED", "ADVICE"]
    rows = [
        [
            render.risk(p["risk_level"]),
            p["symbol"],
            f"{p['direction']} x{p['contracts']}",
            render.money(p["strike"]),
            p["expiration_date"],
            f"{p['dte_calendar']}/{p['dte_trading']}",
            render.money(p["current_price"]) + ("*" if p.get("price_stale") else ""),
            render.pct(p["moneyness_pct"]),
            render.money(p["premium_collected"]),
            render.money(p["breakeven"]),
            render.pct(p.get("premium_captured_pct")),
            (p.get("advice") or {}).get("action", "-"),
        ]
        for p in positions
    ]
    right = [3, 5, 6, 7, 8, 9, 10]
    if names is not None:
        headers.insert(1, "PORTFOLIO")
        rows = [
            [row[0], names.get(p["portfolio_id"], str(p["portfolio_id"])), *row[1:]]
            for p, row in zip(positions, rows, strict=True)
        ]
        right = [i + 1 for i in right]
    lines = [render.table(headers, rows, right), "DTE: calendar/trading days. Cushion: % out of the money (< 0: ITM)."]
    sources = sorted({p["price_source"] for p in positions if p["price_source"]})
    if sources:
        stale = sorted(
            {f"{p['symbol']} {render.age(p.get('price_age_seconds'))} old" for p in positions if p.get("price_stale")}
        )
        lines.append(f"Prices: {', '.join(sources)}" + (f" (* stale: {', '.join(stale)})" if stale else ""))
    lines.extend(advice_lines(positions))
    return "\n".join(lines)


def advice_lines(positions: list[JSON]) -> list[str]:
    """One line per position whose advice is to act: the action, the rule that fired, the roll's terms."""
    lines = []
    for p in positions:
        advice = p.get("advice") or {}
        if advice.get("action") in (None, "hold"):
            continue
        reasons = advice.get("reasons") or []
        line = f"{p['symbol']} {p['direction']}: {advice['action']}" + (f" ({reasons[-1]})" if reasons else "")
        roll = advice.get("roll_candidate")
        if roll and advice["action"] == "roll":
            line += (
                f"; roll to {render.money(roll['strike'])} {roll['expiration_date']}"
                f" at {roll['premium_per_share']:.2f} ({render.money(roll['premium'])})"
            )
        lines.append(line)
    return lines


async def status(ctx: Context, args: argparse.Namespace) -> None:
    """wheel status [SYMBOL|--all]: open positions priced now."""
    if args.symbol and args.all:
        raise UsageError("give SYMBOL or --all, not both")
    query = {**(await ctx.scope(args.all))}
    if args.symbol:
        query["symbol"] = args.symbol
    positions = await ctx.backend.list_positions(query)

    async def text() -> str:
        if positions:
            return position_table(positions, await ctx.portfolio_names() if args.all else None)
        if args.symbol:
            return wheel_line(await ctx.wheel(args.symbol)) + "; no open option."
        return "No open positions."

    ctx.emit(positions, await text() if not ctx.as_json else None)


async def update(ctx: Context, args: argparse.Namespace) -> None:
    """wheel update SYMBOL [--profile P] [--capital N] [--notes T]."""
    body: dict[str, Any] = {}
    if args.profile is not None:
        body["profile"] = args.profile
    if args.capital is not None:
        body["capital_allocated"] = number(args.capital)
    if args.notes is not None:
        body["notes"] = args.notes
    if not body:
        raise UsageError("update needs --profile, --capital or --notes")
    wheel = await ctx.wheel(args.symbol)
    updated = await ctx.backend.update_wheel(wheel["id"], body)
    ctx.emit(updated, lambda: "Updated " + wheel_line(updated))


async def archive(ctx: Context, args: argparse.Namespace) -> None:
    """wheel archive SYMBOL: hide a wheel from active lists (its trades stay in every total)."""
    wheel = await ctx.wheel(args.symbol, archived="true" if args.restore else "false")
    updated = await ctx.backend.update_wheel(wheel["id"], {"archived": not args.restore})
    verb = "Restored" if args.restore else "Archived"
    ctx.emit(updated, lambda: f"{verb} " + wheel_line(updated))


def _trend_text(trend: JSON) -> str:
    head = (
        f"{trend['symbol']} {trend['direction']} {render.money(trend['strike'])} exp {trend['expiration_date']}"
        f" ({trend['outcome']}, trade {trend['trade_id']}): {trend['points']} snapshot(s)"
    )
    if not trend["points"]:
        return head + "; take one with `wheel snapshot take` (the daemon takes one each trading day)."
    by_date: dict[str, dict[str, Any]] = {}
    for point in trend["price"]:
        by_date.setdefault(point["date"], {})["price"] = point["value"]
    for point in trend["moneyness"]:
        by_date.setdefault(point["date"], {})["cushion"] = point["value"]
    for point in trend["time_decay"]:
        by_date.setdefault(point["date"], {}).update(point)
    rows = [
        [
            when,
            render.money(v.get("price")),
            render.pct(v.get("cushion")),
            f"{v.get('dte_calendar', '-')}/{v.get('dte_trading', '-')}",
            render.money(v.get("option_mark")),
            render.pct(v.get("premium_captured_pct")),
        ]
        for when, v in sorted(by_date.items())
    ]
    table = render.table(("DATE", "PRICE", "CUSHION", "DTE", "MARK", "CAPTURED"), rows, right=(1, 2, 3, 4, 5))
    changes = [
        f"{c['date']}: risk {render.risk(c['from'])} {c['from']} → {render.risk(c['to'])} {c['to']}"
        for c in trend["risk_changes"]
    ]
    return "\n".join([head, table, *changes])


async def trend(ctx: Context, args: argparse.Namespace) -> None:
    """wheel trend SYMBOL: the open (or latest) option's snapshots over time."""
    wheel = await ctx.wheel(args.symbol, archived="all")
    data = await ctx.backend.wheel_trend(wheel["id"], args.trade)
    ctx.emit(data, lambda: _trend_text(data))


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add the wheel commands."""
    p = command(sub, common, "init", "start a wheel in cash: it sells cash-secured puts first", init)
    p.add_argument("symbol", type=symbol, metavar="SYMBOL", help=SYMBOL_HELP)
    p.add_argument("--capital", type=money, metavar="N", help="capital for it (default: the portfolio's default)")
    p.add_argument(
        "--profile",
        default="moderate",
        metavar="P",
        help="conservative, moderate (default), aggressive, defensive or one of yours",
    )
    p.add_argument("--notes", default="", help="free text")

    p = command(sub, common, "import", "start a wheel holding shares: it sells covered calls first", import_)
    p.add_argument("symbol", type=symbol, metavar="SYMBOL", help=SYMBOL_HELP)
    p.add_argument("--shares", type=positive_int, required=True, metavar="N")
    p.add_argument("--cost-basis", type=money, required=True, metavar="X", help="entry price per share")
    p.add_argument("--capital", type=money, metavar="N", help="capital for it (default: the portfolio's default)")
    p.add_argument("--profile", default="moderate", metavar="P")

    p = command(sub, common, "list", "list the wheels: state, capital, shares, cost basis, open option", list_)
    p.add_argument("--all", action="store_true", help="every portfolio")
    p.add_argument("--archived", action="store_true", help="include archived wheels")

    p = command(
        sub,
        common,
        "status",
        "open positions priced now: risk 🟢 🟡 🔴, DTE, cushion",
        status,
        "Open positions priced now, with their risk icon (🟢 LOW, 🟡 MEDIUM, 🔴 HIGH: in the money), calendar and"
        " trading days to expiration, and the cushion (% out of the money), the premium captured at the chain's mark"
        " and the advice (let_expire, take_profit, expect_assignment, roll, close, hold); a line under the table"
        " for each position to act on names the rule that decided it and the roll's terms. SYMBOL: that wheel;"
        " --all: every portfolio.",
    )
    p.add_argument("symbol", type=symbol, nargs="?", metavar="SYMBOL", help=SYMBOL_HELP)
    p.add_argument("--all", action="store_true", help="every portfolio")

    p = command(sub, common, "update", "change a wheel's profile, capital or notes", update)
    p.add_argument("symbol", type=symbol, metavar="SYMBOL", help=SYMBOL_HELP)
    p.add_argument("--profile", metavar="P", help="the strategy profile for its next trades")
    p.add_argument("--capital", type=money, metavar="N", help="capital allocated to it")
    p.add_argument("--notes", help="free text (replaces the notes)")

    p = command(sub, common, "archive", "archive a wheel: hidden from active lists, its trades kept in totals", archive)
    p.add_argument("symbol", type=symbol, metavar="SYMBOL", help=SYMBOL_HELP)
    p.add_argument("--restore", action="store_true", help="bring an archived wheel back")

    p = command(sub, common, "trend", "a position's snapshots over time: price, cushion, risk changes, decay", trend)
    p.add_argument("symbol", type=symbol, metavar="SYMBOL", help=SYMBOL_HELP)
    p.add_argument(
        "--trade", type=positive_int, metavar="ID", help="another trade of the wheel (default: the open or latest one)"
    )
