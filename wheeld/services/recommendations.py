"""Recommendations (FR-18): the next contract for one wheel or a batch, from chains fetched concurrently.

Per symbol and side one option chain (up to the longest DTE window of any profile, so every profile
shares one cache entry) and a year of daily history; one earnings and one dividends call per batch.
At most `recommendations.max_concurrency` symbols are fetched at once. In a batch, a wheel that cannot
be recommended (unknown id, open option, archived, a symbol the provider fails on) is an entry with
an `error`; the others are unaffected.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from wheeld.clock import Clock, utc_iso
from wheeld.config import Config
from wheeld.db import portfolios as portfolio_repo
from wheeld.db.connection import Database
from wheeld.domain.performance import adjusted_cost_basis
from wheeld.domain.recommendation import (
    DEFAULT_PROFILE,
    ContractFigures,
    Profile,
    Recommendation,
    Settings,
    Side,
    Underlying,
    WheelTerms,
    recommend,
    resolve_profiles,
)
from wheeld.domain.vocabulary import SHARES_PER_CONTRACT, WheelState
from wheeld.errors import InvalidState, NotFound, WheeldError
from wheeld.marketdata.models import OptionChain
from wheeld.marketdata.service import MarketData
from wheeld.services.listing import MAX_PAGE_SIZE, Page
from wheeld.services.wheels import WheelService

HISTORY_DAYS = 365  # a year of closes: HV30, the 20/50-day averages and the 52-week IV rank


@dataclass(frozen=True)
class RecommendationConfig:
    """The `recommendations.*` keys, resolved: profiles by name, thresholds and the fetch bound."""

    profiles: dict[str, Profile]
    settings: Settings
    max_concurrency: int = 8

    @classmethod
    def from_config(cls, config: Config) -> RecommendationConfig:
        """Read the keys (the profiles were checked when the config was loaded)."""
        return cls(
            profiles=resolve_profiles(config["recommendations.profiles"]),
            settings=Settings(
                bias_delta_shift=config["recommendations.bias_delta_shift"],
                risk_free_rate=config["recommendations.risk_free_rate"],
                min_open_interest=config["recommendations.min_open_interest"],
                max_spread_pct=config["recommendations.max_spread_pct"],
                min_annualized_yield_pct=config["recommendations.min_annualized_yield_pct"],
                min_iv_rank=config["recommendations.min_iv_rank"],
                short_dte=config["recommendations.short_dte"],
            ),
            max_concurrency=config["recommendations.max_concurrency"],
        )

    def profile(self, name: str | None) -> tuple[Profile, str | None]:
        """The profile called `name`, or moderate's and the unknown name (for the UNKNOWN_PROFILE warning)."""
        if name in self.profiles:
            return self.profiles[name], None
        return self.profiles[DEFAULT_PROFILE], name

    @property
    def horizon(self) -> int:
        """The longest DTE window of any profile: how far ahead chains and events are read."""
        return max(p.max_dte for p in self.profiles.values())

    @property
    def nearest(self) -> int:
        """The shortest DTE any profile takes: nearer expirations are not fetched."""
        return min(p.min_dte for p in self.profiles.values())


@dataclass(frozen=True)
class Subject:
    """One thing to recommend for: a symbol, the wheel's terms and a profile name."""

    symbol: str
    terms: WheelTerms
    profile: str | None


@dataclass(frozen=True)
class MarketInputs:
    """What was fetched for one symbol and side."""

    chain: OptionChain
    closes: list[float]


@dataclass(frozen=True)
class Outcome:
    """A subject's recommendation, or the error that prevented it."""

    subject: Subject
    recommendation: Recommendation | None = None
    inputs: MarketInputs | None = None
    error: WheeldError | None = None


def error_dict(exc: WheeldError) -> dict[str, Any]:
    """An error as a batch entry shows it (the envelope's error object)."""
    return {"code": exc.code, "message": exc.message, "details": exc.details}


def contract_dict(figures: ContractFigures) -> dict[str, Any]:
    """A recommended contract as the API shows it (premium and collateral in cents until serialized)."""
    values = asdict(figures)
    values["premium"] = values.pop("premium_cents")
    values["collateral"] = values.pop("collateral_cents")
    return values


