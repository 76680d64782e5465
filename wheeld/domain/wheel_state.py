"""The wheel's state machine as pure functions: which moves are legal and what each one changes.

cash → short_put → (expired | closed → cash; assigned → shares)
shares → short_call → (expired | closed → shares; assigned → cash, or shares if some remain)
A roll closes the open option and opens the next one of the same direction in one move.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from wheeld.domain.vocabulary import SHARES_PER_CONTRACT, Direction, Outcome, Result, WheelState
from wheeld.errors import InvalidState

_ALLOWED = {
    WheelState.CASH: "sell a put",
    WheelState.SHARES: "sell a covered call",
    WheelState.SHORT_PUT: "settle or roll the open put",
    WheelState.SHORT_CALL: "settle or roll the open call",
}


@dataclass(frozen=True)
class WheelPosition:
    """The part of a wheel the state machine reads and writes."""

    state: WheelState
    shares: int
    cost_basis_cents: int | None
    cycle: int


@dataclass(frozen=True)
class OpenTerms:
    """The economics of one short option."""

    direction: Direction
    strike_cents: int
    contracts: int
    total_premium_cents: int
    fees_cents: int = 0


@dataclass(frozen=True)
class Settlement:
    """What settling a trade does: the wheel after it and the trade's settled fields."""

    wheel: WheelPosition
    outcome: Outcome
    result: Result
    close_cost_cents: int | None
    fees_cents: int
    realized_stock_pnl_cents: int


def allowed_moves(state: WheelState) -> str:
    """A sentence naming what the wheel can do next in `state`."""
    return _ALLOWED[state]


def check_open(wheel: WheelPosition, direction: Direction, contracts: int) -> WheelPosition:
    """Validate opening a short option; returns the wheel after the open (state short_put/short_call)."""
    if wheel.state in (WheelState.SHORT_PUT, WheelState.SHORT_CALL):
        raise InvalidState(
            f"the wheel already has an open option ({wheel.state}); {allowed_moves(wheel.state)} first",
            {"state": str(wheel.state), "allowed": allowed_moves(wheel.state)},
        )
    if direction is Direction.PUT and wheel.state is not WheelState.CASH:
        raise InvalidState(
            f"cannot sell a put while the wheel holds {wheel.shares} shares (state {wheel.state}); "
            f"{allowed_moves(wheel.state)} instead",
            {"state": str(wheel.state), "allowed": allowed_moves(wheel.state)},
        )
    if direction is Direction.CALL:
        if wheel.state is not WheelState.SHARES:
            raise InvalidState(
                f"cannot sell a call from state {wheel.state}: a covered call needs shares; "
                f"{allowed_moves(wheel.state)} instead",
                {"state": str(wheel.state), "allowed": allowed_moves(wheel.state)},
            )
        if contracts * SHARES_PER_CONTRACT > wheel.shares:
            raise InvalidState(
                f"{contracts} call contract(s) need {contracts * SHARES_PER_CONTRACT} shares; "
                f"the wheel holds {wheel.shares}",
                {"state": str(wheel.state), "shares": wheel.shares, "contracts": contracts},
            )
    new_state = WheelState.SHORT_PUT if direction is Direction.PUT else WheelState.SHORT_CALL
    return replace(wheel, state=new_state)


def _require_open(wheel: WheelPosition, trade_outcome: Outcome, direction: Direction) -> None:
    if trade_outcome is not Outcome.OPEN:
        raise InvalidState(
            f"the trade is already settled ({trade_outcome}); only an open trade can be settled or rolled",
            {"outcome": str(trade_outcome)},
        )
    expected = WheelState.SHORT_PUT if direction is Direction.PUT else WheelState.SHORT_CALL
    if wheel.state is not expected:
        raise InvalidState(
            f"the wheel is in state {wheel.state}, not {expected}; the records disagree",
            {"state": str(wheel.state)},
        )


def net_premium_cents(total_premium_cents: int, close_cost_cents: int | None, fees_cents: int) -> int:
    """Premium kept by one trade: premium − buy-back cost − fees."""
    return total_premium_cents - (close_cost_cents or 0) - fees_cents


