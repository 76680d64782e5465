"""The next trade of a wheel (FR-18): pick a contract from an option chain by profile, trend and warnings.

Definitions (DESIGN.md "Recommendation", with the legacy CLI's σ method reported beside delta):
- **HV30**: sample standard deviation of the last 30 daily log returns of the closes, × √252.
- **σ distance** = |ln(K / S)| / (HV30 × √(DTE / 365)), DTE in calendar days.
- **P(ITM)** = N(d2) for a call, N(−d2) for a put, Black-Scholes with σ = HV30, the configured risk-free
  rate, no dividend yield, t = DTE / 365. HV30 (what the price actually did) drives σ distance and
  P(ITM) as in the legacy CLI; **delta is the chain's**, from the provider's implied volatility.
  With fewer than 31 closes each contract's own IV stands in for HV30 (`basis.sigma_volatility`).
- **Trend**: bullish when the price is above both its 20- and 50-day simple averages, bearish when
  below both, neutral otherwise (or when history is too short).
- **Bias**: the profile's target |delta| (its band's midpoint) moves by `bias_delta_shift`. Bullish:
  puts closer to the money (more premium; a fall that would assign them is less likely), calls further
  (room for the rise, keep the shares). Bearish: the reverse.
- **Pick**: among contracts of the direction inside the profile's DTE window with a bid, the one whose
  |delta| is closest to the (biased) target; a call struck below the adjusted cost basis is never the
  pick. With no deltas in the chain, the σ distance closest to the σ band's midpoint is used instead.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, Protocol

from wheeld.domain.blackscholes import prob_itm
from wheeld.domain.money import format_money
from wheeld.domain.vocabulary import SHARES_PER_CONTRACT, normalize_profile

Side = Literal["put", "call"]
Trend = Literal["bullish", "bearish", "neutral"]

HV_WINDOW = 30
TRADING_DAYS_PER_YEAR = 252
SMA_SHORT, SMA_LONG = 20, 50
# The at-the-money IV used for IV rank is read at the expiration nearest this many days.
ATM_IV_DTE = 30
# Fewer realized-volatility observations than this give no IV rank (a range needs some history).
MIN_IV_HISTORY = 20
DEFAULT_PROFILE = "moderate"
# Providers give no history of implied volatility, so realized volatility stands in for its range.
IV_RANK_METHOD = "chain ATM IV (about 30 DTE) within the 52-week range of rolling 30-day realized volatility"

# Warning codes (each warning is a code and a message for people).
EARNINGS_BEFORE_EXPIRATION = "EARNINGS_BEFORE_EXPIRATION"
EX_DIVIDEND_BEFORE_EXPIRATION = "EX_DIVIDEND_BEFORE_EXPIRATION"
CALL_BELOW_COST_BASIS = "CALL_BELOW_COST_BASIS"
INSUFFICIENT_CAPITAL = "INSUFFICIENT_CAPITAL"
THIN_LIQUIDITY = "THIN_LIQUIDITY"
LOW_PREMIUM_YIELD = "LOW_PREMIUM_YIELD"
HIGH_P_ITM = "HIGH_P_ITM"
SHORT_DTE = "SHORT_DTE"
LOW_IV_RANK = "LOW_IV_RANK"
NO_CONTRACTS = "NO_CONTRACTS"
UNKNOWN_PROFILE = "UNKNOWN_PROFILE"
EARNINGS_UNKNOWN = "EARNINGS_UNKNOWN"
WARNING_CODES = (
    EARNINGS_BEFORE_EXPIRATION,
    EX_DIVIDEND_BEFORE_EXPIRATION,
    CALL_BELOW_COST_BASIS,
    INSUFFICIENT_CAPITAL,
    THIN_LIQUIDITY,
    LOW_PREMIUM_YIELD,
    HIGH_P_ITM,
    SHORT_DTE,
    LOW_IV_RANK,
    NO_CONTRACTS,
    UNKNOWN_PROFILE,
    EARNINGS_UNKNOWN,
)


# --- profiles ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """What a strategy profile aims for: a delta band, a σ band, a DTE window and a P(ITM) limit."""

    name: str
    delta_min: float
    delta_max: float
    sigma_min: float
    sigma_max: float
    min_dte: int
    max_dte: int
    max_p_itm: float

    @property
    def delta_target(self) -> float:
        """The middle of the delta band: what the pick aims for before the bias."""
        return (self.delta_min + self.delta_max) / 2.0

    @property
    def sigma_target(self) -> float:
        """The middle of the σ band (the target when a chain has no deltas)."""
        return (self.sigma_min + self.sigma_max) / 2.0

    def as_dict(self) -> dict[str, Any]:
        """The profile as the API and the config show it."""
        return {
            "name": self.name,
            "delta": [self.delta_min, self.delta_max],
            "sigma": [self.sigma_min, self.sigma_max],
            "dte": [self.min_dte, self.max_dte],
            "max_p_itm": self.max_p_itm,
        }


BUILTIN_PROFILES: dict[str, Profile] = {
    "conservative": Profile("conservative", 0.15, 0.20, 1.5, 2.0, 30, 45, 0.25),
    "moderate": Profile("moderate", 0.25, 0.30, 1.0, 1.5, 21, 45, 0.35),
    "aggressive": Profile("aggressive", 0.35, 0.40, 0.5, 1.0, 14, 30, 0.45),
    "defensive": Profile("defensive", 0.10, 0.15, 2.0, 2.5, 30, 60, 0.20),
}
PROFILE_FIELDS = ("base", "delta", "sigma", "dte", "max_p_itm")


def profile_table() -> dict[str, dict[str, Any]]:
    """The built-in profiles in the config's shape (the default of `recommendations.profiles`)."""
    return {name: {k: v for k, v in p.as_dict().items() if k != "name"} for name, p in BUILTIN_PROFILES.items()}