def recommendation_dict(outcome: Outcome, simulated: bool) -> dict[str, Any]:
    """A recommendation with where its market data came from."""
    rec, inputs = outcome.recommendation, outcome.inputs
    assert rec is not None and inputs is not None
    chain = inputs.chain
    return {
        "symbol": outcome.subject.symbol,
        "direction": outcome.subject.terms.direction,
        "profile": rec.basis["profile"]["name"],
        "pick": contract_dict(rec.pick) if rec.pick is not None else None,
        "alternatives": [contract_dict(c) for c in rec.alternatives],
        "warnings": [asdict(w) for w in rec.warnings],
        "basis": {
            **rec.basis,
            "chain_source": chain.source,
            "chain_as_of": utc_iso(chain.as_of),
            "chain_stale": chain.stale,
            "simulated": simulated,
        },
    }


def wheel_terms(wheel: dict[str, Any]) -> WheelTerms:
    """The side to sell and the money behind it; InvalidState when the wheel cannot sell one now."""
    wheel_id, state = wheel["id"], wheel["state"]
    if not wheel["is_active"]:
        raise InvalidState(f"wheel {wheel_id} is archived; restore it to get a recommendation", {"wheel_id": wheel_id})
    if state in (WheelState.SHORT_PUT, WheelState.SHORT_CALL):
        trade = wheel.get("open_trade") or {}
        strike = trade.get("strike", 0) / 100
        what = f"{trade.get('direction', 'option')} {strike:.2f} expiring {trade.get('expiration_date', '?')}"
        raise InvalidState(
            f"wheel {wheel_id} has an open {what.strip()}; settle or roll it before the next trade",
            {"wheel_id": wheel_id, "state": state, "trade_id": trade.get("id")},
        )
    if state == WheelState.CASH:
        return WheelTerms("put", capital_cents=wheel["capital_allocated"])
    shares = wheel["shares"]
    if shares < SHARES_PER_CONTRACT:
        raise InvalidState(
            f"wheel {wheel_id} holds {shares} shares; a covered call needs {SHARES_PER_CONTRACT}",
            {"wheel_id": wheel_id, "shares": shares},
        )
    basis = wheel["cost_basis"]
    return WheelTerms(
        "call",
        capital_cents=wheel["capital_allocated"],
        shares=shares,
        cost_basis=Decimal(basis) / 100 if basis is not None else None,
        adjusted_cost_basis=adjusted_cost_basis(basis, shares, wheel["cycle_net_premium"]),
    )


