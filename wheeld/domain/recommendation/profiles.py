"""Strategy profiles (delta band, σ band, DTE window, P(ITM) limit) and the `recommendations.*` settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from wheeld.domain.advice import AdviceThresholds
from wheeld.domain.vocabulary import normalize_profile

DEFAULT_PROFILE = "moderate"


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
    # The advice thresholds of an open option (see wheeld.domain.advice).
    expire_dte: int = 2
    take_profit_pct: float = 50.0
    roll_dte: int = 21

    @property
    def advice(self) -> AdviceThresholds:
        """The thresholds the advice rules read for a wheel of this profile."""
        return AdviceThresholds(self.expire_dte, self.take_profit_pct, self.roll_dte)

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
PROFILE_FIELDS = ("base", "delta", "sigma", "dte", "max_p_itm", "expire_dte", "take_profit_pct", "roll_dte")


def _advice_threshold(spec: Mapping[str, Any], key: str, low: float, high: float, integer: bool) -> Any:
    value = spec[key]
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        kind = "an integer" if integer else "a number"
        raise ValueError(f"{key} must be {kind} in [{low:g}, {high:g}]")
    return value if integer else float(value)


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
    for key, low, high, integer in (
        ("expire_dte", 0, 730, True),
        ("take_profit_pct", 0.01, 100, False),
        ("roll_dte", 0, 730, True),
    ):
        if key in spec:
            profile = replace(profile, **{key: _advice_threshold(spec, key, low, high, integer)})
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
