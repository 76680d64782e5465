"""The state machine, table-driven: every legal move and what it changes, every illegal one refused."""

from __future__ import annotations

import pytest

from wheeld.domain.vocabulary import Direction, Outcome, Result, WheelState
from wheeld.domain.wheel_state import OpenTerms, WheelPosition, check_open, classify, roll, settle
from wheeld.errors import InvalidState

CASH = WheelPosition(WheelState.CASH, 0, None, 1)
SHORT_PUT = WheelPosition(WheelState.SHORT_PUT, 0, None, 1)
SHARES = WheelPosition(WheelState.SHARES, 200, 17500, 1)
SHORT_CALL = WheelPosition(WheelState.SHORT_CALL, 200, 17500, 1)
PUT = OpenTerms(Direction.PUT, 18000, 1, 25000, 65)
CALL1 = OpenTerms(Direction.CALL, 18000, 1, 12000, 65)
CALL2 = OpenTerms(Direction.CALL, 18000, 2, 24000, 130)


@pytest.mark.parametrize(
    ("wheel", "direction", "contracts", "state_after"),
    [
        (CASH, Direction.PUT, 1, WheelState.SHORT_PUT),
        (CASH, Direction.PUT, 5, WheelState.SHORT_PUT),
        (SHARES, Direction.CALL, 1, WheelState.SHORT_CALL),
        (SHARES, Direction.CALL, 2, WheelState.SHORT_CALL),
    ],
)
def test_legal_opens(wheel: WheelPosition, direction: Direction, contracts: int, state_after: WheelState) -> None:
    assert check_open(wheel, direction, contracts).state is state_after


@pytest.mark.parametrize(
    ("wheel", "direction", "contracts", "message"),
    [
        (CASH, Direction.CALL, 1, "covered call needs shares"),
        (SHARES, Direction.PUT, 1, "cannot sell a put while the wheel holds 200 shares"),
        (SHORT_PUT, Direction.PUT, 1, "already has an open option"),
        (SHORT_CALL, Direction.CALL, 1, "already has an open option"),
        (SHARES, Direction.CALL, 3, "need 300 shares; the wheel holds 200"),
    ],
)
def test_illegal_opens(wheel: WheelPosition, direction: Direction, contracts: int, message: str) -> None:
    with pytest.raises(InvalidState, match=message):
        check_open(wheel, direction, contracts)


@pytest.mark.parametrize(
    ("wheel", "terms", "outcome", "close", "state", "shares", "basis", "cycle", "realized", "result"),
    [
        # put expires worthless: back to cash, next cycle, a win
        (SHORT_PUT, PUT, Outcome.EXPIRED, None, WheelState.CASH, 0, None, 2, 0, Result.WIN),
        # put bought back for less than its premium: cash, a win
        (SHORT_PUT, PUT, Outcome.CLOSED, 10000, WheelState.CASH, 0, None, 2, 0, Result.WIN),
        # put bought back for more: a loss
        (SHORT_PUT, PUT, Outcome.CLOSED, 30000, WheelState.CASH, 0, None, 2, 0, Result.LOSS),
        # put assigned: 100 shares at the strike, same cycle, a loss
        (SHORT_PUT, PUT, Outcome.ASSIGNED, None, WheelState.SHARES, 100, 18000, 1, 0, Result.LOSS),
        # call expires: still holding, a win
        (SHORT_CALL, CALL1, Outcome.EXPIRED, None, WheelState.SHARES, 200, 17500, 1, 0, Result.WIN),
        # 1 of 2 lots called away at 180 vs entry 175: +$500 realized, 100 shares remain
        (SHORT_CALL, CALL1, Outcome.ASSIGNED, None, WheelState.SHARES, 100, 17500, 1, 50000, Result.LOSS),
        # both lots called away: cash, next cycle, +$1,000 realized
        (SHORT_CALL, CALL2, Outcome.ASSIGNED, None, WheelState.CASH, 0, None, 2, 100000, Result.LOSS),
        # call closed for exactly its premium less nothing: net = −fees → a loss
        (SHORT_CALL, CALL1, Outcome.CLOSED, 12000, WheelState.SHARES, 200, 17500, 1, 0, Result.LOSS),
    ],
)
def test_settlements(wheel, terms, outcome, close, state, shares, basis, cycle, realized, result) -> None:
    settled = settle(wheel, Outcome.OPEN, terms, outcome, close)
    assert (
        settled.wheel.state,
        settled.wheel.shares,
        settled.wheel.cost_basis_cents,
        settled.wheel.cycle,
    ) == (state, shares, basis, cycle)
    assert settled.realized_stock_pnl_cents == realized
    assert settled.result is result


def test_settling_a_settled_trade_is_invalid() -> None:
    with pytest.raises(InvalidState, match="already settled"):
        settle(SHORT_PUT, Outcome.EXPIRED, PUT, Outcome.EXPIRED)


def test_settle_fees_add_to_the_trade() -> None:
    settled = settle(SHORT_PUT, Outcome.OPEN, PUT, Outcome.CLOSED, 20000, extra_fees_cents=65)
    assert settled.fees_cents == 130
    assert settled.result is Result.WIN  # 250 − 200 − 1.30 > 0


def test_roll_keeps_state_and_checks_direction_and_shares() -> None:
    rolled = roll(SHORT_PUT, Outcome.OPEN, PUT, 35000, OpenTerms(Direction.PUT, 17500, 1, 40000))
    assert rolled.outcome is Outcome.ROLLED and rolled.wheel == SHORT_PUT and rolled.result is Result.LOSS
    with pytest.raises(InvalidState, match="not a call"):
        roll(SHORT_PUT, Outcome.OPEN, PUT, 100, OpenTerms(Direction.CALL, 17500, 1, 40000))
    with pytest.raises(InvalidState, match="need 300 shares"):
        roll(SHORT_CALL, Outcome.OPEN, CALL1, 100, OpenTerms(Direction.CALL, 18500, 3, 40000))


@pytest.mark.parametrize(
    ("outcome", "net", "result"),
    [
        (Outcome.EXPIRED, -5, Result.WIN),
        (Outcome.ASSIGNED, 500, Result.LOSS),
        (Outcome.CLOSED, 1, Result.WIN),
        (Outcome.CLOSED, 0, Result.LOSS),
        (Outcome.ROLLED, -1, Result.LOSS),
    ],
)
def test_classify(outcome: Outcome, net: int, result: Result) -> None:
    assert classify(outcome, net) is result