def classify(outcome: Outcome, net_cents: int) -> Result:
    """Win or loss of a settled trade: expired wins, assigned loses, closed/rolled by the net credit."""
    if outcome is Outcome.EXPIRED:
        return Result.WIN
    if outcome is Outcome.ASSIGNED:
        return Result.LOSS
    if outcome in (Outcome.CLOSED, Outcome.ROLLED):
        return Result.WIN if net_cents > 0 else Result.LOSS
    raise ValueError(f"an {outcome} trade has no result yet")


def settle(
    wheel: WheelPosition,
    trade_outcome: Outcome,
    terms: OpenTerms,
    outcome: Outcome,
    close_cost_cents: int | None = None,
    extra_fees_cents: int = 0,
) -> Settlement:
    """Settle the wheel's open option as expired, assigned, closed (or rolled, for `roll`)."""
    _require_open(wheel, trade_outcome, terms.direction)
    if outcome is Outcome.OPEN:
        raise InvalidState("a trade cannot be settled as open", {"outcome": "open"})
    if outcome in (Outcome.CLOSED, Outcome.ROLLED) and close_cost_cents is None:
        raise ValueError("closing a trade needs its close cost")
    fees = terms.fees_cents + extra_fees_cents
    cost = close_cost_cents if outcome in (Outcome.CLOSED, Outcome.ROLLED) else None
    after, realized = _wheel_after(wheel, terms, outcome)
    return Settlement(
        wheel=after,
        outcome=outcome,
        result=classify(outcome, net_premium_cents(terms.total_premium_cents, cost, fees)),
        close_cost_cents=cost,
        fees_cents=fees,
        realized_stock_pnl_cents=realized,
    )


def _wheel_after(wheel: WheelPosition, terms: OpenTerms, outcome: Outcome) -> tuple[WheelPosition, int]:
    shares_moved = terms.contracts * SHARES_PER_CONTRACT
    if outcome is Outcome.ROLLED:
        return wheel, 0  # the replacement contract keeps the wheel where it is
    if terms.direction is Direction.PUT:
        if outcome is Outcome.ASSIGNED:
            # Bought at the strike: the entry price of the shares, the cycle goes on.
            return replace(wheel, state=WheelState.SHARES, shares=shares_moved, cost_basis_cents=terms.strike_cents), 0
        return replace(wheel, state=WheelState.CASH, shares=0, cost_basis_cents=None, cycle=wheel.cycle + 1), 0
    if outcome is not Outcome.ASSIGNED:
        return replace(wheel, state=WheelState.SHARES), 0
    if shares_moved > wheel.shares:
        raise InvalidState(
            f"assignment would deliver {shares_moved} shares; the wheel holds {wheel.shares}",
            {"state": str(wheel.state), "shares": wheel.shares},
        )
    entry = wheel.cost_basis_cents or 0
    realized = (terms.strike_cents - entry) * shares_moved
    remaining = wheel.shares - shares_moved
    if remaining:
        return replace(wheel, state=WheelState.SHARES, shares=remaining), realized
    return replace(wheel, state=WheelState.CASH, shares=0, cost_basis_cents=None, cycle=wheel.cycle + 1), realized


def roll(
    wheel: WheelPosition,
    trade_outcome: Outcome,
    old: OpenTerms,
    close_cost_cents: int,
    new: OpenTerms,
    extra_fees_cents: int = 0,
) -> Settlement:
    """Close the open option as `rolled` and check the replacement; the wheel's state is unchanged."""
    if new.direction is not old.direction:
        raise InvalidState(
            f"a roll replaces the open {old.direction} with another {old.direction}, not a {new.direction}",
            {"direction": str(old.direction)},
        )
    settled = settle(wheel, trade_outcome, old, Outcome.ROLLED, close_cost_cents, extra_fees_cents)
    if new.direction is Direction.CALL and new.contracts * SHARES_PER_CONTRACT > wheel.shares:
        raise InvalidState(
            f"{new.contracts} call contract(s) need {new.contracts * SHARES_PER_CONTRACT} shares; "
            f"the wheel holds {wheel.shares}",
            {"state": str(wheel.state), "shares": wheel.shares, "contracts": new.contracts},
        )
    return settled
