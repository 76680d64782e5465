"""The next trade of a wheel (FR-18): pick a contract from an option chain by profile, trend and warnings.

The package holds `profiles`, `volatility` (price statistics), `trend` (and the bias it gives), `figures`
(one contract's numbers), `warnings` (codes and rules) and `selection` (candidates, the pick, alternatives);
every public name is importable from `wheeld.domain.recommendation` itself.

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

from wheeld.domain.recommendation.figures import (
    ContractFigures,
)
from wheeld.domain.recommendation.inputs import (
    ListedOption,
    Side,
    Underlying,
    WheelTerms,
)
from wheeld.domain.recommendation.profiles import (
    BUILTIN_PROFILES,
    DEFAULT_PROFILE,
    PROFILE_FIELDS,
    Profile,
    Settings,
    profile_table,
    profiles_problem,
    resolve_profiles,
)
from wheeld.domain.recommendation.selection import (
    Recommendation,
    recommend,
)
from wheeld.domain.recommendation.trend import (
    SMA_LONG,
    SMA_SHORT,
    Bias,
    Trend,
    apply_bias,
    trend_of,
)
from wheeld.domain.recommendation.volatility import (
    ATM_IV_DTE,
    HV_WINDOW,
    IV_RANK_METHOD,
    MIN_IV_HISTORY,
    TRADING_DAYS_PER_YEAR,
    atm_iv,
    historical_volatility,
    iv_rank,
    log_returns,
    probability_itm,
    rolling_volatility,
    sigma_distance,
    simple_average,
)
from wheeld.domain.recommendation.warnings import (
    CALL_BELOW_COST_BASIS,
    EARNINGS_BEFORE_EXPIRATION,
    EARNINGS_UNKNOWN,
    EX_DIVIDEND_BEFORE_EXPIRATION,
    HIGH_P_ITM,
    INSUFFICIENT_CAPITAL,
    LOW_IV_RANK,
    LOW_PREMIUM_YIELD,
    NO_CONTRACTS,
    SHORT_DTE,
    THIN_LIQUIDITY,
    UNKNOWN_PROFILE,
    WARNING_CODES,
    TradeWarning,
)

__all__ = [
    "ATM_IV_DTE",
    "BUILTIN_PROFILES",
    "CALL_BELOW_COST_BASIS",
    "DEFAULT_PROFILE",
    "EARNINGS_BEFORE_EXPIRATION",
    "EARNINGS_UNKNOWN",
    "EX_DIVIDEND_BEFORE_EXPIRATION",
    "HIGH_P_ITM",
    "HV_WINDOW",
    "INSUFFICIENT_CAPITAL",
    "IV_RANK_METHOD",
    "LOW_IV_RANK",
    "LOW_PREMIUM_YIELD",
    "MIN_IV_HISTORY",
    "NO_CONTRACTS",
    "PROFILE_FIELDS",
    "SHORT_DTE",
    "SMA_LONG",
    "SMA_SHORT",
    "THIN_LIQUIDITY",
    "TRADING_DAYS_PER_YEAR",
    "UNKNOWN_PROFILE",
    "WARNING_CODES",
    "Bias",
    "ContractFigures",
    "ListedOption",
    "Profile",
    "Recommendation",
    "Settings",
    "Side",
    "TradeWarning",
    "Trend",
    "Underlying",
    "WheelTerms",
    "apply_bias",
    "atm_iv",
    "historical_volatility",
    "iv_rank",
    "log_returns",
    "probability_itm",
    "profile_table",
    "profiles_problem",
    "recommend",
    "resolve_profiles",
    "rolling_volatility",
    "sigma_distance",
    "simple_average",
    "trend_of",
]
