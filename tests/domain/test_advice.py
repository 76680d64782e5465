"""The advice rules on an open short option: each at its threshold and on both sides, and their order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wheeld.domain.advice import (
    AdviceThresholds,
    PositionFacts,
    advise,
    needs_roll,
    roll_candidate,
)
from wheeld.domain.option_marks import NOT_IN_CHAIN, mark_position

T = AdviceThresholds()  # expire_dte 2, take_profit_pct 50, roll_dte 21
D = Decimal


def facts(
    direction: str = "put",
    dte: int = 30,
    cushion: str | None = "8",
    captured: str | None = "20",
    strike: int = 10000,
    basis: str | None = None,
) -> PositionFacts:
    """A position 30 DTE, 8 % OTM, 20 % captured unless told otherwise (MEDIUM cushion 5 %)."""
    return PositionFacts(
        direction=direction,
        dte_calendar=dte,
        strike_cents=strike,
        moneyness_pct=None if cushion is None else D(cushion),
        premium_captured_pct=None if captured is None else D(captured),
        medium_threshold_pct=5.0,
        adjusted_cost_basis=None if basis is None else D(basis),
    )


CREDIT = roll_candidate(95.0, "2027-01-15", D("1.20"), 1, 100)  # 120.00 − 1.00 = +119.00 net credit

RULES = [
    # let_expire: DTE ≤ 2 and OTM by more than the 5 % cushion
    ("let_expire at DTE 2, cushion 5.01", facts(dte=2, cushion="5.01"), "let_expire"),
    ("DTE 3 is one day too far to let expire", facts(dte=3, cushion="5.01"), "roll"),
    ("DTE 1 also lets expire", facts(dte=1, cushion="9"), "let_expire"),
    ("cushion exactly 5 % is not beyond it", facts(dte=2, cushion="5", captured="20"), "roll"),
    ("cushion 4.99 % is not beyond it", facts(dte=2, cushion="4.99"), "roll"),
    # take_profit: captured ≥ 50 %
    ("captured exactly 50 %", facts(captured="50"), "take_profit"),
    ("captured 49.99 % holds", facts(captured="49.99"), "hold"),
    ("captured 50.01 %", facts(captured="50.01"), "take_profit"),
    # expect_assignment: an ITM call at DTE ≤ 21 struck at or above the adjusted basis
    ("ITM call at DTE 21 at the basis", facts("call", dte=21, cushion="-2", basis="100.00"), "expect_assignment"),
    ("ITM call at DTE 22 above the basis holds", facts("call", dte=22, cushion="-2", basis="99.00"), "hold"),
    ("ITM call at DTE 20 above the basis", facts("call", dte=20, cushion="-2", basis="99.99"), "expect_assignment"),
    ("ITM call 1 c below the basis rolls", facts("call", dte=20, cushion="-2", basis="100.01"), "roll"),
    ("OTM call at DTE 20 rolls", facts("call", dte=20, cushion="3", basis="90"), "roll"),
    # roll: DTE ≤ 21, or ITM (a put, or a call below the basis)
    ("DTE 21 rolls", facts(dte=21), "roll"),
    ("DTE 22 holds", facts(dte=22), "hold"),
    ("DTE 20 rolls", facts(dte=20), "roll"),
    ("ITM put far out rolls", facts(dte=40, cushion="-0.01"), "roll"),
    ("put at the money (cushion 0) is not ITM", facts(dte=40, cushion="0"), "hold"),
    ("ITM call below the basis far out rolls", facts("call", dte=40, cushion="-1", basis="101"), "roll"),
    # order: the first rule that fires wins
    ("let_expire before take_profit", facts(dte=1, cushion="9", captured="90"), "let_expire"),
    (
        "take_profit before expect_assignment",
        facts("call", dte=5, cushion="-1", captured="60", basis="90"),
        "take_profit",
    ),
    ("take_profit before roll", facts(dte=5, cushion="-3", captured="60"), "take_profit"),
    (
        "expect_assignment before roll",
        facts("call", dte=5, cushion="-3", captured="10", basis="90"),
        "expect_assignment",
    ),
    # unknown figures never fire
    ("no mark, no price, far out: hold", facts(cushion=None, captured=None), "hold"),
    ("no price at DTE 1: not let_expire, rolls", facts(dte=1, cushion=None), "roll"),
]


@pytest.mark.parametrize(("case", "position", "action"), RULES, ids=[r[0] for r in RULES])
def test_each_rule_at_its_threshold_and_either_side(case: str, position: PositionFacts, action: str) -> None:
    assert advise(position, T, CREDIT).action == action, case


def test_reasons_name_each_rule_checked_with_its_figure() -> None:
    advice = advise(facts(dte=9, captured="38.2"), T, CREDIT)
    assert advice.action == "roll" and advice.roll_candidate is CREDIT
    assert advice.reasons == [
        "let_expire: DTE 9 > 2",
        "take_profit: captured 38.2 % < 50 %",
        "roll: DTE 9 ≤ 21",
        "roll: net credit 119.00 > 0",
    ]
    assert advise(facts(captured="61.25"), T).reasons[-1] == "take_profit: captured 61.3 % ≥ 50 %"


def test_a_roll_without_a_net_credit_is_close() -> None:
    # 2 contracts at 1.55 a share = 310.00; closing costs 310.00 too: net credit 0, not a credit.
    even = roll_candidate(95.0, "2027-01-15", D("1.55"), 2, 31000)
    assert (even.premium_cents, even.net_credit_cents) == (31000, 0)
    advice = advise(facts(dte=10), T, even)
    assert advice.action == "close" and advice.reasons[-1] == "close: no roll earns a net credit (best 0.00 ≤ 0)"
    assert advise(facts(dte=10), T, None).action == "close"  # nothing listed in the window
    unpriced = advise(facts(dte=10), T, None, chain_read=False)  # the provider gave no chain: unknown
    assert unpriced.action == "roll" and unpriced.reasons[-1].startswith("roll: not priced")
    assert needs_roll(facts(dte=10), T) and not needs_roll(facts(dte=30), T)


def test_a_roll_candidate_net_credit_to_the_cent() -> None:
    # 3 contracts at a 2.175 mid: 2.175 × 100 × 3 = 652.50; closing at a 1.235 mark: 1.235 × 300 = 370.50.
    # Net credit 652.50 − 370.50 = 282.00.
    close = mark_position(total_premium_cents=90000, contracts=3, mark=D("1.235"))
    assert close.cost_to_close_cents == 37050
    candidate = roll_candidate(97.5, "2027-01-15", D("2.175"), 3, close.cost_to_close_cents)
    assert (candidate.premium_cents, candidate.net_credit_cents) == (65250, 28200)


def test_thresholds_are_the_profile_s() -> None:
    patient = AdviceThresholds(expire_dte=0, take_profit_pct=75.0, roll_dte=14)
    # DTE 2 > expire_dte 0, captured 60 < 75, DTE 2 ≤ roll_dte 14: a roll, with no candidate: close
    assert advise(facts(dte=2, cushion="9", captured="60"), patient).action == "close"
    assert advise(facts(dte=15, cushion="9", captured="60"), patient).action == "hold"
    assert advise(facts(dte=14, captured="75"), patient).action == "take_profit"
    assert advise(facts(dte=14), patient, CREDIT).action == "roll"


@pytest.mark.parametrize(
    ("premium", "contracts", "mark", "cost", "unrealized", "captured"),
    [
        # 3.50 a share sold, 1.235 mark: cost 123.50, unrealized 350.00 − 123.50 = 226.50,
        # captured (3.50 − 1.235) / 3.50 = 64.714… %
        (35000, 1, "1.235", 12350, 22650, "64.71428571428571428571428571"),
        # 2 contracts at 1.00 (200.00), mark 1.10: cost 220.00, unrealized −20.00, captured −10 %
        (20000, 2, "1.10", 22000, -2000, "-10"),
    ],
)
def test_marks(premium: int, contracts: int, mark: str, cost: int, unrealized: int, captured: str) -> None:
    marked = mark_position(premium, contracts, D(mark))
    assert (marked.cost_to_close_cents, marked.unrealized_option_pnl_cents) == (cost, unrealized)
    assert marked.premium_captured_pct == D(captured)


def test_no_mark_is_null_with_a_reason_never_zero() -> None:
    marked = mark_position(35000, 1, None, NOT_IN_CHAIN)
    assert marked.cost_to_close_cents is None and marked.premium_captured_pct is None
    assert marked.unavailable_reason == "not_in_chain"


def test_profiles_carry_their_advice_thresholds() -> None:
    from wheeld.domain.recommendation import resolve_profiles

    resolved = resolve_profiles({"moderate": {"roll_dte": 14, "take_profit_pct": 75}, "patient": {"expire_dte": 0}})
    assert resolved["moderate"].advice == AdviceThresholds(expire_dte=2, take_profit_pct=75.0, roll_dte=14)
    assert resolved["patient"].advice == AdviceThresholds(expire_dte=0, take_profit_pct=50.0, roll_dte=21)
    assert resolved["conservative"].advice == AdviceThresholds()
    for bad, message in (
        ({"roll_dte": 7.5}, "roll_dte must be an integer in [0, 730]"),
        ({"take_profit_pct": 0}, "take_profit_pct must be a number in [0.01, 100]"),
        ({"expire_dte": True}, "expire_dte must be an integer in [0, 730]"),
    ):
        with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
            resolve_profiles({"moderate": bad})
