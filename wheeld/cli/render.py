"""Human output of the `wheel` CLI: aligned tables, money with two decimals, New York dates, risk icons."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

# wheeld.clock's zone, not imported from there: that module brings asyncio, which `wheel --help` can do without.
NEW_YORK = ZoneInfo("America/New_York")

RISK_ICONS = {"LOW": "🟢", "MEDIUM": "🟡", "HIGH": "🔴"}
DASH = "-"


def money(value: float | int | None) -> str:
    """Dollars with thousands separators and two decimals; '-' for none."""
    return DASH if value is None else f"{value:,.2f}"


def pct(value: float | int | None) -> str:
    """A percentage with two decimals; '-' for none."""
    return DASH if value is None else f"{value:.2f}%"


def day(value: str | None) -> str:
    """A date (YYYY-MM-DD) as it is, or a UTC timestamp as its New York date."""
    if not value:
        return DASH
    if len(value) == 10:
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(NEW_YORK).date().isoformat()


def moment(value: str | None) -> str:
    """A UTC timestamp as New York date and time to the minute."""
    if not value:
        return DASH
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M")


def risk(level: str | None) -> str:
    """The risk icon of a level (🟢 🟡 🔴), '-' when unknown."""
    return RISK_ICONS.get(level or "", DASH)


def option(trade: dict[str, Any] | None) -> str:
    """'put 180.00 2026-12-18 x1' for an option; '-' for none."""
    if not trade:
        return DASH
    return f"{trade['direction']} {money(trade['strike'])} {trade['expiration_date']} x{trade['contracts']}"


def width(text: str) -> int:
    """Columns a string takes in a terminal (emoji and wide characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, size: int, right: bool) -> str:
    gap = " " * (size - width(text))
    return gap + text if right else text + gap


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], right: Iterable[int] = ()) -> str:
    """An aligned text table; `right` lists the columns (numbers) aligned to the right."""
    body = [[DASH if cell is None else str(cell) for cell in row] for row in rows]
    sizes = [max(width(line[i]) for line in [list(headers), *body]) for i in range(len(headers))]
    aligned = set(right)

    def line(cells: Sequence[str]) -> str:
        return "  ".join(_pad(c, s, i in aligned) for i, (c, s) in enumerate(zip(cells, sizes, strict=True))).rstrip()

    return "\n".join([line(headers), *(line(row) for row in body)])


def pairs(items: Iterable[tuple[str, Any]]) -> str:
    """'label: value' lines with the values aligned."""
    listed = [(label, DASH if value is None else str(value)) for label, value in items]
    size = max((len(label) for label, _ in listed), default=0)
    return "\n".join(f"{label + ':':<{size + 1}} {value}" for label, value in listed)


def warnings(items: Iterable[dict[str, Any]]) -> list[str]:
    """One 'warning: CODE: message' line per warning."""
    return [f"warning: {w['code']}: {w['message']}" for w in items]


def age(seconds: float | None) -> str:
    """A quote's age in words: '45 s', '12 min', '14.0 h', '2.5 d'."""
    if seconds is None:
        return DASH
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86_400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} d"


def price_note(figures: dict[str, Any]) -> str:
    """The lines under a summary about its prices: symbols with none, symbols priced stale and how old."""
    lines = []
    unpriced = figures.get("unpriced_symbols") or []
    if unpriced:
        lines.append(f"No price for {', '.join(unpriced)}: its unrealized P&L is left out.")
    stale = figures.get("stale_symbols") or []
    if stale:
        lines.append(
            f"Stale price for {', '.join(stale)} (oldest {age(figures.get('price_age_seconds'))},"
            f" as of {moment(figures.get('price_as_of'))}): its unrealized P&L may be off."
        )
    return "".join(f"\n{line}" for line in lines)
