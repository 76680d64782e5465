"""The wheel's state machine as pure functions: which moves are legal and what each one changes.

cash → short_put → (expired | closed → cash; assigned → shares)
shares → short_call → (expired | closed → shares; assigned → cash, or shares if some remain)
A roll closes the open option and opens the next one of the same direction in one move.
Settling part of a trade (fewer contracts than are open) splits it: the settled part moves the wheel
(shares bought or called away) and the rest stays open, so the wheel keeps its short state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from wheeld.domain.vocabulary import SHARES_PER_CONTRACT, Direction, Outcome, Result, WheelState
from wheeld.errors import InvalidState, ValidationError

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
    # The part settled (all of the trade unless `contracts` asked for fewer) and the part left open.
    settled: OpenTerms | None = None
    remaining: OpenTerms | None = None


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


def share_of(total_cents: int, part: int, whole: int) -> int:
    """`part`/`whole` of an amount in cents, rounded half up to the cent (non-negative amounts).

    The other share is always `total_cents − share_of(...)`, so the two parts add up to the cent:
    10 000 × 1/3 = 3 333.33… → 3 333 (the rest 6 667); 195 × 1/3 = 65 exactly (the rest 130).
    """
    return (total_cents * part * 2 + whole) // (whole * 2)


def split_terms(terms: OpenTerms, contracts: int) -> tuple[OpenTerms, OpenTerms | None]:
    """The settled part of `contracts` and the part that stays open (None when all are settled).

    Premium and fees are divided in proportion to the contracts, the settled part rounded half up to
    the cent and the open part taking the rest.
    """
    if not 1 <= contracts <= terms.contracts:
        raise ValidationError.field("contracts", contracts, f"between 1 and the {terms.contracts} contract(s) open")
    if contracts == terms.contracts:
        return terms, None
    premium = share_of(terms.total_premium_cents, contracts, terms.contracts)
    fees = share_of(terms.fees_cents, contracts, terms.contracts)
    settled = replace(terms, contracts=contracts, total_premium_cents=premium, fees_cents=fees)
    rest = replace(
        terms,
        contracts=terms.contracts - contracts,
        total_premium_cents=terms.total_premium_cents - premium,
        fees_cents=terms.fees_cents - fees,
    )
    return settled, rest


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
    contracts: int | None = None,
) -> Settlement:
    """Settle the wheel's open option as expired, assigned, closed (or rolled, for `roll`).

    With `contracts` below the open count only that part is settled (see `split_terms`); the
    settlement's own fees (`extra_fees_cents`) belong to the settled part.
    """
    _require_open(wheel, trade_outcome, terms.direction)
    if outcome is Outcome.OPEN:
        raise InvalidState("a trade cannot be settled as open", {"outcome": "open"})
    if outcome in (Outcome.CLOSED, Outcome.ROLLED) and close_cost_cents is None:
        raise ValueError("closing a trade needs its close cost")
    part, rest = split_terms(terms, terms.contracts if contracts is None else contracts)
    if rest is not None and outcome is Outcome.ROLLED:
        raise InvalidState("a roll replaces the whole open option; settle part of it instead", {"outcome": "rolled"})
    fees = part.fees_cents + extra_fees_cents
    cost = close_cost_cents if outcome in (Outcome.CLOSED, Outcome.ROLLED) else None
    after, realized = _wheel_after(wheel, part, outcome, still_open=rest is not None)
    return Settlement(
        wheel=after,
        outcome=outcome,
        result=classify(outcome, net_premium_cents(part.total_premium_cents, cost, fees)),
        close_cost_cents=cost,
        fees_cents=fees,
        realized_stock_pnl_cents=realized,
        settled=part,
        remaining=rest,
    )


def _average_basis(shares: int, basis_cents: int | None, added: int, price_cents: int) -> int:
    """Cost per share after buying `added` shares at `price_cents` (rounded half up to the cent)."""
    total = shares + added
    return share_of((basis_cents or 0) * shares + price_cents * added, 1, total)


def _wheel_after(
    wheel: WheelPosition, terms: OpenTerms, outcome: Outcome, *, still_open: bool = False
) -> tuple[WheelPosition, int]:
    shares_moved = terms.contracts * SHARES_PER_CONTRACT
    if outcome is Outcome.ROLLED:
        return wheel, 0  # the replacement contract keeps the wheel where it is
    if terms.direction is Direction.PUT:
        if outcome is Outcome.ASSIGNED:
            # Bought at the strike: the entry price of the shares, the cycle goes on. Shares already held
            # come from an earlier part of the same put, so the average is that strike too.
            basis = _average_basis(wheel.shares, wheel.cost_basis_cents, shares_moved, terms.strike_cents)
            state = WheelState.SHORT_PUT if still_open else WheelState.SHARES
            return replace(wheel, state=state, shares=wheel.shares + shares_moved, cost_basis_cents=basis), 0
        if still_open:
            return wheel, 0
        if wheel.shares:  # part of this put was assigned earlier: the wheel holds those shares
            return replace(wheel, state=WheelState.SHARES), 0
        return replace(wheel, state=WheelState.CASH, shares=0, cost_basis_cents=None, cycle=wheel.cycle + 1), 0
    if outcome is not Outcome.ASSIGNED:
        return (wheel if still_open else replace(wheel, state=WheelState.SHARES)), 0
    if shares_moved > wheel.shares:
        raise InvalidState(
            f"assignment would deliver {shares_moved} shares; the wheel holds {wheel.shares}",
            {"state": str(wheel.state), "shares": wheel.shares},
        )
    entry = wheel.cost_basis_cents or 0
    realized = (terms.strike_cents - entry) * shares_moved
    remaining = wheel.shares - shares_moved
    if still_open:
        return replace(wheel, shares=remaining), realized
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