def _pair(spec: Mapping[str, Any], key: str, low: float, high: float, integer: bool = False) -> tuple[Any, Any]:
    value = spec[key]
    kinds = (int,) if integer else (int, float)
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(isinstance(v, kinds) and not isinstance(v, bool) for v in value)
    ):
        raise ValueError(f"{key} must be a pair of {'integers' if integer else 'numbers'} [min, max]")
    first, second = value
    if not (low <= first <= second <= high):
        raise ValueError(f"{key} must satisfy {low} <= min <= max <= {high}, got {list(value)}")
    return first, second


def _apply(base: Profile, name: str, spec: Mapping[str, Any]) -> Profile:
    unknown = sorted(set(spec) - set(PROFILE_FIELDS))
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r}; fields are {', '.join(PROFILE_FIELDS)}")
    profile = replace(base, name=name)
    if "delta" in spec:
        low, high = _pair(spec, "delta", 0.01, 0.99)
        profile = replace(profile, delta_min=float(low), delta_max=float(high))
    if "sigma" in spec:
        low, high = _pair(spec, "sigma", 0.0, 10.0)
        profile = replace(profile, sigma_min=float(low), sigma_max=float(high))
    if "dte" in spec:
        low, high = _pair(spec, "dte", 1, 730, integer=True)
        profile = replace(profile, min_dte=low, max_dte=high)
    if "max_p_itm" in spec:
        limit = spec["max_p_itm"]
        if isinstance(limit, bool) or not isinstance(limit, int | float) or not 0 < limit <= 1:
            raise ValueError("max_p_itm must be a number in (0, 1]")
        profile = replace(profile, max_p_itm=float(limit))
    return profile


def resolve_profiles(configured: Mapping[str, Any]) -> dict[str, Profile]:
    """The built-in profiles with `configured` (recommendations.profiles) merged over them field by field.

    A built-in name overrides only the fields it gives; a new name starts from `base` (default
    moderate). Raises ValueError naming the profile and the problem.
    """
    resolved = dict(BUILTIN_PROFILES)
    if not isinstance(configured, Mapping):
        raise ValueError("must be a mapping of profile name to {delta, sigma, dte, max_p_itm, base}")
    for raw_name, spec in configured.items():
        try:
            name = normalize_profile(str(raw_name))
        except ValueError as exc:
            raise ValueError(f"profile name {raw_name!r}: {exc}") from None
        if spec is None:
            spec = {}
        if not isinstance(spec, Mapping):
            raise ValueError(f"profile {name}: must be a mapping of {', '.join(PROFILE_FIELDS)}")
        base_name = spec.get("base", name if name in BUILTIN_PROFILES else DEFAULT_PROFILE)
        if base_name not in BUILTIN_PROFILES:
            raise ValueError(f"profile {name}: base must be one of {', '.join(BUILTIN_PROFILES)}")
        try:
            resolved[name] = _apply(resolved.get(name, BUILTIN_PROFILES[base_name]), name, spec)
        except ValueError as exc:
            raise ValueError(f"profile {name}: {exc}") from None
    return resolved


