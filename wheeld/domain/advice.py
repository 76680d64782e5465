"""What to do with an open short option: the advice rules, checked in order, the first that fires wins.

1. `let_expire`: calendar DTE ≤ `expire_dte` and out of the money by more than the MEDIUM cushion.
2. `take_profit`: premium captured ≥ `take_profit_pct`.
3. `expect_assignment`: a call in the money at DTE ≤ `roll_dte`, struck at or above the adjusted
   cost basis (being called away is then a gain).
4. `roll`: DTE ≤ `roll_dte`, or in the money (a put, or a call struck below the adjusted cost basis);
   it becomes `close` when no roll candidate earns a net credit (its premium − the cost to close > 0).
5. `hold`: nothing fired.

`reasons` gives each rule checked, in order, with its figure ("roll: DTE 9 ≤ 21"), so a rule that
nearly fired is seen beside the one that did. A rule whose figure is unknown (no price, no mark)
does not fire and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from wheeld.domain.vocabulary import SHARES_PER_CONTRACT

LET_EXPIRE = "let_expire"
TAKE_PROFIT = "take_profit"
EXPECT_ASSIGNMENT = "expect_assignment"
ROLL = "roll"
CLOSE = "close"
HOLD = "hold"
ACTIONS = (LET_EXPIRE, TAKE_PROFIT, EXPECT_ASSIGNMENT, ROLL, CLOSE, HOLD)


@dataclass(frozen=True)
class AdviceThresholds:
    """A profile's advice thresholds (defaults: expire_dte 2, take_profit_pct 50, roll_dte 21)."""

    expire_dte: int = 2
    take_profit_pct: float = 50.0
    roll_dte: int = 21


@dataclass(frozen=True)
class PositionFacts:
    """What the rules read of one open short option (None: not known, e.g. no quote or no mark)."""

    direction: str  # put | call
    dte_calendar: int
    strike_cents: int
    moneyness_pct: Decimal | None  # the exact OTM cushion, negative = ITM
    premium_captured_pct: Decimal | None
    medium_threshold_pct: float = 5.0
    adjusted_cost_basis: Decimal | None = None  # dollars per share, for calls


@dataclass(frozen=True)
class RollCandidate:
    """The contract to roll to and what rolling earns: its premium less the cost to close today's."""

    strike: float
    expiration_date: str
    premium_per_share: Decimal
    premium_cents: int  # total: per share × 100 × contracts, to the cent
    net_credit_cents: int | None  # premium − cost to close (None when the cost to close is unknown)


@dataclass(frozen=True)
class Advice:
    """The action, the reasons with their figures, and the roll candidate when a roll was priced."""

    action: str
    reasons: list[str] = field(default_factory=list)
    roll_candidate: RollCandidate | None = None


def _pct(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)} %"


def _num(value: float) -> str:
    return f"{value:g}"


def _above_basis(facts: PositionFacts) -> bool | None:
    """Whether a call's strike is at or above the adjusted cost basis (None when the basis is unknown)."""
    if facts.adjusted_cost_basis is None:
        return None
    return Decimal(facts.strike_cents) / 100 >= facts.adjusted_cost_basis


def _let_expire(facts: PositionFacts, t: AdviceThresholds, reasons: list[str]) -> bool:
    near = facts.dte_calendar <= t.expire_dte
    dte = f"DTE {facts.dte_calendar} {'≤' if near else '>'} {t.expire_dte}"
    if not near:
        reasons.append(f"{LET_EXPIRE}: {dte}")
        return False
    if facts.moneyness_pct is None:
        reasons.append(f"{LET_EXPIRE}: {dte}, but the cushion is unknown (no price)")
        return False
    cushion = Decimal(str(facts.medium_threshold_pct))
    beyond = facts.moneyness_pct > cushion
    reasons.append(
        f"{LET_EXPIRE}: {dte}, OTM {_pct(facts.moneyness_pct)} {'>' if beyond else '≤'} {_num(float(cushion))} %"
    )
    return beyond


def _take_profit(facts: PositionFacts, t: AdviceThresholds, reasons: list[str]) -> bool:
    if facts.premium_captured_pct is None:
        reasons.append(f"{TAKE_PROFIT}: captured unknown (no mark)")
        return False
    fired = facts.premium_captured_pct >= Decimal(str(t.take_profit_pct))
    sign = "≥" if fired else "<"
    reasons.append(f"{TAKE_PROFIT}: captured {_pct(facts.premium_captured_pct)} {sign} {_num(t.take_profit_pct)} %")
    return fired


