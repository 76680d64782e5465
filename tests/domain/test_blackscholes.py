"""Black-Scholes-Merton against textbook figures, parity, greeks and implied volatility."""

import math

import pytest

from wheeld.domain.blackscholes import (
    bs_delta,
    bs_greeks,
    bs_price,
    d1_d2,
    implied_vol,
    norm_cdf,
    prob_itm,
)


def test_hull_example_call_and_put():
    # Hull, Options, Futures and Other Derivatives, Black-Scholes-Merton example:
    # S=42, K=40, r=10 %, sigma=20 %, T=0.5 -> d1=0.7693, d2=0.6278, c=4.76, p=0.81.
    d1, d2 = d1_d2(42, 40, 0.5, 0.10, 0.20)
    assert d1 == pytest.approx(0.7693, abs=5e-5)
    assert d2 == pytest.approx(0.6278, abs=5e-5)
    assert round(bs_price("call", 42, 40, 0.5, 0.10, 0.20), 2) == 4.76
    assert round(bs_price("put", 42, 40, 0.5, 0.10, 0.20), 2) == 0.81


@pytest.mark.parametrize(
    ("kind", "spot", "strike", "t", "rate", "vol", "expected"),
    [
        # Hull end-of-chapter problems (answers to two decimals).
        ("call", 52, 50, 0.25, 0.12, 0.30, 5.06),
        ("put", 69, 70, 0.5, 0.05, 0.35, 6.40),
    ],
)
def test_more_textbook_prices(kind, spot, strike, t, rate, vol, expected):
    assert round(bs_price(kind, spot, strike, t, rate, vol), 2) == expected


@pytest.mark.parametrize(
    ("spot", "strike", "t", "rate", "vol", "dividend"),
    [
        (42, 40, 0.5, 0.10, 0.20, 0.0),
        (100, 120, 1.0, 0.04, 0.35, 0.02),
        (230, 200, 30 / 365, 0.04, 0.26, 0.0045),
        (10, 12.5, 7 / 365, 0.05, 0.60, 0.0),
    ],
)
def test_put_call_parity(spot, strike, t, rate, vol, dividend):
    call = bs_price("call", spot, strike, t, rate, vol, dividend)
    put = bs_price("put", spot, strike, t, rate, vol, dividend)
    forward_value = spot * math.exp(-dividend * t) - strike * math.exp(-rate * t)
    assert call - put == pytest.approx(forward_value, abs=1e-9)
    call_delta = bs_delta("call", spot, strike, t, rate, vol, dividend)
    put_delta = bs_delta("put", spot, strike, t, rate, vol, dividend)
    assert call_delta - put_delta == pytest.approx(math.exp(-dividend * t))


def test_prob_itm_is_n_of_d2():
    _, d2 = d1_d2(42, 40, 0.5, 0.10, 0.20)
    assert prob_itm("call", 42, 40, 0.5, 0.10, 0.20) == pytest.approx(norm_cdf(d2))
    assert prob_itm("put", 42, 40, 0.5, 0.10, 0.20) == pytest.approx(norm_cdf(-d2))
    assert prob_itm("call", 42, 40, 0.5, 0.10, 0.20) == pytest.approx(0.7350, abs=1e-4)


@pytest.mark.parametrize("kind", ["call", "put"])
def test_greeks_match_finite_differences(kind):
    spot, strike, t, rate, vol, q = 100.0, 95.0, 45 / 365, 0.04, 0.30, 0.01
    g = bs_greeks(kind, spot, strike, t, rate, vol, q)
    h = 1e-3

    def price(s=spot, tt=t, v=vol, r=rate):
        return bs_price(kind, s, strike, tt, r, v, q)

    assert g.price == pytest.approx(price())
    assert g.delta == pytest.approx((price(s=spot + h) - price(s=spot - h)) / (2 * h), rel=1e-5)
    gamma = (price(s=spot + 0.1) - 2 * price() + price(s=spot - 0.1)) / 0.01
    assert g.gamma == pytest.approx(gamma, rel=1e-3)
    # theta per calendar day, vega and rho per 1 percentage point
    assert g.theta == pytest.approx(price(tt=t - 1 / 365) - price(), rel=2e-2)
    assert g.vega == pytest.approx((price(v=vol + h) - price(v=vol - h)) / (2 * h) / 100, rel=1e-5)
    assert g.rho == pytest.approx((price(r=rate + h) - price(r=rate - h)) / (2 * h) / 100, rel=1e-5)
    assert g.delta == pytest.approx(bs_delta(kind, spot, strike, t, rate, vol, q))


@pytest.mark.parametrize("kind", ["call", "put"])
@pytest.mark.parametrize("vol", [0.08, 0.25, 0.6, 1.5])
@pytest.mark.parametrize("strike", [80.0, 100.0, 125.0])
def test_implied_vol_round_trip(kind, vol, strike):
    t = 60 / 365
    price = bs_price(kind, 100.0, strike, t, 0.04, vol, 0.01)
    found = implied_vol(kind, price, 100.0, strike, t, 0.04, 0.01)
    assert found is not None
    assert bs_price(kind, 100.0, strike, t, 0.04, found, 0.01) == pytest.approx(price, abs=1e-7)
    # Deep in the money at low volatility the price has no time value to pin volatility down.
    if bs_greeks(kind, 100.0, strike, t, 0.04, vol, 0.01).vega >= 1e-4:
        assert found == pytest.approx(vol, abs=1e-5)


def test_implied_vol_outside_arbitrage_bounds_is_none():
    # A call cannot be worth less than its discounted intrinsic value, nor more than the stock.
    assert implied_vol("call", 1.0, 100.0, 80.0, 0.5, 0.04) is None
    assert implied_vol("call", 150.0, 100.0, 80.0, 0.5, 0.04) is None
    assert implied_vol("put", 0.0, 100.0, 80.0, 0.5, 0.04) is None
    assert implied_vol("put", 1.0, 100.0, 80.0, 0.0, 0.04) is None


def test_expiry_and_zero_vol_give_intrinsic_values():
    assert bs_price("call", 105, 100, 0.0, 0.04, 0.3) == pytest.approx(5.0)
    assert bs_price("put", 105, 100, 0.0, 0.04, 0.3) == 0.0
    assert bs_price("put", 95, 100, -1.0, 0.04, 0.3) == pytest.approx(5.0)
    assert bs_delta("call", 105, 100, 0.0, 0.04, 0.3) == 1.0
    assert bs_delta("put", 105, 100, 0.0, 0.04, 0.3) == 0.0
    assert bs_delta("put", 95, 100, 0.0, 0.04, 0.3) == -1.0
    assert prob_itm("put", 95, 100, 0.0, 0.04, 0.3) == 1.0
    assert bs_greeks("call", 105, 100, 0.0, 0.04, 0.3).gamma == 0.0


@pytest.mark.parametrize(("kind", "spot", "strike"), [("straddle", 100, 100), ("call", 0, 100), ("put", 100, -5)])
def test_bad_inputs_are_refused(kind, spot, strike):
    with pytest.raises(ValueError):
        bs_price(kind, spot, strike, 0.5, 0.04, 0.3)


def test_normal_cdf_reference_points():
    assert norm_cdf(0.0) == 0.5
    assert norm_cdf(1.959963985) == pytest.approx(0.975, abs=1e-9)
    assert norm_cdf(-1.0) == pytest.approx(0.158655254, abs=1e-9)