class RecommendationService:
    """Recommendations for wheels (one or a batch) and for bare symbols (the opportunity scan)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        market: MarketData,
        wheels: WheelService,
        config: Callable[[], Config],
    ) -> None:
        self.db = db
        self.clock = clock
        self.market = market
        self.wheels = wheels
        self._config = config

    def settings(self) -> RecommendationConfig:
        """The live `recommendations.*` settings."""
        return RecommendationConfig.from_config(self._config())

    async def for_wheel(self, wheel_id: int) -> dict[str, Any]:
        """The next trade for one wheel: puts from cash, calls from shares; 409 with an open option."""
        wheel = await self.wheels.get(wheel_id)
        subject = Subject(wheel["symbol"], wheel_terms(wheel), wheel["profile"])
        (outcome,) = await self.recommend([subject])
        if outcome.error is not None:
            raise outcome.error
        return {"wheel_id": wheel_id, **recommendation_dict(outcome, self.market.simulated)}

    async def batch(
        self, wheel_ids: Sequence[int] | None = None, portfolio_id: int | None = None
    ) -> list[dict[str, Any]]:
        """One entry per wheel asked for (each id once; or a portfolio's active wheels in cash or shares)."""
        if portfolio_id is not None:
            wheels: list[dict[str, Any] | WheeldError] = list(await self._portfolio_wheels(portfolio_id))
            ids = [w["id"] for w in wheels if isinstance(w, dict)]
        else:
            ids = list(dict.fromkeys(wheel_ids or []))
            wheels = [await self._wheel_or_error(i) for i in ids]
        entries: list[dict[str, Any]] = []
        subjects: list[Subject] = []
        waiting: list[dict[str, Any]] = []  # the entries of `subjects`, in the same order
        for wheel_id, wheel in zip(ids, wheels, strict=True):
            entry: dict[str, Any] = {"wheel_id": wheel_id, "symbol": None, "recommendation": None, "error": None}
            entries.append(entry)
            if isinstance(wheel, WheeldError):
                entry["error"] = error_dict(wheel)
                continue
            entry["symbol"] = wheel["symbol"]
            try:
                subjects.append(Subject(wheel["symbol"], wheel_terms(wheel), wheel["profile"]))
            except InvalidState as exc:
                entry["error"] = error_dict(exc)
                continue
            waiting.append(entry)
        simulated = self.market.simulated
        for entry, outcome in zip(waiting, await self.recommend(subjects), strict=True):
            if outcome.error is not None:
                entry["error"] = error_dict(outcome.error)
            else:
                entry["recommendation"] = {"wheel_id": entry["wheel_id"], **recommendation_dict(outcome, simulated)}
        return entries

    async def _wheel_or_error(self, wheel_id: int) -> dict[str, Any] | WheeldError:
        try:
            return await self.wheels.get(wheel_id)
        except NotFound as exc:
            return exc

    async def _portfolio_wheels(self, portfolio_id: int) -> list[dict[str, Any]]:
        if await portfolio_repo.get_portfolio(self.db.reader, portfolio_id) is None:
            raise NotFound(f"portfolio {portfolio_id} not found", {"portfolio_id": portfolio_id})
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            paged = await self.wheels.list({"portfolio_id": portfolio_id}, Page(page, MAX_PAGE_SIZE), "id")
            found.extend(w for w in paged.items if w["state"] in (WheelState.CASH, WheelState.SHARES))
            if page * MAX_PAGE_SIZE >= paged.total:
                return found
            page += 1

    async def recommend(self, subjects: Sequence[Subject]) -> list[Outcome]:
        """Recommendations for many subjects: market data fetched once per symbol and side, concurrently."""
        if not subjects:
            return []
        config = self.settings()
        today = self.clock.today_ny()
        keys = list(dict.fromkeys((s.symbol, s.terms.direction) for s in subjects))
        symbols = list(dict.fromkeys(s.symbol for s in subjects))
        gate = asyncio.Semaphore(config.max_concurrency)
        fetched, events = await asyncio.gather(
            asyncio.gather(*(self._inputs(symbol, side, config, gate) for symbol, side in keys)),
            self._events(symbols, today, today + timedelta(days=config.horizon)),
        )
        by_key = dict(zip(keys, fetched, strict=True))
        earnings, dividends, earnings_known = events
        outcomes = []
        for subject in subjects:
            inputs = by_key[(subject.symbol, subject.terms.direction)]
            if isinstance(inputs, WheeldError):
                outcomes.append(Outcome(subject, error=inputs))
                continue
            profile, unknown = config.profile(subject.profile)
            underlying = Underlying(
                symbol=subject.symbol,
                price=inputs.chain.underlying_price,
                closes=inputs.closes,
                earnings=earnings.get(subject.symbol, []),
                ex_dividends=dividends.get(subject.symbol, []),
                earnings_known=earnings_known,
            )
            rec = recommend(
                today,
                underlying,
                inputs.chain.contracts,
                subject.terms,
                profile,
                config.settings,
                requested_profile=unknown,
            )
            outcomes.append(Outcome(subject, rec, inputs))
        return outcomes

    async def _inputs(
        self, symbol: str, side: Side, config: RecommendationConfig, gate: asyncio.Semaphore
    ) -> MarketInputs | WheeldError:
        async with gate:
            try:
                # Every profile's window in one chain: one cache entry per symbol and side, whoever asks.
                chain, bars = await asyncio.gather(
                    self.market.chain(symbol, side, min_dte=config.nearest, max_dte=config.horizon),
                    self.market.history(symbol, HISTORY_DAYS),
                )
            except WheeldError as exc:
                return exc
        return MarketInputs(chain, [bar.close for bar in bars])

    async def _events(
        self, symbols: Iterable[str], start: date, end: date
    ) -> tuple[dict[str, list[date]], dict[str, list[date]], bool]:
        wanted = list(symbols)
        earnings: dict[str, list[date]] = {}
        dividends: dict[str, list[date]] = {}
        known = True
        try:
            for event in await self.market.earnings(wanted, start, end):
                earnings.setdefault(event.symbol, []).append(event.day)
        except WheeldError:
            known = False  # said in a warning: a silent "no earnings" would mislead
        try:
            for dividend in await self.market.dividends(wanted, start, end):
                dividends.setdefault(dividend.symbol, []).append(dividend.ex_date)
        except WheeldError:
            pass  # ex-dividend dates are a nicety; calls still get recommended
        return earnings, dividends, known
