"""The recommendation's pure parts: volatility, σ distance, P(ITM), trend and bias, profiles, picks and warnings.

Black-Scholes figures are computed here by hand with `math` (not with wheeld's module), and every row
is small enough to check on paper.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from wheeld.domain.recommendation import (
    BUILTIN_PROFILES,
    Profile,
    Settings,
    Underlying,
    WheelTerms,
    apply_bias,
    historical_volatility,
    iv_rank,
    probability_itm,
    profile_table,
    recommend,
    resolve_profiles,
    sigma_distance,
    simple_average,
    trend_of,
)
from wheeld.marketdata.models import OptionContract

TODAY = date(2026, 11, 24)
MODERATE = BUILTIN_PROFILES["moderate"]


def n_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def alternating(count: int, step: float, end: float = 100.0) -> list[float]:
    """`count` closes ending at `end`, alternating with end × e^step: daily log returns of −step, +step."""
    return [end * math.exp(step) if i % 2 else end for i in range(count)][::-1]


def neutral(step: float) -> list[float]:
    """60 closes: 29 at 95, then 31 alternating (HV30 from ±step); the price 100 sits under the 20-day
    average (100 and 100·e^step) and over the 50-day one (pulled down by the 95s): no trend."""
    return [95.0] * 29 + alternating(31, step)


def ramping(count: int, start: float, stop: float, end: float = 100.0) -> list[float]:
    """Alternating returns whose size ramps from `start` to `stop`: a realized volatility that changes."""
    closes = [end]
    for i in range(count - 1):
        size = stop + (start - stop) * i / (count - 2)
        closes.append(closes[-1] * math.exp(size if i % 2 else -size))
    return closes[::-1]


def option(
    strike: float = 95.0,
    expiration: date = date(2026, 12, 24),
    delta: float | None = -0.20,
    bid: float | None = 1.00,
    ask: float | None = 1.04,
    open_interest: int | None = 1000,
    iv: float | None = 0.25,
    direction: str = "put",
) -> OptionContract:
    return OptionContract(
        symbol=f"XYZ {expiration:%y%m%d}{direction[0].upper()}{strike}",
        direction=direction,  # type: ignore[arg-type]
        strike=strike,
        expiration=expiration,
        bid=bid,
        ask=ask,
        mark=None,
        last=None,
        delta=delta,
        gamma=None,
        theta=None,
        vega=None,
        iv=iv,
        open_interest=open_interest,
        volume=10,
    )


# --- statistics -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        # 30 returns of ±1 %: mean 0, sample variance 30 × 0.01² / 29, × √252
        (0.01, math.sqrt(30 * 0.01**2 / 29) * math.sqrt(252)),  # 0.16146
        (0.02, math.sqrt(30 * 0.02**2 / 29) * math.sqrt(252)),  # 0.32292
        (0.0, 0.0),
    ],
)
def test_hv30_is_the_annualized_sample_stdev_of_30_log_returns(step: float, expected: float) -> None:
    closes = [250.0, 1.0, *alternating(31, step)]  # only the last 31 closes count
    assert historical_volatility(closes) == pytest.approx(expected, rel=1e-9)


def test_hv30_needs_31_closes_and_averages_need_their_days() -> None:
    assert historical_volatility(alternating(30, 0.01)) is None
    assert simple_average([1.0, 2.0, 3.0, 4.0], 3) == pytest.approx(3.0)
    assert simple_average([1.0, 2.0], 3) is None


@pytest.mark.parametrize(
    ("price", "strike", "vol", "dte"),
    [
        (100.0, 95.0, 0.25, 30),  # |ln 0.95| / (0.25 × √(30/365)) = 0.051293 / 0.071672 = 0.7157
        (100.0, 110.0, 0.25, 30),  # a call strike above: the distance is unsigned
        (217.47, 207.5, 0.2246, 30),
        (50.0, 40.0, 0.60, 60),
    ],
)
def test_sigma_distance_by_hand(price: float, strike: float, vol: float, dte: int) -> None:
    expected = abs(math.log(strike / price)) / (vol * math.sqrt(dte / 365))
    assert sigma_distance(price, strike, vol, dte) == pytest.approx(expected, rel=1e-12)


def test_sigma_distance_of_the_worked_example() -> None:
    assert sigma_distance(100.0, 95.0, 0.25, 30) == pytest.approx(0.7157, abs=1e-4)
    assert sigma_distance(100.0, 95.0, None, 30) is None
    assert sigma_distance(100.0, 95.0, 0.25, 0) is None


@pytest.mark.parametrize(
    ("direction", "price", "strike", "vol", "dte", "rate"),
    [
        ("put", 100.0, 95.0, 0.25, 30, 0.04),  # d2 = (0.051293 + 0.000719) / 0.071672 = 0.7257 → N(−d2) = 0.2340
        ("call", 100.0, 105.0, 0.25, 30, 0.04),
        ("put", 217.47, 207.5, 0.2246, 30, 0.04),
        ("call", 50.0, 55.0, 0.60, 45, 0.0),
    ],
)
def test_p_itm_is_n_of_d2_with_the_given_volatility(
    direction: str, price: float, strike: float, vol: float, dte: int, rate: float
) -> None:
    t = dte / 365
    d2 = (math.log(price / strike) + (rate - vol * vol / 2) * t) / (vol * math.sqrt(t))
    expected = n_cdf(d2) if direction == "call" else n_cdf(-d2)
    assert probability_itm(direction, price, strike, vol, dte, rate) == pytest.approx(expected, rel=1e-12)  # type: ignore[arg-type]


def test_p_itm_of_the_worked_example() -> None:
    assert probability_itm("put", 100.0, 95.0, 0.25, 30, 0.04) == pytest.approx(0.2340, abs=1e-4)


@pytest.mark.parametrize(
    ("current", "history", "expected"),
    [
        (0.30, [0.10 + 0.01 * i for i in range(21)], 100.0),  # range 0.10–0.30: at the top
        (0.20, [0.10 + 0.01 * i for i in range(21)], 50.0),
        (0.05, [0.10 + 0.01 * i for i in range(21)], 0.0),  # below the range: clamped
        (0.20, [0.10 + 0.01 * i for i in range(19)], None),  # too little history
        (0.20, [0.2] * 30, None),  # no range
        (None, [0.10 + 0.01 * i for i in range(21)], None),  # the chain has no IV
    ],
)
def test_iv_rank(current: float | None, history: list[float], expected: float | None) -> None:
    assert iv_rank(current, history) == (pytest.approx(expected) if expected is not None else None)


# --- trend and bias -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "sma20", "sma50", "trend"),
    [
        (110.0, 105.0, 100.0, "bullish"),
        (110.0, 100.0, 105.0, "bullish"),  # above both, whatever their order
        (90.0, 95.0, 100.0, "bearish"),
        (100.0, 95.0, 105.0, "neutral"),  # between them
        (100.0, 100.0, 95.0, "neutral"),  # on one of them
        (100.0, None, 95.0, "neutral"),  # history too short
    ],
)
def test_trend(price: float, sma20: float | None, sma50: float | None, trend: str) -> None:
    assert trend_of(price, sma20, sma50) == trend


@pytest.mark.parametrize(
    ("direction", "trend", "target", "moved"),
    [
        ("put", "bullish", 0.305, "closer"),  # uptrend: a fall that would assign the put is less likely
        ("put", "bearish", 0.245, "further"),  # downtrend: more room below
        ("call", "bullish", 0.245, "further"),  # uptrend: room for the rise, keep the shares
        ("call", "bearish", 0.305, "closer"),  # downtrend: more premium while the price moves away
        ("put", "neutral", 0.275, "none"),
        ("call", "neutral", 0.275, "none"),
    ],
)
def test_bias_moves_the_delta_target(direction: str, trend: str, target: float, moved: str) -> None:
    bias = apply_bias(direction, trend, 0.275, 0.03, 100.0, 98.0, 97.0)  # type: ignore[arg-type]
    assert bias.target == pytest.approx(target)
    assert bias.strike_moved == moved
    assert bias.shift == pytest.approx(target - 0.275)
    assert (moved in bias.reason) or moved == "none"
    assert f"{target:.3f}" in bias.reason


def test_bias_target_stays_in_range() -> None:
    assert apply_bias("put", "bullish", 0.48, 0.1, 100.0, 98.0, 97.0).target == 0.5
    assert apply_bias("put", "bearish", 0.08, 0.1, 100.0, 102.0, 103.0).target == 0.05


# --- profiles -------------------------------------------------------------------------------------


def test_builtin_profiles_are_the_documented_bands() -> None:
    rows = {
        name: (p.delta_min, p.delta_max, p.sigma_min, p.sigma_max, p.min_dte, p.max_dte, p.max_p_itm)
        for name, p in BUILTIN_PROFILES.items()
    }
    assert rows == {
        "conservative": (0.15, 0.20, 1.5, 2.0, 30, 45, 0.25),
        "moderate": (0.25, 0.30, 1.0, 1.5, 21, 45, 0.35),
        "aggressive": (0.35, 0.40, 0.5, 1.0, 14, 30, 0.45),
        "defensive": (0.10, 0.15, 2.0, 2.5, 30, 60, 0.20),
    }
    assert resolve_profiles(profile_table()) == BUILTIN_PROFILES


def test_configured_profiles_merge_field_by_field() -> None:
    resolved = resolve_profiles(
        {
            "moderate": {"dte": [28, 40]},
            "income": {"base": "conservative", "delta": [0.18, 0.22]},
            "Wide": {"max_p_itm": 0.5},  # names are lower-cased; a new one starts from moderate
        }
    )
    assert resolved["moderate"] == replace(BUILTIN_PROFILES["moderate"], min_dte=28, max_dte=40)
    assert resolved["income"] == replace(
        BUILTIN_PROFILES["conservative"], name="income", delta_min=0.18, delta_max=0.22
    )
    assert resolved["wide"] == replace(BUILTIN_PROFILES["moderate"], name="wide", max_p_itm=0.5)
    assert resolved["aggressive"] == BUILTIN_PROFILES["aggressive"]


@pytest.mark.parametrize(
    ("configured", "problem"),
    [
        ({"moderate": {"delta": [0.3, 0.2]}}, "profile moderate: delta must satisfy"),
        ({"moderate": {"dte": [7.5, 30]}}, "dte must be a pair of integers"),
        ({"moderate": {"delta": 0.25}}, "delta must be a pair"),
        ({"moderate": {"max_p_itm": 1.5}}, "max_p_itm must be a number in (0, 1]"),
        ({"moderate": {"speed": 1}}, "unknown field 'speed'"),
        ({"income": {"base": "income2"}}, "base must be one of"),
        ({"9lives": {}}, "profile name '9lives'"),
        ({"income": [1, 2]}, "must be a mapping"),
        ([1, 2], "must be a mapping"),
    ],
)
def test_invalid_profiles_name_the_problem(configured: Any, problem: str) -> None:
    with pytest.raises(ValueError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        resolve_profiles(configured)


# --- the pick and its warnings --------------------------------------------------------------------


def run(
    contracts: Sequence[OptionContract],
    *,
    wheel: WheelTerms | None = None,
    profile: Profile = MODERATE,
    settings: Settings | None = None,
    **underlying: Any,
):
    values: dict[str, Any] = {"symbol": "XYZ", "price": 100.0, "closes": neutral(0.01)}
    values.update(underlying)
    return recommend(
        TODAY,
        Underlying(**values),
        contracts,
        wheel or WheelTerms("put", capital_cents=1_000_000),
        profile,
        settings or Settings(),
    )


def test_the_pick_is_the_delta_closest_to_the_target_inside_the_window() -> None:
    chain = [
        option(96.0, delta=-0.31),
        option(95.0, delta=-0.27),  # |0.27 − 0.275| = 0.005: the pick
        option(94.0, delta=-0.22),
        option(93.0, delta=-0.18),
        option(95.0, expiration=date(2026, 12, 31), delta=-0.26),  # 0.015 away
        option(95.0, expiration=date(2026, 12, 11), delta=-0.275),  # exact, but 17 DTE: outside 21–45
        option(95.0, expiration=date(2027, 1, 15), delta=-0.275),  # exact, but 52 DTE: outside
        option(97.0, delta=-0.275, bid=0.0, ask=0.05),  # exact, but no bid: cannot be sold
    ]
    rec = run(chain)
    assert rec.pick is not None
    assert (rec.pick.strike, rec.pick.expiration_date, rec.pick.delta) == (95.0, "2026-12-24", -0.27)
    labels = {(a.label, a.strike, a.expiration_date) for a in rec.alternatives}
    assert labels == {
        ("one strike further from the money", 94.0, "2026-12-24"),
        ("one strike closer to the money", 96.0, "2026-12-24"),
        ("best of the next expiration", 95.0, "2026-12-31"),
    }
    assert rec.basis["candidates"] == 5 and rec.basis["method"] == "delta"


def test_contract_figures_by_hand() -> None:
    # bid 1.00, ask 1.04: mid 1.02, premium 102.00, collateral 9,500.00, yield 1.0737 %, × 365/30 = 13.06 %
    rec = run([option()], wheel=WheelTerms("put", capital_cents=2_000_000))
    pick = rec.pick
    assert pick is not None
    assert (pick.mid, pick.premium_cents, pick.collateral_cents) == (1.02, 10200, 950000)
    assert pick.premium_yield_pct == round(102 / 9500 * 100, 2)
    assert pick.annualized_yield_pct == round(102 / 9500 * 100 * 365 / 30, 2)
    assert pick.spread_pct == round(0.04 / 1.02 * 100, 2)
    assert pick.break_even == 93.98  # 95 − 1.02
    assert pick.contracts == 2  # 20,000 // 9,500
    hv = math.sqrt(30 * 0.01**2 / 29) * math.sqrt(252)
    t = 30 / 365
    d2 = (math.log(100 / 95) + (0.04 - hv * hv / 2) * t) / (hv * math.sqrt(t))
    assert pick.p_itm == pytest.approx(n_cdf(-d2), abs=5e-5)
    assert pick.sigma_distance == pytest.approx(math.log(100 / 95) / (hv * math.sqrt(t)), abs=5e-4)
    assert rec.basis["hv30"] == pytest.approx(hv, abs=5e-5) and rec.basis["sigma_volatility"] == "hv30"


def test_short_history_uses_each_contracts_iv() -> None:
    rec = run([option(iv=0.25)], closes=[100.0] * 10)
    assert rec.pick is not None and rec.basis["sigma_volatility"] == "contract_iv"
    assert rec.pick.sigma_distance == pytest.approx(0.7157, abs=1e-3)  # the worked example: σ = 0.25


def test_a_chain_without_deltas_is_ranked_by_the_sigma_band() -> None:
    # σ = HV30 0.16146, 30 DTE: σ√t = 0.046289; moderate's σ midpoint 1.25 → |ln(K/100)| ≈ 0.0579 → K ≈ 94.4
    chain = [option(k, delta=None) for k in (97.0, 96.0, 95.0, 94.0, 93.0, 92.0)]
    rec = run(chain)
    assert rec.basis["method"] == "sigma"
    assert rec.pick is not None and rec.pick.strike == 94.0


def wheel_put(capital: int = 1_000_000) -> WheelTerms:
    return WheelTerms("put", capital_cents=capital)


def shares(basis: str = "90") -> WheelTerms:
    return WheelTerms("call", 0, 100, Decimal(basis), Decimal(basis))


PUT_ROWS: list[tuple[str, dict[str, Any], dict[str, Any], set[str]]] = [
    ("baseline", {}, {}, set()),
    ("earnings before expiration", {}, {"earnings": [date(2026, 12, 10)]}, {"EARNINGS_BEFORE_EXPIRATION"}),
    ("earnings on expiration day", {}, {"earnings": [date(2026, 12, 24)]}, {"EARNINGS_BEFORE_EXPIRATION"}),
    ("earnings after expiration", {}, {"earnings": [date(2026, 12, 28)]}, set()),
    ("ex-dividend is no put's concern", {}, {"ex_dividends": [date(2026, 12, 10)]}, set()),
    ("capital below collateral", {"capital": 949_999}, {}, {"INSUFFICIENT_CAPITAL"}),
    ("capital equal to collateral", {"capital": 950_000}, {}, set()),
    ("open interest 99 < 100", {"open_interest": 99}, {}, {"THIN_LIQUIDITY"}),
    ("open interest 100", {"open_interest": 100}, {}, set()),
    ("open interest unknown", {"open_interest": None}, {}, {"THIN_LIQUIDITY"}),
    ("spread 10.73 % > 10 %", {"bid": 0.97, "ask": 1.08}, {}, {"THIN_LIQUIDITY"}),
    ("spread 9.9 % ≤ 10 %", {"bid": 0.96, "ask": 1.06}, {}, set()),
    # mid 0.31 → 31 / 9,500 × 365 / 30 = 3.97 % a year < 8 %
    ("low premium yield", {"bid": 0.30, "ask": 0.32}, {}, {"LOW_PREMIUM_YIELD"}),
    # HV30 of ±5 % days ≈ 0.807: P(ITM) of the 95 put ≈ 0.41 > moderate's 0.35
    ("high P(ITM)", {"iv": 0.9}, {"closes": neutral(0.05)}, {"HIGH_P_ITM"}),
    # ±2 % days: HV30 ≈ 0.323, P(ITM) ≈ 0.29 ≤ 0.35
    ("P(ITM) under the limit", {}, {"closes": neutral(0.02)}, set()),
    ("7 DTE is short", {"expiration": TODAY + timedelta(days=7)}, {}, {"SHORT_DTE"}),
    ("8 DTE is not", {"expiration": TODAY + timedelta(days=8)}, {}, set()),
    # realized volatility ramps 0.08 → 0.32 over a year: an ATM IV of 0.05 ranks 0, of 0.60 ranks 100
    ("low IV rank", {"iv": 0.05}, {"closes": ramping(250, 0.005, 0.02)}, {"LOW_IV_RANK"}),
    ("high IV rank", {"iv": 0.60}, {"closes": ramping(250, 0.005, 0.02)}, set()),
]


@pytest.mark.parametrize(("contract", "underlying", "codes"), [r[1:] for r in PUT_ROWS], ids=[r[0] for r in PUT_ROWS])
def test_put_warnings_trigger_and_do_not(contract: dict[str, Any], underlying: dict[str, Any], codes: set[str]) -> None:
    capital = contract.pop("capital", 1_000_000)
    short_window = replace(MODERATE, min_dte=1)
    rec = run([option(**contract)], wheel=wheel_put(capital), profile=short_window, **underlying)
    assert rec.pick is not None
    assert {w.code for w in rec.warnings} == codes
    assert set(rec.pick.codes) == codes - {"LOW_IV_RANK"}  # IV rank is the symbol's, not the contract's


CALL_ROWS: list[tuple[str, dict[str, Any], str, set[str]]] = [
    ("covered call above the basis", {}, "90", set()),
    ("ex-dividend before expiration", {"ex_dividends": [date(2026, 12, 10)]}, "90", {"EX_DIVIDEND_BEFORE_EXPIRATION"}),
    ("ex-dividend after expiration", {"ex_dividends": [date(2027, 1, 10)]}, "90", set()),
    ("earnings before expiration", {"earnings": [date(2026, 11, 24)]}, "90", {"EARNINGS_BEFORE_EXPIRATION"}),
    ("basis equal to the strike", {}, "105", set()),
]


@pytest.mark.parametrize(("underlying", "basis", "codes"), [r[1:] for r in CALL_ROWS], ids=[r[0] for r in CALL_ROWS])
def test_call_warnings_trigger_and_do_not(underlying: dict[str, Any], basis: str, codes: set[str]) -> None:
    call = option(105.0, delta=0.25, direction="call")
    rec = run([call], wheel=shares(basis), **underlying)
    assert rec.pick is not None and rec.pick.strike == 105.0
    assert {w.code for w in rec.warnings} == codes
    assert rec.pick.collateral_cents == int(Decimal(basis) * 10_000)  # cost basis × 100, in cents


CALLS = [option(k, delta=d, direction="call") for k, d in ((100.0, 0.50), (102.0, 0.38), (104.0, 0.28), (106.0, 0.19))]


@pytest.mark.parametrize(
    ("basis", "pick", "alternatives"),
    [
        ("95", 104.0, [(106.0, False), (102.0, False)]),  # |0.28 − 0.275| is the closest
        ("103.99", 104.0, [(106.0, False), (102.0, True)]),  # the closer strike sits below the basis: marked
        ("104.01", 106.0, [(104.0, True)]),  # the best delta (104) is below the basis: listed, never the pick
        ("106", 106.0, [(104.0, True)]),  # a strike equal to the basis is not below it
    ],
)
def test_a_call_below_the_adjusted_cost_basis_is_never_the_pick(
    basis: str, pick: float, alternatives: list[tuple[float, bool]]
) -> None:
    # calls (one expiration, 30 DTE): 100 Δ0.50, 102 Δ0.38, 104 Δ0.28, 106 Δ0.19; target 0.275 (no trend)
    rec = run(CALLS, wheel=shares(basis))
    assert rec.pick is not None and rec.pick.strike == pick and not rec.pick.below_cost_basis
    assert [(a.strike, a.below_cost_basis) for a in rec.alternatives] == alternatives
    for alternative in rec.alternatives:
        assert ("CALL_BELOW_COST_BASIS" in alternative.codes) == alternative.below_cost_basis
    assert "CALL_BELOW_COST_BASIS" not in {w.code for w in rec.warnings}


@pytest.mark.parametrize("cents", range(9_900, 10_800, 37))
def test_no_basis_ever_makes_a_below_basis_call_the_pick(cents: int) -> None:
    basis = Decimal(cents) / 100
    rec = run(CALLS, wheel=WheelTerms("call", 0, 100, basis, basis))
    if rec.pick is not None:
        assert Decimal(str(rec.pick.strike)) >= basis


def test_every_call_below_the_basis_means_no_pick_and_a_warning_saying_why() -> None:
    rec = run(CALLS, wheel=shares("120"))
    assert rec.pick is None
    (warning,) = rec.warnings
    assert warning.code == "CALL_BELOW_COST_BASIS"
    assert "every call" in warning.message and "120.00" in warning.message and "106.00" in warning.message
    assert rec.alternatives and all(a.below_cost_basis for a in rec.alternatives)


def test_an_empty_window_means_no_pick() -> None:
    rec = run([option(expiration=date(2027, 3, 19))])
    assert rec.pick is None and rec.alternatives == []
    assert [w.code for w in rec.warnings] == ["NO_CONTRACTS"]


def test_an_unknown_profile_and_an_unread_earnings_calendar_are_said() -> None:
    rec = recommend(
        TODAY,
        Underlying("XYZ", 100.0, neutral(0.01), earnings_known=False),
        [option()],
        wheel_put(),
        MODERATE,
        Settings(),
        requested_profile="yolo",
    )
    assert [w.code for w in rec.warnings] == ["UNKNOWN_PROFILE", "EARNINGS_UNKNOWN"]
    assert "'yolo'" in rec.warnings[0].message and rec.basis["earnings"] is None


def test_trend_shifts_the_pick() -> None:
    # the same chain; an uptrend moves the put target to 0.305 (strike 96), a downtrend to 0.245 (strike 94)
    chain = [option(96.0, delta=-0.30), option(95.0, delta=-0.275), option(94.0, delta=-0.25)]
    rising = [100.0 * math.exp(0.002 * i) for i in range(60)]
    falling = [100.0 * math.exp(-0.002 * i) for i in range(60)]
    picks = {}
    for name, closes in (("bullish", rising), ("bearish", falling), ("neutral", neutral(0.01))):
        rec = run(chain, closes=closes, price=closes[-1])
        assert rec.basis["trend"] == name
        picks[name] = rec.pick.strike if rec.pick else None
    assert picks == {"bullish": 96.0, "bearish": 94.0, "neutral": 95.0}