def _itm(facts: PositionFacts) -> bool | None:
    return None if facts.moneyness_pct is None else facts.moneyness_pct < 0


def _expect_assignment(facts: PositionFacts, t: AdviceThresholds, reasons: list[str]) -> bool:
    if facts.direction != "call":
        return False
    itm, above = _itm(facts), _above_basis(facts)
    if not itm or facts.dte_calendar > t.roll_dte:
        return False  # only a call ITM near expiry is a candidate: no reason to give otherwise
    strike = Decimal(facts.strike_cents) / 100
    if above is None:
        reasons.append(f"{EXPECT_ASSIGNMENT}: call ITM at DTE {facts.dte_calendar}, adjusted cost basis unknown")
        return False
    assert facts.adjusted_cost_basis is not None
    basis = f"{facts.adjusted_cost_basis.quantize(Decimal('0.01'))}"
    reasons.append(
        f"{EXPECT_ASSIGNMENT}: call ITM at DTE {facts.dte_calendar} ≤ {t.roll_dte},"
        f" strike {strike:.2f} {'≥' if above else '<'} adjusted cost basis {basis}"
    )
    return above


def _roll(facts: PositionFacts, t: AdviceThresholds, reasons: list[str]) -> bool:
    due = facts.dte_calendar <= t.roll_dte
    itm = _itm(facts)
    threatened = bool(itm) and (facts.direction == "put" or _above_basis(facts) is not True)
    parts = [f"DTE {facts.dte_calendar} {'≤' if due else '>'} {t.roll_dte}"]
    if itm is None:
        parts.append("moneyness unknown (no price)")
    elif itm:
        assert facts.moneyness_pct is not None
        parts.append(f"ITM {_pct(-facts.moneyness_pct)}")
    reasons.append(f"{ROLL}: {', '.join(parts)}")
    return due or threatened


def _priced_roll(candidate: RollCandidate | None, reasons: list[str], chain_read: bool) -> str:
    if not chain_read:
        reasons.append(f"{ROLL}: not priced (no option chain for the profile's DTE window)")
        return ROLL
    if candidate is None:
        reasons.append(f"{CLOSE}: no roll candidate in the profile's DTE window")
        return CLOSE
    credit = candidate.net_credit_cents
    if credit is None:
        reasons.append(f"{ROLL}: net credit unknown (no mark to price the close)")
        return ROLL
    if credit > 0:
        reasons.append(f"{ROLL}: net credit {credit / 100:.2f} > 0")
        return ROLL
    reasons.append(f"{CLOSE}: no roll earns a net credit (best {credit / 100:.2f} ≤ 0)")
    return CLOSE


def needs_roll(facts: PositionFacts, thresholds: AdviceThresholds) -> bool:
    """Whether the rules reach `roll` (so a roll candidate must be priced)."""
    return advise(facts, thresholds).action in (ROLL, CLOSE)


def advise(
    facts: PositionFacts,
    thresholds: AdviceThresholds,
    roll_candidate: RollCandidate | None = None,
    *,
    chain_read: bool = True,
) -> Advice:
    """The first rule that fires, with the reasons; `roll_candidate` decides between roll and close.

    `chain_read` False: the chain to price a roll could not be had, so a roll stays `roll`, unpriced
    (no candidate is not evidence that none earns a credit).
    """
    reasons: list[str] = []
    for action, rule in (
        (LET_EXPIRE, _let_expire),
        (TAKE_PROFIT, _take_profit),
        (EXPECT_ASSIGNMENT, _expect_assignment),
    ):
        if rule(facts, thresholds, reasons):
            return Advice(action, reasons)
    if _roll(facts, thresholds, reasons):
        return Advice(_priced_roll(roll_candidate, reasons, chain_read), reasons, roll_candidate)
    return Advice(HOLD, reasons)


def roll_candidate(
    strike: float,
    expiration_date: str,
    premium_per_share: Decimal,
    contracts: int,
    cost_to_close_cents: int | None,
) -> RollCandidate:
    """A roll to `strike`/`expiration_date` at `premium_per_share` (the chain's mid) for `contracts`."""
    exact = premium_per_share * 100 * SHARES_PER_CONTRACT * contracts
    total = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    credit = None if cost_to_close_cents is None else total - cost_to_close_cents
    return RollCandidate(strike, expiration_date, premium_per_share, total, credit)