def profiles_problem(value: Any) -> str | None:
    """Why a `recommendations.profiles` value is invalid, or None (the config key's check)."""
    try:
        resolve_profiles(value)
    except ValueError as exc:
        return str(exc)
    return None


@dataclass(frozen=True)
class Settings:
    """The `recommendations.*` thresholds (profiles apart)."""

    bias_delta_shift: float = 0.03
    risk_free_rate: float = 0.04
    min_open_interest: int = 100
    max_spread_pct: float = 10.0
    min_annualized_yield_pct: float = 8.0
    min_iv_rank: float = 20.0
    short_dte: int = 7
    alternatives: int = 3


# --- inputs --------------------------------------------------------------------------------------


class ListedOption(Protocol):
    """What the recommendation reads of a listed option (marketdata's OptionContract fits)."""

    @property
    def symbol(self) -> str: ...
    @property
    def direction(self) -> str: ...
    @property
    def strike(self) -> float: ...
    @property
    def expiration(self) -> date: ...
    @property
    def bid(self) -> float | None: ...
    @property
    def ask(self) -> float | None: ...
    @property
    def delta(self) -> float | None: ...
    @property
    def iv(self) -> float | None: ...
    @property
    def open_interest(self) -> int | None: ...
    @property
    def volume(self) -> int | None: ...
    @property
    def mid(self) -> float | None: ...


@dataclass(frozen=True)
class Underlying:
    """What is known of the underlying: its price, daily closes (oldest first) and coming events."""

    symbol: str
    price: float
    closes: Sequence[float] = ()
    earnings: Sequence[date] = ()
    ex_dividends: Sequence[date] = ()
    # False when the earnings calendar could not be read (the warning would be silent otherwise).
    earnings_known: bool = True


@dataclass(frozen=True)
class WheelTerms:
    """What the recommendation reads of a wheel: the side to sell, capital, shares and cost basis."""

    direction: Side
    capital_cents: int | None = None
    shares: int = 0
    cost_basis: Decimal | None = None  # entry price per share, dollars
    adjusted_cost_basis: Decimal | None = None  # entry − net premium of the cycle / shares, dollars


@dataclass(frozen=True)
class TradeWarning:
    """Something to know before selling: a stable code and a sentence."""

    code: str
    message: str


# --- statistics ----------------------------------------------------------------------------------


def log_returns(closes: Sequence[float]) -> list[float]:
    """Daily log returns of consecutive closes."""
    return [math.log(b / a) for a, b in itertools.pairwise(closes) if a > 0 and b > 0]


def _stdev(values: Sequence[float]) -> float:
    # Two passes in floats: statistics.stdev is exact (Fractions) and some 100 times slower, which a
    # year of rolling windows per symbol cannot afford.
    mean = math.fsum(values) / len(values)
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))


def historical_volatility(closes: Sequence[float], window: int = HV_WINDOW) -> float | None:
    """Annualized volatility of the last `window` daily log returns (sample stdev × √252), or None."""
    if len(closes) < window + 1:
        return None
    returns = log_returns(closes[-(window + 1) :])
    if len(returns) < 2:
        return None
    return _stdev(returns) * math.sqrt(TRADING_DAYS_PER_YEAR)


def rolling_volatility(closes: Sequence[float], window: int = HV_WINDOW) -> list[float]:
    """HV over every `window`-return stretch of the closes, oldest first (the realized-vol history)."""
    returns = log_returns(closes)
    if len(returns) < window or window < 2:
        return []
    scale = math.sqrt(TRADING_DAYS_PER_YEAR)
    # Running sums slide the window in O(1) a day; a year of daily windows costs a few hundred steps.
    total = math.fsum(returns[:window])
    squares = math.fsum(r * r for r in returns[:window])
    found = []
    for end in range(window, len(returns) + 1):
        if end > window:
            leaving, entering = returns[end - window - 1], returns[end - 1]
            total += entering - leaving
            squares += entering * entering - leaving * leaving
        variance = (squares - total * total / window) / (window - 1)
        found.append(math.sqrt(max(variance, 0.0)) * scale)
    return found


