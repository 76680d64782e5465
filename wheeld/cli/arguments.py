"""Value types of the `wheel` command line: amounts, dates, symbols, and their JSON form for the API."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

SYMBOL_HELP = "the wheel's ticker in the chosen portfolio, e.g. AAPL"


def amount(places: int = 2, positive: bool = False) -> Callable[[str], Decimal]:
    """An argparse type: a non-negative (or positive) decimal with at most `places` decimals."""

    def parse(text: str) -> Decimal:
        try:
            value = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not value.is_finite() or value < 0 or (positive and value == 0):
            raise argparse.ArgumentTypeError(f"must be {'positive' if positive else '>= 0'}: {text!r}")
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            raise argparse.ArgumentTypeError(f"at most {places} decimal places: {text!r}")
        return value

    return parse


def price_per_share(text: str) -> Decimal:
    """A price per share (up to four decimals, so × 100 stays within cents)."""
    return amount(4, positive=True)(text)


def money(text: str) -> Decimal:
    """Dollars with at most two decimals."""
    return amount(2)(text)


def iso_date(text: str) -> str:
    """A calendar date YYYY-MM-DD."""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def opened_at(text: str) -> str:
    """When a trade was opened: YYYY-MM-DD (noon in New York that day) or an ISO date and time (New York
    time unless it names its offset), as the UTC timestamp the API takes."""
    from wheeld.cli.render import NEW_YORK

    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time(12), NEW_YORK)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            moment = moment if moment.tzinfo else moment.replace(tzinfo=NEW_YORK)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD or a time YYYY-MM-DDTHH:MM: {text!r}") from None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def symbol(text: str) -> str:
    """A ticker, upper-cased (the API checks the characters)."""
    return text.strip().upper()


def positive_int(text: str) -> int:
    """A whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1: {text!r}")
    return value


def number(value: Decimal) -> int | float:
    """An exact decimal from the command line as a JSON number (the API reads its shortest form back)."""
    return int(value) if value == value.to_integral_value() else float(value)
