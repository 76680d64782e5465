"""The decided words of the domain: wheel states, trade outcomes, directions, profiles, symbols."""

from __future__ import annotations

import re
from enum import StrEnum


class WheelState(StrEnum):
    """Where a wheel is in its cycle."""

    CASH = "cash"
    SHORT_PUT = "short_put"
    SHARES = "shares"
    SHORT_CALL = "short_call"


class Outcome(StrEnum):
    """What became of a short option."""

    OPEN = "open"
    EXPIRED = "expired"
    ASSIGNED = "assigned"
    CLOSED = "closed"
    ROLLED = "rolled"


class Direction(StrEnum):
    """The kind of option sold."""

    PUT = "put"
    CALL = "call"


class Result(StrEnum):
    """Win or loss of a settled trade."""

    WIN = "win"
    LOSS = "loss"


SETTLE_OUTCOMES = (Outcome.EXPIRED, Outcome.ASSIGNED, Outcome.CLOSED)
BUILTIN_PROFILES = ("conservative", "moderate", "aggressive", "defensive")
SHARES_PER_CONTRACT = 100
_SYMBOL = re.compile(r"^[A-Z0-9.\-]{1,10}$")
_PROFILE = re.compile(r"^[a-z][a-z0-9_\-]{0,31}$")


def normalize_symbol(raw: str) -> str:
    """Upper-case and check a ticker: 1–10 characters of A–Z 0–9 . - (BRK.B, BF-B)."""
    symbol = raw.strip().upper()
    if not _SYMBOL.match(symbol):
        raise ValueError("must be 1-10 characters of A-Z, 0-9, '.' or '-'")
    return symbol


def normalize_profile(raw: str) -> str:
    """Lower-case and check a profile name (a built-in or a user-defined one)."""
    profile = raw.strip().lower()
    if not _PROFILE.match(profile):
        raise ValueError("must start with a letter and hold at most 32 of a-z, 0-9, '_' or '-'")
    return profile
