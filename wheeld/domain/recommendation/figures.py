"""One contract's figures as recommended: premium, collateral, yields, break-even, σ distance, P(ITM)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from wheeld.domain.recommendation.inputs import ListedOption, Underlying, WheelTerms
from wheeld.domain.recommendation.profiles import Profile, Settings
from wheeld.domain.recommendation.volatility import probability_itm, sigma_distance
from wheeld.domain.vocabulary import SHARES_PER_CONTRACT

if TYPE_CHECKING:
    # Only an annotation: the warning rules read these figures, so warnings imports this module.
    from wheeld.domain.recommendation.warnings import TradeWarning


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
class Context:
    """Everything one recommendation's figures and warnings read."""

    today: date
    underlying: Underlying
    wheel: WheelTerms
    profile: Profile
    settings: Settings
    volatility: float | None  # HV30, or None when history is too short


def round_or_none(value: float | None, places: int) -> float | None:
    """`value` rounded to `places`, None kept."""
    return None if value is None else round(value, places)


def dollars(value: Decimal) -> float:
    """Exact dollars as a two-decimal float (half up), for display."""
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _collateral_cents(contract: ListedOption, ctx: Context) -> int:
    if contract.direction == "put":
        return round(Decimal(str(contract.strike)) * 100 * SHARES_PER_CONTRACT)
    basis = ctx.wheel.cost_basis if ctx.wheel.cost_basis is not None else Decimal(str(ctx.underlying.price))
    return int((basis * 100 * SHARES_PER_CONTRACT).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _break_even(contract: ListedOption, mid: Decimal, ctx: Context) -> float:
    if contract.direction == "put":
        return dollars(Decimal(str(contract.strike)) - mid)
    basis = ctx.wheel.adjusted_cost_basis
    if basis is None:
        basis = ctx.wheel.cost_basis if ctx.wheel.cost_basis is not None else Decimal(str(ctx.underlying.price))
    return dollars(basis - mid)


def _sellable(contract: ListedOption, collateral_cents: int, ctx: Context) -> int:
    if contract.direction == "call":
        return ctx.wheel.shares // SHARES_PER_CONTRACT
    if ctx.wheel.capital_cents is None or collateral_cents <= 0:
        return 1
    return ctx.wheel.capital_cents // collateral_cents


def below_basis(contract: ListedOption, ctx: Context) -> bool:
    """A call struck below the adjusted cost basis (never the pick)."""
    basis = ctx.wheel.adjusted_cost_basis
    return contract.direction == "call" and basis is not None and Decimal(str(contract.strike)) < basis


def contract_figures(contract: ListedOption, ctx: Context, label: str = "pick") -> ContractFigures:
    """Every figure the API shows for one contract, its warnings not yet attached."""
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
    return ContractFigures(
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
        delta=round_or_none(contract.delta, 4),
        iv=round_or_none(contract.iv, 4),
        sigma_distance=round_or_none(sigma, 3),
        p_itm=round_or_none(p_itm, 4),
        open_interest=contract.open_interest,
        volume=contract.volume,
        spread_pct=round_or_none(spread, 2),
        collateral_cents=collateral,
        premium_yield_pct=round(yield_pct, 2),
        annualized_yield_pct=round(yield_pct * 365.0 / dte, 2) if dte > 0 else 0.0,
        break_even=_break_even(contract, mid, ctx),
        contracts=_sellable(contract, collateral, ctx),
        in_delta_band=None if contract.delta is None else p.delta_min <= abs(contract.delta) <= p.delta_max,
        in_sigma_band=None if sigma is None else p.sigma_min <= sigma <= p.sigma_max,
        below_cost_basis=below_basis(contract, ctx),
    )
