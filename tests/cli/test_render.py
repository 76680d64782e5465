"""The pure parts of the CLI: in the money or not, close cost, money and tables."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wheeld.cli import render
from wheeld.cli.commands.trades import close_cost, in_the_money


@pytest.mark.parametrize(
    ("direction", "strike", "price", "itm"),
    [
        ("put", 180.0, "175", True),  # the stock fell through the put's strike: assigned
        ("put", 180.0, "180", False),  # at the strike: not in the money
        ("put", 180.0, "180.01", False),
        ("call", 190.0, "190.01", True),  # above the call's strike: called away
        ("call", 190.0, "190", False),
        ("call", 190.0, "150", False),
    ],
)
def test_in_the_money(direction: str, strike: float, price: str, itm: bool) -> None:
    assert in_the_money({"direction": direction, "strike": strike}, Decimal(price)) is itm


@pytest.mark.parametrize(
    ("price", "contracts", "total"),
    [("0.45", 1, 45), ("0.45", 3, 135), ("1.2345", 2, 246.9), ("0.01", 1, 1), ("12", 10, 12000)],
)
def test_close_cost_is_price_per_share_times_100_times_contracts(price: str, contracts: int, total: float) -> None:
    assert close_cost(Decimal(price), contracts) == total


@pytest.mark.parametrize(
    ("value", "text"), [(1234.5, "1,234.50"), (0.0, "0.00"), (-85.0, "-85.00"), (None, "-"), (20000, "20,000.00")]
)
def test_money_has_two_decimals(value: float | None, text: str) -> None:
    assert render.money(value) == text


@pytest.mark.parametrize(
    ("stamp", "day"),
    [("2026-11-25T03:30:00Z", "2026-11-24"), ("2026-11-25T15:00:00Z", "2026-11-25"), ("2026-12-18", "2026-12-18")],
)
def test_dates_are_new_york_dates(stamp: str, day: str) -> None:
    assert render.day(stamp) == day


def test_tables_align_wide_icons() -> None:
    table = render.table(("", "SYMBOL", "PRICE"), [("🟢", "AAPL", "9.00"), ("🔴", "KO", "1,234.00")], right=(2,))
    assert table.splitlines() == [
        "    SYMBOL     PRICE",
        "🟢  AAPL        9.00",
        "🔴  KO      1,234.00",
    ]


@pytest.mark.parametrize(
    ("seconds", "text"), [(None, "-"), (41.0, "41 s"), (720.0, "12 min"), (50_400.0, "14.0 h"), (216_000.0, "2.5 d")]
)
def test_quote_ages_read_as_words(seconds: float | None, text: str) -> None:
    assert render.age(seconds) == text


def test_price_note_names_unpriced_and_stale_symbols() -> None:
    figures = {
        "unpriced_symbols": ["KO"],
        "stale_symbols": ["T"],
        "price_age_seconds": 50_400.0,
        "price_as_of": "2026-11-24T01:00:00Z",
    }
    assert render.price_note(figures) == (
        "\nNo price for KO: its unrealized P&L is left out."
        "\nStale price for T (oldest 14.0 h, as of 2026-11-23 20:00): its unrealized P&L may be off."
    )
    assert render.price_note({"unpriced_symbols": [], "stale_symbols": []}) == ""
