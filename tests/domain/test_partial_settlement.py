"""Splitting a trade when only part of it is settled: premium and fees divided to the cent, by hand."""

from __future__ import annotations

import pytest

from wheeld.domain.vocabulary import Direction, Outcome, WheelState
from wheeld.domain.wheel_state import OpenTerms, WheelPosition, settle, share_of, split_terms
from wheeld.errors import ValidationError


@pytest.mark.parametrize(
    ("total", "part", "whole", "share", "rest"),
    [
        (10000, 1, 3, 3333, 6667),  # $100.00 × 1/3 = $33.333… → $33.33 settled, $66.67 open
        (195, 1, 3, 65, 130),  # $1.95 × 1/3 = $0.65 exactly, $1.30 open
        (10000, 2, 3, 6667, 3333),  # $100.00 × 2/3 = $66.666… → $66.67, $33.33 open
        (1, 1, 2, 1, 0),  # half a cent rounds up: $0.01 settled, $0.00 open
        (5, 1, 2, 3, 2),  # 2.5 cents → 3 cents settled, 2 open
        (0, 1, 5, 0, 0),  # no fees: nothing to divide
        (23500, 2, 5, 9400, 14100),  # $235.00 × 2/5 = $94.00 exactly
    ],
)
def test_share_is_rounded_half_up_and_the_parts_add_up(total: int, part: int, whole: int, share: int, rest: int):
    assert share_of(total, part, whole) == share
    assert total - share == rest


def test_split_three_contracts_settle_one():
    # The lead's example: 3 contracts, premium $100.00, fees $1.95, settle 1.
    settled, open_part = split_terms(OpenTerms(Direction.PUT, 6000, 3, 10000, 195), 1)
    assert (settled.contracts, settled.total_premium_cents, settled.fees_cents) == (1, 3333, 65)
    assert open_part is not None
    assert (open_part.contracts, open_part.total_premium_cents, open_part.fees_cents) == (2, 6667, 130)


def test_settling_every_contract_does_not_split():
    terms = OpenTerms(Direction.PUT, 6000, 3, 10000, 195)
    assert split_terms(terms, 3) == (terms, None)


@pytest.mark.parametrize("contracts", [0, 4, -1])
def test_contracts_outside_the_open_count_are_refused(contracts: int):
    with pytest.raises(ValidationError, match="contracts"):
        split_terms(OpenTerms(Direction.PUT, 6000, 3, 10000, 195), contracts)


def test_partial_put_assignment_buys_shares_and_keeps_the_put_open():
    wheel = WheelPosition(WheelState.SHORT_PUT, 0, None, 1)
    done = settle(wheel, Outcome.OPEN, OpenTerms(Direction.PUT, 6000, 3, 10000, 195), Outcome.ASSIGNED, contracts=1)
    # 1 contract assigned: 100 shares bought at the $60 strike; 2 puts stay open.
    assert done.wheel == WheelPosition(WheelState.SHORT_PUT, 100, 6000, 1)
    assert done.fees_cents == 65 and done.remaining is not None and done.remaining.contracts == 2
    # The other 2 expire: the wheel holds the 100 shares, same cycle.
    rest = settle(done.wheel, Outcome.OPEN, done.remaining, Outcome.EXPIRED)
    assert rest.wheel == WheelPosition(WheelState.SHARES, 100, 6000, 1)


def test_partial_call_assignment_calls_away_part_of_the_shares():
    wheel = WheelPosition(WheelState.SHORT_CALL, 300, 5000, 2)
    done = settle(wheel, Outcome.OPEN, OpenTerms(Direction.CALL, 5500, 3, 9000, 195), Outcome.ASSIGNED, contracts=2)
    # 200 shares called away at $55 against a $50 entry: (55 − 50) × 200 = $1,000.00 realized.
    assert done.realized_stock_pnl_cents == 100000
    assert done.wheel == WheelPosition(WheelState.SHORT_CALL, 100, 5000, 2)
    # Premium $90.00 × 2/3 = $60.00 and fees $1.95 × 2/3 = $1.30 settled; $30.00 and $0.65 stay open.
    assert done.settled == OpenTerms(Direction.CALL, 5500, 2, 6000, 130)
    assert done.remaining == OpenTerms(Direction.CALL, 5500, 1, 3000, 65)
