"""The warnings of a recommendation: their stable codes, `TradeWarning` and the rules that raise them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from wheeld.domain.money import format_money
from wheeld.domain.recommendation.figures import Context, ContractFigures, dollars
from wheeld.domain.recommendation.inputs import ListedOption

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


@dataclass(frozen=True)
class TradeWarning:
    """Something to know before selling: a stable code and a sentence."""

    code: str
    message: str


def contract_warnings(c: ContractFigures, ctx: Context) -> list[TradeWarning]:
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
                f"strike {c.strike:.2f} is below the adjusted cost basis {dollars(basis):.2f}: "
                f"being called away would lock in a loss of {dollars(basis - Decimal(str(c.strike))):.2f} a share",
            )
        )
    capital = ctx.wheel.capital_cents
    if c.direction == "put" and capital is not None and c.collateral_cents > capital:
        found.append(
            TradeWarning(
                INSUFFICIENT_CAPITAL,
                f"collateral {format_money(c.collateral_cents)} (strike × 100) exceeds the wheel's capital "
                f"{format_money(capital)}",
            )
        )
    found.extend(market_warnings(c, ctx))
    return found


def market_warnings(c: ContractFigures, ctx: Context) -> list[TradeWarning]:
    """The warnings of the market: liquidity, yield, P(ITM) over the profile's limit, short DTE."""
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


def all_below_basis(candidates: Sequence[ListedOption], ctx: Context) -> TradeWarning:
    """Why no call is the pick: every candidate is struck below the adjusted cost basis."""
    basis = ctx.wheel.adjusted_cost_basis
    assert basis is not None
    highest = max(c.strike for c in candidates)
    return TradeWarning(
        CALL_BELOW_COST_BASIS,
        f"no call is recommended: every call in the {ctx.profile.min_dte}–{ctx.profile.max_dte} day window "
        f"(highest strike {highest:.2f}) is below the adjusted cost basis {dollars(basis):.2f}, so being called "
        "away would lock in a loss; wait, or choose a strike yourself knowingly",
    )
