"""What every `wheel` command works with: the backend, the output streams, and how names find things.

A command addresses a wheel by its symbol in the chosen portfolio (the old CLI had one wheel per
symbol); the portfolio is `--portfolio NAME|ID`, else `default_portfolio` from the CLI
configuration, else the daemon's default portfolio.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from wheeld.cli.backend import JSON, Backend
from wheeld.errors import InvalidState, NotFound

FIRST_PORTFOLIO = "Default"


class UsageError(Exception):
    """The command line is incomplete or contradictory in a way argparse cannot see (exit 2)."""


@dataclass
class Context:
    """The backend, the output streams and the choices that hold for one command."""

    backend: Backend
    out: TextIO
    err: TextIO
    as_json: bool = False
    verbose: bool = False
    portfolio_ref: str | None = None
    _portfolios: list[JSON] | None = field(default=None, repr=False)

    def emit(self, data: Any, text: str | Callable[[], str] | None) -> None:
        """Print the API's `data` as JSON (--json), else the human text."""
        if self.as_json:
            print(json.dumps(data, indent=2, ensure_ascii=False), file=self.out)
        elif text is not None:
            rendered = text() if callable(text) else text
            if rendered:
                print(rendered, file=self.out)

    def notice(self, message: str) -> None:
        """A line for the person on stderr (never part of --json output)."""
        print(f"wheel: {message}", file=self.err)

    async def portfolios(self, refresh: bool = False) -> list[JSON]:
        """Every portfolio (read once per command)."""
        if self._portfolios is None or refresh:
            self._portfolios = await self.backend.list_portfolios()
        return self._portfolios

    async def find_portfolio(self, ref: str) -> JSON:
        """A portfolio by id or by name (any case)."""
        listed = await self.portfolios()
        if ref.isdigit():
            for portfolio in listed:
                if portfolio["id"] == int(ref):
                    return portfolio
        for portfolio in listed:
            if portfolio["name"].casefold() == ref.casefold():
                return portfolio
        known = ", ".join(p["name"] for p in listed) or "none yet"
        raise NotFound(f"portfolio {ref!r} not found (portfolios: {known})", {"portfolio": ref})

    async def portfolio(self, create: bool = False) -> JSON:
        """The chosen portfolio; with `create`, the first one is made when none exists yet."""
        listed = await self.portfolios()
        if not listed and create:
            name = self.portfolio_ref if self.portfolio_ref and not self.portfolio_ref.isdigit() else FIRST_PORTFOLIO
            created = await self.backend.create_portfolio({"name": name})
            self.notice(f"created portfolio {name!r} (the first one, so the default)")
            self._portfolios = [created]
            return created
        if self.portfolio_ref:
            return await self.find_portfolio(self.portfolio_ref)
        for portfolio in listed:
            if portfolio["is_default"]:
                return portfolio
        raise NotFound("no portfolio exists yet: create one with `wheel portfolio create NAME`", {})

    async def wheel(self, symbol: str, archived: str = "false") -> JSON:
        """The wheel of `symbol` in the chosen portfolio (active ones unless `archived` says otherwise)."""
        portfolio = await self.portfolio()
        found = await self.backend.list_wheels(
            {"portfolio_id": portfolio["id"], "symbol": symbol, "archived": archived}
        )
        if not found:
            kind = "archived " if archived == "true" else ""
            raise NotFound(
                f"no {kind}{symbol.upper()} wheel in portfolio {portfolio['name']!r}"
                + ("" if kind else f" (start one with `wheel init {symbol.upper()} --capital N`)"),
                {"symbol": symbol.upper(), "portfolio_id": portfolio["id"]},
            )
        return found[-1]

    async def open_trade(self, symbol: str) -> tuple[JSON, JSON]:
        """The wheel of `symbol` and its open option (INVALID_STATE when it has none)."""
        wheel = await self.wheel(symbol)
        trade = wheel.get("open_trade")
        if not trade:
            raise InvalidState(
                f"{wheel['symbol']} has no open option (state: {wheel['state']})",
                {"wheel_id": wheel["id"], "state": wheel["state"]},
            )
        return wheel, trade

    async def scope(self, all_portfolios: bool) -> dict[str, Any]:
        """The `portfolio_id` filter of a list: the chosen portfolio, or none with --all."""
        return {} if all_portfolios else {"portfolio_id": (await self.portfolio())["id"]}

    async def portfolio_names(self) -> dict[int, str]:
        """Portfolio names by id, for tables that span portfolios."""
        return {p["id"]: p["name"] for p in await self.portfolios()}
