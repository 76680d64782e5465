"""`wheel record|expire|assign|close|roll|history|export`: the options a wheel sells and how they end."""

from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path
from typing import Any

from wheeld.cli import render
from wheeld.cli.arguments import (
    SYMBOL_HELP,
    iso_date,
    money,
    number,
    opened_at,
    positive_int,
    price_per_share,
    symbol,
)
from wheeld.cli.backend import JSON
from wheeld.cli.commands import Subparsers, command
from wheeld.cli.context import Context

SHARES_PER_CONTRACT = 100
OUTCOMES = ("open", "expired", "assigned", "closed", "rolled")


def _settled_text(trade: JSON) -> str:
    verb = {"expired": "expired worthless", "assigned": "was assigned", "closed": "was bought back"}[trade["outcome"]]
    line = (
        f"{trade['symbol']} {render.option(trade)} {verb}: net premium {render.money(trade['net_premium'])}"
        f" ({trade['result']})"
    )
    if trade["realized_stock_pnl"]:
        line += f", realized stock P&L {render.money(trade['realized_stock_pnl'])}"
    lines = [f"{line}; wheel now {trade['wheel_state']}"]
    if trade.get("remainder"):
        rest = trade["remainder"]
        lines.append(f"{rest['contracts']} contract(s) stay open as trade {rest['id']}")
    return "\n".join([*lines, *render.warnings(trade["warnings"])])


def _fees(body: dict[str, Any], fees: Decimal | None, contracts: int | None = None) -> dict[str, Any]:
    if fees is not None:
        body["fees"] = number(fees)
    if contracts is not None:
        body["contracts"] = contracts
    return body


async def record(ctx: Context, args: argparse.Namespace) -> None:
    """wheel record SYMBOL put|call --strike --expiration --premium [--contracts]."""
    wheel = await ctx.wheel(args.symbol)
    body: dict[str, Any] = {
        "direction": args.direction,
        "strike": number(args.strike),
        "expiration_date": args.expiration,
        "contracts": args.contracts,
    }
    if args.premium is not None:
        body["premium_per_share"] = number(args.premium)
    else:
        body["total_premium"] = number(args.total_premium)
    if args.notes:
        body["notes"] = args.notes
    if args.opened_at:
        body["opened_at"] = args.opened_at
    trade = await ctx.backend.record_trade(wheel["id"], _fees(body, args.fees))

    def text() -> str:
        line = (
            f"Recorded {trade['symbol']} {render.option(trade)} for {render.money(trade['total_premium'])} premium"
            f" (trade {trade['id']}, collateral {render.money(trade['collateral'])}); wheel now {trade['wheel_state']}"
        )
        return "\n".join([line, *render.warnings(trade["warnings"])])

    ctx.emit(trade, text)


def in_the_money(trade: JSON, price: Decimal) -> bool:
    """True when `price` puts the short option in the money (put: below the strike, call: above it)."""
    strike = Decimal(str(trade["strike"]))
    return price < strike if trade["direction"] == "put" else price > strike


async def expire(ctx: Context, args: argparse.Namespace) -> None:
    """wheel expire SYMBOL --price X: the option reached expiration (assigned if the price puts it ITM)."""
    wheel, trade = await ctx.open_trade(args.symbol)
    outcome = "expired"
    if in_the_money(trade, args.price) and not args.worthless:
        # As the old CLI did, and as the OCC does: an option in the money at expiry is exercised.
        outcome = "assigned"
        ctx.notice(
            f"{wheel['symbol']} {render.option(trade)} is in the money at {render.money(args.price)}: recording it as"
            " ASSIGNED (add --worthless if it really expired unexercised)"
        )
    body = _fees({"outcome": outcome, "stock_price_at_expiry": number(args.price)}, args.fees, args.contracts)
    settled = await ctx.backend.settle_trade(trade["id"], body)
    ctx.emit(settled, lambda: _settled_text(settled))


async def assign(ctx: Context, args: argparse.Namespace) -> None:
    """wheel assign SYMBOL [--price X]: the option was exercised against you."""
    _, trade = await ctx.open_trade(args.symbol)
    body: dict[str, Any] = {"outcome": "assigned"}
    if args.price is not None:
        body["stock_price_at_expiry"] = number(args.price)
    settled = await ctx.backend.settle_trade(trade["id"], _fees(body, args.fees, args.contracts))
    ctx.emit(settled, lambda: _settled_text(settled))


def close_cost(price: Decimal, contracts: int) -> int | float:
    """The total debit of buying back: price per share × 100 × contracts."""
    return number(price * SHARES_PER_CONTRACT * contracts)