def simple_average(closes: Sequence[float], days: int) -> float | None:
    """Mean of the last `days` closes, or None with fewer."""
    if len(closes) < days:
        return None
    return sum(closes[-days:]) / days


def iv_rank(current_iv: float | None, history: Sequence[float]) -> float | None:
    """Where `current_iv` sits in the range of `history`, 0–100 (clamped), or None when unknown."""
    if current_iv is None or len(history) < MIN_IV_HISTORY:
        return None
    low, high = min(history), max(history)
    if high <= low:
        return None
    return max(0.0, min(100.0, (current_iv - low) / (high - low) * 100.0))


def atm_iv(contracts: Sequence[ListedOption], price: float, today: date, target_dte: int = ATM_IV_DTE) -> float | None:
    """The IV of the strike nearest the price at the expiration nearest `target_dte` days (mean of both sides)."""
    priced = [c for c in contracts if c.iv is not None and c.iv > 0 and (c.expiration - today).days > 0]
    if not priced:
        return None
    expiration = min({c.expiration for c in priced}, key=lambda e: (abs((e - today).days - target_dte), e))
    at_expiry = [c for c in priced if c.expiration == expiration]
    strike = min({c.strike for c in at_expiry}, key=lambda k: (abs(k - price), k))
    ivs = [c.iv for c in at_expiry if c.strike == strike and c.iv is not None]
    return sum(ivs) / len(ivs)


def sigma_distance(price: float, strike: float, volatility: float | None, dte: int) -> float | None:
    """|ln(K/S)| in standard deviations of the move expected over DTE calendar days."""
    if volatility is None or volatility <= 0 or dte <= 0 or price <= 0 or strike <= 0:
        return None
    return abs(math.log(strike / price)) / (volatility * math.sqrt(dte / 365.0))


def probability_itm(
    direction: Side, price: float, strike: float, volatility: float | None, dte: int, rate: float
) -> float | None:
    """P(ITM) at expiry: N(d2) for a call, N(−d2) for a put (no dividend yield)."""
    if volatility is None or volatility <= 0 or price <= 0 or strike <= 0:
        return None
    return prob_itm(direction, price, strike, max(dte, 0) / 365.0, rate, volatility)


# --- trend and bias ------------------------------------------------------------------------------


def trend_of(price: float, sma_short: float | None, sma_long: float | None) -> Trend:
    """Bullish above both averages, bearish below both, neutral otherwise or when one is unknown."""
    if sma_short is None or sma_long is None:
        return "neutral"
    if price > sma_short and price > sma_long:
        return "bullish"
    if price < sma_short and price < sma_long:
        return "bearish"
    return "neutral"


@dataclass(frozen=True)
class Bias:
    """How the trend moved the delta target, and why."""

    trend: Trend
    base_target: float
    target: float
    shift: float
    strike_moved: Literal["closer", "further", "none"]
    reason: str


def apply_bias(
    direction: Side,
    trend: Trend,
    base_target: float,
    shift: float,
    price: float,
    sma_short: float | None,
    sma_long: float | None,
) -> Bias:
    """The biased |delta| target: bullish puts and bearish calls closer to the money, the others further."""
    if trend == "neutral" or shift == 0:
        where = (
            "history is too short for its 20- and 50-day averages"
            if sma_short is None or sma_long is None
            else f"price {price:.2f} is between its 20-day ({sma_short:.2f}) and 50-day ({sma_long:.2f}) averages"
        )
        reason = f"{where}: no trend, no bias; target delta {base_target:.3f}"
        return Bias(trend, base_target, base_target, 0.0, "none", reason)
    closer = (trend == "bullish") == (direction == "put")
    signed = shift if closer else -shift
    target = min(0.5, max(0.05, base_target + signed))
    side = "above" if trend == "bullish" else "below"
    why = {
        ("put", True): "more premium, while a fall that would assign the put is less likely",
        ("put", False): "more room for the fall before the put is assigned",
        ("call", True): "more premium while the price moves away from the strike",
        ("call", False): "room for the rise, so the shares are less likely to be called away",
    }[(direction, closer)]
    reason = (
        f"{trend}: price {price:.2f} is {side} its 20-day ({sma_short:.2f}) and 50-day ({sma_long:.2f}) averages, "
        f"so the {direction} moves {'closer to' if closer else 'further from'} the money "
        f"(target delta {base_target:.3f} → {target:.3f}): {why}"
    )
    return Bias(trend, base_target, target, target - base_target, "closer" if closer else "further", reason)


