"""`wheel portfolio create|list|show|set-default|delete`."""

from __future__ import annotations

import argparse
import sys

from wheeld.cli import render
from wheeld.cli.arguments import money, number
from wheeld.cli.backend import JSON
from wheeld.cli.commands import Subparsers, command
from wheeld.cli.context import Context


def _portfolio_table(portfolios: list[JSON]) -> str:
    if not portfolios:
        return "No portfolios yet: create one with `wheel portfolio create NAME`."
    return render.table(
        ("ID", "NAME", "DEFAULT", "CAPITAL", "DESCRIPTION"),
        (
            (p["id"], p["name"], "*" if p["is_default"] else "", render.money(p["default_capital"]), p["description"])
            for p in portfolios
        ),
        right=(0, 3),
    )


async def create(ctx: Context, args: argparse.Namespace) -> None:
    """wheel portfolio create NAME."""
    body = {"name": args.name, "description": args.description}
    if args.capital is not None:
        body["default_capital"] = number(args.capital)
    created = await ctx.backend.create_portfolio(body)
    ctx.emit(
        created,
        f"Created portfolio {created['name']!r} (id {created['id']})"
        + (", the default" if created["is_default"] else ""),
    )


async def list_(ctx: Context, args: argparse.Namespace) -> None:
    """wheel portfolio list."""
    portfolios = await ctx.portfolios()
    ctx.emit(portfolios, lambda: _portfolio_table(portfolios))


async def _chosen(ctx: Context, ref: str | None) -> JSON:
    return await (ctx.find_portfolio(ref) if ref else ctx.portfolio())


async def show(ctx: Context, args: argparse.Namespace) -> None:
    """wheel portfolio show [NAME|ID]: the portfolio's summary."""
    portfolio = await _chosen(ctx, args.ref)
    summary = await ctx.backend.portfolio_summary(portfolio["id"])

    def text() -> str:
        s = summary
        head = f"{portfolio['name']} (id {portfolio['id']}{', default' if portfolio['is_default'] else ''})"
        body = render.pairs(
            [
                ("Wheels", f"{s['active_wheels']} active of {s['total_wheels']}"),
                ("Open positions", s["open_positions"]),
                ("Capital allocated", render.money(s["capital_allocated"])),
                ("Trades", s["total_trades"]),
                ("Premium collected", render.money(s["total_premium"])),
                ("Close costs", render.money(s["close_costs"])),
                ("Fees", render.money(s["fees"])),
                ("Premium net", render.money(s["premium_net"])),
                ("Realized stock P&L", render.money(s["realized_stock_pnl"])),
                ("Unrealized stock P&L", render.money(s["unrealized_stock_pnl"])),
                ("Net P&L", render.money(s["net_pnl"])),
                ("Wins / losses", f"{s['wins']} / {s['losses']} ({render.pct(s['win_rate'])})"),
            ]
        )
        return f"{head}\n{body}{render.price_note(s)}"

    ctx.emit(summary, text)


async def set_default(ctx: Context, args: argparse.Namespace) -> None:
    """wheel portfolio set-default NAME|ID."""
    portfolio = await ctx.find_portfolio(args.ref)
    updated = await ctx.backend.update_portfolio(portfolio["id"], {"is_default": True})
    ctx.emit(updated, f"{updated['name']!r} is now the default portfolio")


async def delete(ctx: Context, args: argparse.Namespace) -> int | None:
    """wheel portfolio delete NAME|ID: with every wheel, trade and snapshot in it."""
    portfolio = await ctx.find_portfolio(args.ref)
    if not args.yes:
        question = f"Delete portfolio {portfolio['name']!r} with all its wheels, trades and snapshots? Type its name: "
        if not sys.stdin.isatty():
            ctx.notice(f"not deleting {portfolio['name']!r}: add --yes to confirm (this cannot be undone)")
            return 1
        if input(question).strip() != portfolio["name"]:
            ctx.notice("not deleted")
            return 1
    await ctx.backend.delete_portfolio(portfolio["id"])
    ctx.emit(None, f"Deleted portfolio {portfolio['name']!r}")
    return None


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add `portfolio` and its subcommands."""
    group = sub.add_parser(
        "portfolio", parents=[common], help="manage portfolios", description="Create, list, show and delete portfolios."
    )
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = command(actions, common, "create", "create a portfolio (the first one becomes the default)", create)
    p.add_argument("name", metavar="NAME", help="a unique name")
    p.add_argument("--description", default="", help="free text")
    p.add_argument("--capital", type=money, metavar="N", help="default capital of a new wheel in it")
    command(actions, common, "list", "list portfolios", list_)
    p = command(actions, common, "show", "a portfolio's summary: wheels, premium, wins/losses, P&L parts", show)
    p.add_argument("ref", nargs="?", metavar="NAME|ID", help="default: the chosen portfolio")
    p = command(actions, common, "set-default", "make a portfolio the default", set_default)
    p.add_argument("ref", metavar="NAME|ID", help="the portfolio's name or id")
    p = command(actions, common, "delete", "delete a portfolio with its wheels, trades and snapshots", delete)
    p.add_argument("ref", metavar="NAME|ID", help="the portfolio's name or id")
    p.add_argument("--yes", action="store_true", help="do not ask (needed when not at a terminal)")