async def close(ctx: Context, args: argparse.Namespace) -> None:
    """wheel close SYMBOL --price X: bought back early at X per share."""
    _, trade = await ctx.open_trade(args.symbol)
    body = {"outcome": "closed", "close_cost": close_cost(args.price, args.contracts or trade["contracts"])}
    settled = await ctx.backend.settle_trade(trade["id"], _fees(body, args.fees, args.contracts))
    ctx.emit(settled, lambda: _settled_text(settled))


async def roll(ctx: Context, args: argparse.Namespace) -> None:
    """wheel roll SYMBOL --close-price X --strike --expiration --premium: buy back and sell the next one."""
    _, trade = await ctx.open_trade(args.symbol)
    new: dict[str, Any] = {
        "strike": number(args.strike),
        "expiration_date": args.expiration,
        "premium_per_share": number(args.premium),
    }
    if args.contracts is not None:
        new["contracts"] = args.contracts
    body = _fees({"close_cost": close_cost(args.close_price, trade["contracts"]), "new": new}, args.fees)
    rolled = await ctx.backend.roll_trade(trade["id"], body)

    def text() -> str:
        closed, opened = rolled["closed"], rolled["opened"]
        line = (
            f"Rolled {closed['symbol']} {render.option(closed)} (bought back for {render.money(closed['close_cost'])},"
            f" net {render.money(closed['net_premium'])}) to {render.option(opened)} for"
            f" {render.money(opened['total_premium'])} (trade {opened['id']}); wheel now {rolled['wheel_state']}"
        )
        return "\n".join([line, *render.warnings(rolled["warnings"])])

    ctx.emit(rolled, text)


def _history_table(trades: list[JSON]) -> str:
    if not trades:
        return "No trades."
    rows = [
        [
            t["id"],
            render.day(t["opened_at"]),
            t["symbol"],
            t["direction"],
            render.money(t["strike"]),
            t["expiration_date"],
            t["contracts"],
            render.money(t["total_premium"]),
            render.money(t["close_cost"]),
            render.money(t["fees"]),
            render.money(t["net_premium"]),
            t["outcome"],
            t["result"] or "",
        ]
        for t in trades
    ]
    headers = (
        "ID",
        "OPENED",
        "SYMBOL",
        "TYPE",
        "STRIKE",
        "EXPIRES",
        "QTY",
        "PREMIUM",
        "CLOSE",
        "FEES",
        "NET",
        "OUTCOME",
        "RESULT",
    )
    net = sum(Decimal(str(t["net_premium"])) for t in trades)
    wins = sum(t["result"] == "win" for t in trades)
    losses = sum(t["result"] == "loss" for t in trades)
    total = f"{len(trades)} trade(s), net premium {render.money(float(net))}, {wins} win(s), {losses} loss(es)"
    return render.table(headers, rows, right=(0, 4, 6, 7, 8, 9, 10)) + "\n" + total


def _history_query(args: argparse.Namespace) -> dict[str, Any]:
    query: dict[str, Any] = {"sort": "opened_at"}
    if getattr(args, "symbol", None):
        query["symbol"] = args.symbol
    if args.outcome:
        query["outcome"] = args.outcome
    if args.start:
        query["start"] = args.start
    if args.end:
        query["end"] = args.end
    return query


async def history(ctx: Context, args: argparse.Namespace) -> None:
    """wheel history [SYMBOL]: the trades, oldest first (archived wheels' too)."""
    query = {**(await ctx.scope(args.all)), **_history_query(args)}
    trades = await ctx.backend.list_trades(query)
    ctx.emit(trades, lambda: _history_table(trades))


async def export(ctx: Context, args: argparse.Namespace) -> None:
    """wheel export trades|performance: CSV, the same file the API's ?format=csv gives."""
    if args.what == "trades":
        text = await ctx.backend.trades_csv({**(await ctx.scope(args.all)), **_history_query(args)})
    else:
        query: dict[str, Any] = {"period": args.period} if args.period else {}
        query.update({k: getattr(args, k) for k in ("start", "end") if getattr(args, k)})
        if args.by == "symbols":
            query.update(await ctx.scope(args.all))
        text = await ctx.backend.performance_csv(args.by, query)
    if args.output is None:
        ctx.out.write(text)
        return
    args.output.write_text(text, encoding="utf-8")
    ctx.notice(f"wrote {max(text.count(chr(10)) - 1, 0)} row(s) to {args.output}")