# --- contracts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractFigures:
    """One contract as recommended: market figures, model figures, yields and its own warnings."""

    label: str
    symbol: str
    direction: str
    strike: float
    expiration_date: str
    dte: int
    bid: float | None
    ask: float | None
    mid: float
    premium_cents: int
    delta: float | None
    iv: float | None
    sigma_distance: float | None
    p_itm: float | None
    open_interest: int | None
    volume: int | None
    spread_pct: float | None
    collateral_cents: int
    premium_yield_pct: float
    annualized_yield_pct: float
    break_even: float
    contracts: int
    in_delta_band: bool | None
    in_sigma_band: bool | None
    below_cost_basis: bool
    warnings: list[TradeWarning] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        """The codes of this contract's warnings."""
        return [w.code for w in self.warnings]


@dataclass(frozen=True)
class _Context:
    today: date
    underlying: Underlying
    wheel: WheelTerms
    profile: Profile
    settings: Settings
    volatility: float | None  # HV30, or None when history is too short


def _round(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)


def _dollars(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _money(cents: int) -> str:
    return format_money(cents)


def _collateral_cents(contract: ListedOption, ctx: _Context) -> int:
    if contract.direction == "put":
        return round(Decimal(str(contract.strike)) * 100 * SHARES_PER_CONTRACT)
    basis = ctx.wheel.cost_basis if ctx.wheel.cost_basis is not None else Decimal(str(ctx.underlying.price))
    return int((basis * 100 * SHARES_PER_CONTRACT).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _break_even(contract: ListedOption, mid: Decimal, ctx: _Context) -> float:
    if contract.direction == "put":
        return _dollars(Decimal(str(contract.strike)) - mid)
    basis = ctx.wheel.adjusted_cost_basis
    if basis is None:
        basis = ctx.wheel.cost_basis if ctx.wheel.cost_basis is not None else Decimal(str(ctx.underlying.price))
    return _dollars(basis - mid)


def _sellable(contract: ListedOption, collateral_cents: int, ctx: _Context) -> int:
    if contract.direction == "call":
        return ctx.wheel.shares // SHARES_PER_CONTRACT
    if ctx.wheel.capital_cents is None or collateral_cents <= 0:
        return 1
    return ctx.wheel.capital_cents // collateral_cents


def _below_basis(contract: ListedOption, ctx: _Context) -> bool:
    basis = ctx.wheel.adjusted_cost_basis
    return contract.direction == "call" and basis is not None and Decimal(str(contract.strike)) < basis


def _figures(contract: ListedOption, ctx: _Context, label: str = "pick") -> ContractFigures:
    """Every figure the API shows for one contract, with the contract's own warnings."""
    dte = (contract.expiration - ctx.today).days
    mid = Decimal(str(contract.mid if contract.mid is not None else 0.0))
    premium_cents = int((mid * 100 * SHARES_PER_CONTRACT).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    collateral = _collateral_cents(contract, ctx)
    vol = ctx.volatility if ctx.volatility is not None else contract.iv
    price = ctx.underlying.price
    sigma = sigma_distance(price, contract.strike, vol, dte)
    p_itm = probability_itm(contract.direction, price, contract.strike, vol, dte, ctx.settings.risk_free_rate)  # type: ignore[arg-type]
    yield_pct = premium_cents / collateral * 100.0 if collateral > 0 else 0.0
    spread = (
        (contract.ask - contract.bid) / float(mid) * 100.0
        if contract.bid is not None and contract.ask is not None and mid > 0
        else None
    )
    p = ctx.profile
    result = ContractFigures(
        label=label,
        symbol=contract.symbol,
        direction=contract.direction,
        strike=contract.strike,
        expiration_date=contract.expiration.isoformat(),
        dte=dte,
        bid=contract.bid,
        ask=contract.ask,
        mid=round(float(mid), 4),
        premium_cents=premium_cents,
        delta=_round(contract.delta, 4),
        iv=_round(contract.iv, 4),
        sigma_distance=_round(sigma, 3),
        p_itm=_round(p_itm, 4),
        open_interest=contract.open_interest,
        volume=contract.volume,
        spread_pct=_round(spread, 2),
        collateral_cents=collateral,
        premium_yield_pct=round(yield_pct, 2),
        annualized_yield_pct=round(yield_pct * 365.0 / dte, 2) if dte > 0 else 0.0,
        break_even=_break_even(contract, mid, ctx),
        contracts=_sellable(contract, collateral, ctx),
        in_delta_band=None if contract.delta is None else p.delta_min <= abs(contract.delta) <= p.delta_max,
        in_sigma_band=None if sigma is None else p.sigma_min <= sigma <= p.sigma_max,
        below_cost_basis=_below_basis(contract, ctx),
    )
    return replace(result, warnings=_contract_warnings(result, ctx))


def _contract_warnings(c: ContractFigures, ctx: _Context) -> list[TradeWarning]:
    """The warnings that depend on the contract: events before expiry, basis, capital, liquidity, yield, risk."""
    found: list[TradeWarning] = []
    expiration = date.fromisoformat(c.expiration_date)
    for day in sorted(d for d in ctx.underlying.earnings if ctx.today <= d <= expiration)[:1]:
        found.append(
            TradeWarning(
                EARNINGS_BEFORE_EXPIRATION,
                f"earnings on {day.isoformat()}, before the {c.expiration_date} expiration: "
                "the price may gap through the strike",
            )
        )
    if c.direction == "call":
        for day in sorted(d for d in ctx.underlying.ex_dividends if ctx.today <= d <= expiration)[:1]:
            found.append(
                TradeWarning(
                    EX_DIVIDEND_BEFORE_EXPIRATION,
                    f"ex-dividend on {day.isoformat()}, before the {c.expiration_date} expiration: "
                    "an in-the-money call may be assigned early for the dividend",
                )
            )
    if c.below_cost_basis and ctx.wheel.adjusted_cost_basis is not None:
        basis = ctx.wheel.adjusted_cost_basis
        found.append(
            TradeWarning(
                CALL_BELOW_COST_BASIS,
                f"strike {c.strike:.2f} is below the adjusted cost basis {_dollars(basis):.2f}: "
                f"being called away would lock in a loss of {_dollars(basis - Decimal(str(c.strike))):.2f} a share",
            )
        )
    capital = ctx.wheel.capital_cents
    if c.direction == "put" and capital is not None and c.collateral_cents > capital:
        found.append(
            TradeWarning(
                INSUFFICIENT_CAPITAL,
                f"collateral {_money(c.collateral_cents)} (strike × 100) exceeds the wheel's capital {_money(capital)}",
            )
        )
    found.extend(_market_warnings(c, ctx))
    return found


def _market_warnings(c: ContractFigures, ctx: _Context) -> list[TradeWarning]:
    s, found = ctx.settings, []
    thin = []
    if c.open_interest is None or c.open_interest < s.min_open_interest:
        thin.append(
            f"open interest {c.open_interest if c.open_interest is not None else 'unknown'} < {s.min_open_interest}"
        )
    if c.spread_pct is None or c.spread_pct > s.max_spread_pct:
        shown = f"{c.spread_pct:.1f} %" if c.spread_pct is not None else "unknown"
        thin.append(f"bid/ask spread {shown} of the mid > {s.max_spread_pct:g} %")
    if thin:
        found.append(TradeWarning(THIN_LIQUIDITY, "thin liquidity: " + "; ".join(thin) + " (fills may be poor)"))
    if c.annualized_yield_pct < s.min_annualized_yield_pct:
        found.append(
            TradeWarning(
                LOW_PREMIUM_YIELD,
                f"premium yield {c.premium_yield_pct:.2f} % ({c.annualized_yield_pct:.1f} % annualized) is below "
                f"{s.min_annualized_yield_pct:g} % annualized",
            )
        )
    if c.p_itm is not None and c.p_itm > ctx.profile.max_p_itm:
        found.append(
            TradeWarning(
                HIGH_P_ITM,
                f"P(ITM) {c.p_itm:.0%} is above the {ctx.profile.name} profile's limit of {ctx.profile.max_p_itm:.0%}",
            )
        )
    if c.dte <= s.short_dte:
        found.append(
            TradeWarning(SHORT_DTE, f"{c.dte} days to expiration (≤ {s.short_dte}): little time value, fast gamma")
        )
    return found


# --- the recommendation --------------------------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    """The pick (or None, with a warning saying why), alternatives, warnings and the numbers behind them."""

    pick: ContractFigures | None
    alternatives: list[ContractFigures]
    warnings: list[TradeWarning]
    basis: dict[str, Any]


def _candidates(contracts: Sequence[ListedOption], ctx: _Context) -> list[ListedOption]:
    p = ctx.profile
    return sorted(
        (
            c
            for c in contracts
            if c.direction == ctx.wheel.direction
            and p.min_dte <= (c.expiration - ctx.today).days <= p.max_dte
            and c.bid is not None
            and c.bid > 0
            and c.mid is not None
        ),
        key=lambda c: (c.expiration, c.strike),
    )


def _distance_key(ctx: _Context, target: float, method: str) -> Any:
    def key(c: ListedOption) -> tuple[float, int, float]:
        if method == "delta":
            gap = abs(abs(c.delta) - target) if c.delta is not None else math.inf
        else:
            vol = ctx.volatility if ctx.volatility is not None else c.iv
            sigma = sigma_distance(ctx.underlying.price, c.strike, vol, (c.expiration - ctx.today).days)
            gap = abs(sigma - ctx.profile.sigma_target) if sigma is not None else math.inf
        # Ties: the nearer expiration, then the strike further from the money (the safer one).
        further = c.strike if c.direction == "put" else -c.strike
        return (round(gap, 9), (c.expiration - ctx.today).days, further)

    return key


def _further(c: ListedOption, than: ListedOption) -> bool:
    return c.strike < than.strike if c.direction == "put" else c.strike > than.strike


def _alternatives(
    pick: ListedOption, candidates: list[ListedOption], eligible: list[ListedOption], key: Any, count: int
) -> list[tuple[str, ListedOption]]:
    same = [c for c in candidates if c.expiration == pick.expiration]
    further = sorted((c for c in same if _further(c, pick)), key=lambda c: abs(c.strike - pick.strike))
    closer = sorted((c for c in same if _further(pick, c)), key=lambda c: abs(c.strike - pick.strike))
    expirations = sorted({c.expiration for c in eligible})
    at = expirations.index(pick.expiration)
    neighbours = expirations[at + 1 : at + 2] + expirations[max(at - 1, 0) : at]
    chosen: list[tuple[str, ListedOption]] = []
    if further:
        chosen.append(("one strike further from the money", further[0]))
    if closer:
        chosen.append(("one strike closer to the money", closer[0]))
    for expiration in neighbours:
        best = min((c for c in eligible if c.expiration == expiration), key=key)
        later = expiration > pick.expiration
        chosen.append((f"best of the {'next' if later else 'previous'} expiration", best))
    return chosen[:count]


def recommend(
    today: date,
    underlying: Underlying,
    contracts: Sequence[ListedOption],
    wheel: WheelTerms,
    profile: Profile,
    settings: Settings,
    *,
    requested_profile: str | None = None,
) -> Recommendation:
    """The next contract to sell for a wheel: the pick, 2–3 alternatives, warnings and the basis."""
    closes = list(underlying.closes)
    hv = historical_volatility(closes)
    sma_short, sma_long = simple_average(closes, SMA_SHORT), simple_average(closes, SMA_LONG)
    trend = trend_of(underlying.price, sma_short, sma_long)
    bias = apply_bias(
        wheel.direction, trend, profile.delta_target, settings.bias_delta_shift, underlying.price, sma_short, sma_long
    )
    ctx = _Context(today, underlying, wheel, profile, settings, hv)
    current_iv = atm_iv(contracts, underlying.price, today)
    rank = iv_rank(current_iv, rolling_volatility(closes))
    candidates = _candidates(contracts, ctx)
    method = "delta" if any(c.delta is not None for c in candidates) else "sigma"
    key = _distance_key(ctx, bias.target, method)
    eligible = [c for c in candidates if not _below_basis(c, ctx)]
    if method == "delta":
        eligible = [c for c in eligible if c.delta is not None]
    warnings: list[TradeWarning] = []
    if requested_profile is not None and requested_profile != profile.name:
        warnings.append(
            TradeWarning(
                UNKNOWN_PROFILE,
                f"profile {requested_profile!r} is not defined in recommendations.profiles; "
                f"{profile.name}'s parameters were used",
            )
        )
    pick: ContractFigures | None = None
    alternatives: list[ContractFigures] = []
    if eligible:
        chosen = min(eligible, key=key)
        pick = _figures(chosen, ctx)
        alternatives = [
            _figures(c, ctx, label)
            for label, c in _alternatives(chosen, candidates, eligible, key, settings.alternatives)
        ]
    elif candidates:
        warnings.append(_all_below_basis(candidates, ctx))
        ranked = sorted(candidates, key=key)[: settings.alternatives]
        alternatives = [_figures(c, ctx, "below the adjusted cost basis") for c in ranked]
    else:
        warnings.append(
            TradeWarning(
                NO_CONTRACTS,
                f"no {wheel.direction} with a bid in the {profile.min_dte}–{profile.max_dte} day window of the "
                f"{profile.name} profile",
            )
        )
    if rank is not None and rank < settings.min_iv_rank:
        warnings.append(
            TradeWarning(
                LOW_IV_RANK, f"IV rank {rank:.0f} is below {settings.min_iv_rank:g}: premiums are cheap for this symbol"
            )
        )
    if not underlying.earnings_known:
        warnings.append(
            TradeWarning(EARNINGS_UNKNOWN, "the earnings calendar could not be read: check the dates yourself")
        )
    if pick is not None:
        warnings.extend(pick.warnings)
    basis = {
        "symbol": underlying.symbol,
        "direction": wheel.direction,
        "price": underlying.price,
        "hv30": _round(hv, 4),
        "sigma_volatility": "hv30" if hv is not None else "contract_iv",
        "sma20": _round(sma_short, 2),
        "sma50": _round(sma_long, 2),
        "trend": trend,
        "bias": {
            "trend": bias.trend,
            "base_target_delta": round(bias.base_target, 4),
            "target_delta": round(bias.target, 4),
            "shift": round(bias.shift, 4),
            "strike_moved": bias.strike_moved,
            "reason": bias.reason,
        },
        "method": method,
        "atm_iv": _round(current_iv, 4),
        "iv_rank": _round(rank, 1),
        "iv_rank_method": IV_RANK_METHOD if rank is not None else None,
        "profile": profile.as_dict(),
        "risk_free_rate": settings.risk_free_rate,
        "adjusted_cost_basis": _dollars(wheel.adjusted_cost_basis) if wheel.adjusted_cost_basis is not None else None,
        "capital": wheel.capital_cents,
        "shares": wheel.shares,
        "candidates": len(candidates),
        "earnings": [d.isoformat() for d in sorted(underlying.earnings)] if underlying.earnings_known else None,
        "ex_dividends": [d.isoformat() for d in sorted(underlying.ex_dividends)],
    }
    return Recommendation(pick, alternatives, warnings, basis)


def _all_below_basis(candidates: Sequence[ListedOption], ctx: _Context) -> TradeWarning:
    basis = ctx.wheel.adjusted_cost_basis
    assert basis is not None
    highest = max(c.strike for c in candidates)
    return TradeWarning(
        CALL_BELOW_COST_BASIS,
        f"no call is recommended: every call in the {ctx.profile.min_dte}–{ctx.profile.max_dte} day window "
        f"(highest strike {highest:.2f}) is below the adjusted cost basis {_dollars(basis):.2f}, so being called "
        "away would lock in a loss; wait, or choose a strike yourself knowingly",
    )
