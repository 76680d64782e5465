"""The simulated symbols: each one's fixed profile, and the stable randomness every simulated figure is drawn from.

Every draw is seeded from a BLAKE2 digest of its parts (symbol, date, ...), never from Python's salted
`hash()`, so the same symbol and day give the same numbers on any machine and in any process.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

# symbol: (base price, annual volatility, dividend yield, reports earnings, average daily volume)
_KNOWN: dict[str, tuple[float, float, float, bool, int]] = {
    "AAPL": (230.0, 0.26, 0.0045, True, 55_000_000),
    "MSFT": (420.0, 0.24, 0.0075, True, 21_000_000),
    "NVDA": (130.0, 0.50, 0.0003, True, 250_000_000),
    "AMZN": (190.0, 0.32, 0.0, True, 40_000_000),
    "GOOGL": (170.0, 0.30, 0.005, True, 28_000_000),
    "META": (560.0, 0.38, 0.0035, True, 14_000_000),
    "TSLA": (250.0, 0.58, 0.0, True, 95_000_000),
    "AMD": (150.0, 0.48, 0.0, True, 45_000_000),
    "SPY": (560.0, 0.16, 0.013, False, 60_000_000),
    "QQQ": (480.0, 0.21, 0.006, False, 35_000_000),
    "IWM": (220.0, 0.23, 0.012, False, 30_000_000),
    "KO": (68.0, 0.16, 0.029, True, 13_000_000),
    "JPM": (220.0, 0.24, 0.021, True, 9_000_000),
    "XOM": (115.0, 0.26, 0.033, True, 16_000_000),
    "PFE": (27.0, 0.26, 0.062, True, 35_000_000),
    "T": (22.0, 0.22, 0.05, True, 30_000_000),
    "BAC": (42.0, 0.28, 0.024, True, 35_000_000),
    "INTC": (22.0, 0.48, 0.0, True, 60_000_000),
    "F": (11.0, 0.36, 0.055, True, 50_000_000),
    "PLTR": (40.0, 0.62, 0.0, True, 60_000_000),
    "SOFI": (10.0, 0.60, 0.0, True, 45_000_000),
    "DIS": (100.0, 0.28, 0.009, True, 9_000_000),
}


def digest(*parts: object) -> bytes:
    """A 32-byte BLAKE2 digest of the parts joined by |."""
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=32).digest()


def stable_seed(*parts: object) -> int:
    """A stable 64-bit seed from the parts (unlike hash(), the same in every process)."""
    return int.from_bytes(digest(*parts)[:8], "big")


def stable_uniforms(*parts: object) -> tuple[float, float, float, float]:
    """Four stable uniforms in [0, 1) from the parts."""
    raw = digest(*parts)
    return tuple(  # type: ignore[return-value]
        int.from_bytes(raw[i : i + 8], "big") / 2.0**64 for i in range(0, 32, 8)
    )


@dataclass(frozen=True, slots=True)
class SymbolProfile:
    """What the simulation assumes about one symbol."""

    symbol: str
    base_price: float
    volatility: float
    dividend_yield: float
    reports_earnings: bool
    average_volume: int


def symbol_profile(symbol: str) -> SymbolProfile:
    """The fixed simulation profile of `symbol` (well-known tickers get plausible figures)."""
    if symbol in _KNOWN:
        price, vol, yield_, earnings, volume = _KNOWN[symbol]
        return SymbolProfile(symbol, price, vol, yield_, earnings, volume)
    u_price, u_vol, u_div, u_volume = stable_uniforms("profile", symbol)
    u_yield = stable_uniforms("yield", symbol)[0]
    return SymbolProfile(
        symbol=symbol,
        base_price=round(20.0 * 20.0**u_price, 2),  # log-uniform 20..400 $
        volatility=round(0.20 + 0.40 * u_vol, 4),  # 20..60 %
        dividend_yield=round(0.005 + 0.035 * u_yield, 4) if u_div < 0.4 else 0.0,
        reports_earnings=True,
        average_volume=int(10 ** (5.5 + 2.0 * u_volume)),
    )