def _settle_options(parser: argparse.ArgumentParser, *, partial: bool = True) -> None:
    parser.add_argument("symbol", type=symbol, metavar="SYMBOL", help=SYMBOL_HELP)
    parser.add_argument("--fees", type=money, metavar="X", help="fees of the settlement, in dollars")
    if partial:  # a roll replaces the whole option; its --contracts is the new option's
        parser.add_argument(
            "--contracts", type=positive_int, metavar="N", help="settle only N of the open contracts (default: all)"
        )


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add the trade commands."""
    p = command(
        sub, common, "record", "record a short option sold: a put from cash, a covered call from shares", record
    )
    p.add_argument("symbol", type=symbol, metavar="SYMBOL", help=SYMBOL_HELP)
    p.add_argument("direction", choices=("put", "call"), help="a cash-secured put or a covered call")
    p.add_argument("--strike", type=price_per_share, required=True, metavar="X")
    p.add_argument("--expiration", type=iso_date, required=True, metavar="YYYY-MM-DD")
    premium = p.add_mutually_exclusive_group(required=True)
    premium.add_argument("--premium", type=price_per_share, metavar="X", help="premium per share (× 100 × contracts)")
    premium.add_argument("--total-premium", type=money, metavar="X", help="the whole credit instead")
    p.add_argument("--contracts", type=positive_int, default=1, metavar="N", help="default 1")
    p.add_argument("--fees", type=money, metavar="X", help="commissions and fees, in dollars")
    p.add_argument("--notes", default="", help="free text")
    p.add_argument(
        "--opened-at",
        type=opened_at,
        metavar="WHEN",
        help="back-date it: YYYY-MM-DD (noon New York) or YYYY-MM-DDTHH:MM (New York time unless an offset is given)",
    )

    p = command(
        sub,
        common,
        "expire",
        "the open option reached expiration at stock price X",
        expire,
        "The open option reached expiration with the stock at X. Out of the money it expired worthless; in the money"
        " (a put above X, a call below X) it is recorded as ASSIGNED, as the old CLI did and as options in the money"
        " are exercised at expiry — with a notice; --worthless records it as expired anyway.",
    )
    _settle_options(p)
    p.add_argument("--price", type=price_per_share, required=True, metavar="X", help="stock price at expiration")
    p.add_argument("--worthless", action="store_true", help="expired unexercised even though in the money")

    p = command(sub, common, "assign", "the open option was assigned (exercised against you)", assign)
    _settle_options(p)
    p.add_argument("--price", type=price_per_share, metavar="X", help="stock price at assignment")

    p = command(
        sub,
        common,
        "close",
        "the open option was bought back at X per share",
        close,
        "The open option was bought back early. --price is per share, as in the old CLI: the close cost recorded is"
        " X × 100 × contracts.",
    )
    _settle_options(p)
    p.add_argument(
        "--price",
        type=price_per_share,
        required=True,
        metavar="X",
        help="buy-back price per share (total = X × 100 × contracts)",
    )

    p = command(
        sub,
        common,
        "roll",
        "buy back the open option and sell the next one, linked",
        roll,
        "Buy back the open option (--close-price per share: X × 100 × contracts) and sell the next one in the same"
        " direction, in one step.",
    )
    _settle_options(p, partial=False)
    p.add_argument("--close-price", type=price_per_share, required=True, metavar="X", help="buy-back price per share")
    p.add_argument("--strike", type=price_per_share, required=True, metavar="X", help="the new option's strike")
    p.add_argument("--expiration", type=iso_date, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--premium", type=price_per_share, required=True, metavar="X", help="the new premium per share")
    p.add_argument("--contracts", type=positive_int, metavar="N", help="default: as the option rolled")

    p = command(sub, common, "history", "the trades, oldest first", history)
    p.add_argument("symbol", type=symbol, nargs="?", metavar="SYMBOL", help=SYMBOL_HELP)
    _history_filters(p)

    p = command(sub, common, "export", "CSV of the trades or of performance", export)
    p.add_argument("what", choices=("trades", "performance"), help="which CSV")
    p.add_argument("--output", "-o", type=Path, metavar="FILE", help="write here instead of stdout")
    _history_filters(p)
    p.add_argument(
        "--by",
        choices=("portfolios", "symbols"),
        default="portfolios",
        help="performance: portfolios side by side (default) or symbols ranked",
    )
    p.add_argument("--period", choices=("30d", "90d", "365d", "all"), help="performance: the last N days")


def _history_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--all", action="store_true", help="every portfolio")
    parser.add_argument("--outcome", metavar="O[,O]", help=f"trades: only these outcomes ({', '.join(OUTCOMES)})")
    parser.add_argument("--start", type=iso_date, metavar="YYYY-MM-DD", help="opened or settled on or after")
    parser.add_argument("--end", type=iso_date, metavar="YYYY-MM-DD", help="opened or settled on or before")
