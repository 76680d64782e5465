"""Moneyness and risk at and around the thresholds, in numbers a trader can check by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wheeld.domain.risk import RiskLevel, breakeven_cents, is_approaching_expiration, moneyness, risk_level
from wheeld.domain.vocabulary import Direction

P, C = Direction.PUT, Direction.CALL


@pytest.mark.parametrize(
    ("direction", "strike", "price", "pct", "itm", "level"),
    [
        (P, 10000, 11000, 10.0, False, RiskLevel.LOW),  # put 100, price 110: 10 % cushion
        (P, 10000, 10500, 5.0, False, RiskLevel.LOW),  # exactly at the 5 % threshold: not below it
        (P, 10000, 10499, 4.99, False, RiskLevel.MEDIUM),  # just under
        (P, 10000, 10000, 0.0, False, RiskLevel.MEDIUM),  # at the money: not ITM, no cushion
        (P, 10000, 9999, -0.01, True, RiskLevel.HIGH),  # a cent ITM
        (C, 10000, 9000, 10.0, False, RiskLevel.LOW),  # call 100, price 90
        (C, 10000, 9600, 4.0, False, RiskLevel.MEDIUM),
        (C, 10000, 10100, -1.0, True, RiskLevel.HIGH),
        (C, 17750, 18300, -3.1, True, RiskLevel.HIGH),  # (177.50 − 183) / 177.50 = −3.0986 %
        # Decided on the exact cushion, not the one rounded for display:
        (C, 25000, 23751, 5.0, False, RiskLevel.MEDIUM),  # (250 − 237.51) / 250 = 4.996 %: shows 5.00, MEDIUM
        (C, 25000, 23750, 5.0, False, RiskLevel.LOW),  # (250 − 237.50) / 250 = 5.000 % exactly: LOW
        (P, 20000, 20999, 5.0, False, RiskLevel.MEDIUM),  # (209.99 − 200) / 200 = 4.995 %: shows 5.00, MEDIUM
    ],
)
def test_moneyness_and_risk(direction, strike, price, pct, itm, level) -> None:
    money = moneyness(direction, strike, price)
    assert (money.pct, money.is_itm) == (pct, itm)
    assert risk_level(money) is level


def test_threshold_is_configurable() -> None:
    money = moneyness(P, 10000, 10600)
    assert risk_level(money, 5.0) is RiskLevel.LOW
    assert risk_level(money, 7.5) is RiskLevel.MEDIUM


@pytest.mark.parametrize(("dte", "approaching"), [(0, True), (2, True), (3, False), (10, False)])
def test_approaching_expiration(dte: int, approaching: bool) -> None:
    assert is_approaching_expiration(dte) is approaching


def test_breakeven() -> None:
    assert breakeven_cents(P, 17500, Decimal(300)) == Decimal(17200)
    assert breakeven_cents(C, 18000, Decimal(120)) == Decimal(18120)
