"""Exact money: integer cents in storage and the domain, two-decimal numbers at the edge."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def to_cents(amount: Decimal | str | int | float) -> int:
    """Dollars (any numeric form) to integer cents, rounding half up at the cent."""
    try:
        value = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {amount!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {amount!r}")
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def cents_to_decimal(cents: int) -> Decimal:
    """Integer cents to an exact Decimal of dollars."""
    return (Decimal(cents) / 100).quantize(CENT)


def cents_to_float(cents: int | None) -> float | None:
    """Integer cents to a float with two decimals, for JSON serialization only."""
    if cents is None:
        return None
    return float(cents_to_decimal(cents))


def format_money(cents: int) -> str:
    """Cents as text with a sign, thousands separators and two decimals."""
    return f"{cents_to_decimal(cents):,.2f}"
