"""Open options marked to market and advised: chains fetched batched per symbol and side, cached.

A read asks for one chain per symbol and side, covering the expirations of that symbol's open
options (usually one), all at once and bounded in time; the market-data service caches chains (15
min). A position whose rules reach `roll` is priced against the chain the recommendations read (one
cache entry per symbol and side for every profile), and the candidate is the recommendation's pick
at the first expiration inside the profile's DTE window, so a call is never struck below the
adjusted cost basis. The roll's pick is made without price history (no trend bias): a hot read
does not fetch a year of closes.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from wheeld.clock import utc_iso
from wheeld.db.connection import Row
from wheeld.domain.advice import Advice, PositionFacts, RollCandidate, advise, needs_roll, roll_candidate
from wheeld.domain.option_marks import (
    EXPIRED,
    NO_BID_ASK,
    NO_CHAIN,
    NOT_IN_CHAIN,
    PENDING,
    OptionMark,
    mark_position,
    mid_of,
)
from wheeld.domain.performance import adjusted_cost_basis
from wheeld.domain.recommendation import ContractFigures, Profile, Underlying, WheelTerms, recommend
from wheeld.errors import WheeldError
from wheeld.marketdata.models import OptionChain, OptionContract
from wheeld.marketdata.service import MarketData
from wheeld.services.recommendations import RecommendationConfig

log = logging.getLogger(__name__)

CHAIN_TIMEOUT_SECONDS = 2.0
MAX_CHAIN_FETCH_PER_READ = 8  # chains asked of the provider for one read (each kind); the rest on later reads
MAX_PICKS_CACHED = 4096
Key = tuple[str, str]  # (symbol, direction)
Span = tuple[int, int]  # (min_dte, max_dte) of a chain request


@dataclass(frozen=True)
class Chains:
    """The chains of one read by symbol and side (None: none to be had), and those not fetched yet."""

    found: dict[Key, OptionChain | None]
    pending: set[Key] = field(default_factory=set)

    def get(self, key: Key) -> OptionChain | None:
        """The chain of `key`, or None."""
        return self.found.get(key)


class OptionMarks:
    """Marks and advice for open options, from chains fetched once per symbol and side per read."""

    def __init__(
        self,
        market: MarketData,
        settings: Callable[[], RecommendationConfig],
        timeout: float = CHAIN_TIMEOUT_SECONDS,
        max_fetch: int = MAX_CHAIN_FETCH_PER_READ,
    ) -> None:
        self.market = market
        self.settings = settings
        self.timeout = timeout
        self.max_fetch = max_fetch
        # The roll pick per (chain, profile, wheel terms): the same answer until the chain is refetched.
        self._picks: OrderedDict[Hashable, ContractFigures | None] = OrderedDict()

    def _primary_failing(self) -> bool:
        """Whether the primary provider's last call failed: a read then does not ask it for chains too
        (its marks come from the cache or are null), and recovery is left to the refresh that notices it."""
        status = self.market.guard(self.market.provider).status()
        return bool(status["consecutive_failures"]) or status["circuit"] != "closed"

    async def _fetch(self, key: Key, span: Span) -> OptionChain | None:
        symbol, direction = key
        try:
            return await asyncio.wait_for(
                self.market.chain(symbol, direction, min_dte=span[0], max_dte=span[1]),  # type: ignore[arg-type]
                self.timeout,
            )
        except (WheeldError, TimeoutError) as exc:
            log.warning("no option chain for %s %s: %s", symbol, direction, exc)
            return None

    async def _read(self, spans: dict[Key, Span]) -> Chains:
        """Fresh cached chains at once; at most `max_fetch` of the others fetched, all at once; the rest
        served stale when cached, else pending (a following read fetches them)."""
        found: dict[Key, OptionChain | None] = {}
        pending: set[Key] = set()
        stale: dict[Key, OptionChain] = {}
        wanted: list[Key] = []
        for key, span in spans.items():
            cached = self.market.peek_chain(key[0], key[1], span[0], span[1])  # type: ignore[arg-type]
            if cached is not None and not cached.stale:
                found[key] = cached
                continue
            if cached is not None:
                stale[key] = cached
            wanted.append(key)
        budget = 0 if self._primary_failing() else self.max_fetch
        fetching, left = wanted[:budget], wanted[budget:]
        for key, chain in zip(
            fetching, await asyncio.gather(*(self._fetch(k, spans[k]) for k in fetching)), strict=True
        ):
            found[key] = chain if chain is not None else stale.get(key)
        for key in left:
            if key in stale:
                found[key] = stale[key]
            elif budget:
                pending.add(key)
            else:
                found[key] = None  # the provider is failing: no chain
        return Chains(found, pending)

    async def chains(self, rows: Sequence[Row], today: date) -> Chains:
        """One chain per symbol and side, spanning the expirations of its open options."""
        spans: dict[Key, Span] = {}
        for row in rows:
            dte = (date.fromisoformat(row["expiration_date"]) - today).days
            if dte < 0:
                continue
            key = (row["symbol"], row["direction"])
            low, high = spans.get(key, (dte, dte))
            spans[key] = (min(low, dte), max(high, dte))
        return await self._read(spans)

    def mark(self, row: Row, chains: Chains, today: date) -> tuple[OptionMark, OptionChain | None]:
        """The mark of one open option (None figures with a reason when the chain does not give one)."""
        expiration = date.fromisoformat(row["expiration_date"])
        premium, contracts = row["total_premium_cents"], row["contracts"]
        if expiration < today:
            return mark_position(premium, contracts, None, EXPIRED), None
        key = (row["symbol"], row["direction"])
        if key in chains.pending:
            return mark_position(premium, contracts, None, PENDING), None
        chain = chains.get(key)
        if chain is None:
            return mark_position(premium, contracts, None, NO_CHAIN), None
        for contract in chain.contracts:
            if (
                contract.direction == row["direction"]
                and contract.expiration == expiration
                and round(contract.strike * 100) == row["strike_cents"]
            ):
                mid = mid_of(contract.bid, contract.ask)
                return mark_position(premium, contracts, mid, None if mid is not None else NO_BID_ASK), chain
        return mark_position(premium, contracts, None, NOT_IN_CHAIN), chain

    async def marks_of(self, rows: Sequence[Row], today: date) -> list[OptionMark]:
        """The mark of each open option in `rows` (one chain fetch per symbol and side)."""
        if not rows:
            return []
        chains = await self.chains(rows, today)
        return [self.mark(r, chains, today)[0] for r in rows]

    async def advise(
        self,
        rows: Sequence[Row],
        marks: Sequence[OptionMark],
        moneyness: Sequence[Decimal | None],
        cycle_nets: dict[int, int],
        today: date,
        medium_threshold_pct: float,
    ) -> list[Advice]:
        """The advice on each open option; the ones reaching `roll` are priced against a roll candidate."""
        config = self.settings()
        facts: list[PositionFacts] = []
        for row, mark, money in zip(rows, marks, moneyness, strict=True):
            facts.append(
                PositionFacts(
                    direction=row["direction"],
                    dte_calendar=(date.fromisoformat(row["expiration_date"]) - today).days,
                    strike_cents=row["strike_cents"],
                    moneyness_pct=money,
                    premium_captured_pct=mark.premium_captured_pct,
                    medium_threshold_pct=medium_threshold_pct,
                    adjusted_cost_basis=adjusted_cost_basis(
                        row["cost_basis_cents"], row["shares"], cycle_nets.get(row["wheel_id"], 0)
                    ),
                )
            )
        rolling = {i for i, f in enumerate(facts) if needs_roll(f, config.profile(rows[i]["profile"])[0].advice)}
        keys = dict.fromkeys((rows[i]["symbol"], rows[i]["direction"]) for i in sorted(rolling))
        # The recommendations' own chain (every profile's window): one cache entry shared with them.
        roll_chains = await self._read({k: (config.nearest, config.horizon) for k in keys})
        advice = []
        for i, (row, fact, mark) in enumerate(zip(rows, facts, marks, strict=True)):
            profile = config.profile(row["profile"])[0]
            candidate, chain_read = None, True
            if i in rolling:
                chain = roll_chains.get((row["symbol"], row["direction"]))
                chain_read = chain is not None
                candidate = self._candidate(row, fact, mark, chain, today, config) if chain is not None else None
            advice.append(advise(fact, profile.advice, candidate, chain_read=chain_read))
        return advice

    @staticmethod
    def _pick(
        symbol: str, chain: OptionChain, terms: WheelTerms, profile: Profile, today: date, config: RecommendationConfig
    ) -> ContractFigures | None:
        """The recommendation's pick at the first expiration inside the window (None: nothing qualifies)."""
        first = _first_expiration(chain, terms.direction, profile, today)
        if not first:
            return None
        underlying = Underlying(symbol=symbol, price=chain.underlying_price)
        return recommend(today, underlying, first, terms, profile, config.settings).pick

    def _candidate(
        self,
        row: Row,
        fact: PositionFacts,
        mark: OptionMark,
        chain: OptionChain,
        today: date,
        config: RecommendationConfig,
    ) -> RollCandidate | None:
        profile = config.profile(row["profile"])[0]
        terms = WheelTerms(
            row["direction"],
            capital_cents=row["capital_allocated_cents"],
            shares=row["shares"],
            cost_basis=Decimal(row["cost_basis_cents"]) / 100 if row["cost_basis_cents"] is not None else None,
            adjusted_cost_basis=fact.adjusted_cost_basis,
        )
        memo = (row["symbol"], row["direction"], chain.source, chain.as_of, profile, terms, today)
        if memo in self._picks:
            pick = self._picks[memo]
        else:
            pick = self._picks[memo] = self._pick(row["symbol"], chain, terms, profile, today, config)
            while len(self._picks) > MAX_PICKS_CACHED:
                self._picks.popitem(last=False)
        if pick is None:
            return None
        per_share = Decimal(str(pick.mid))
        return roll_candidate(pick.strike, pick.expiration_date, per_share, row["contracts"], mark.cost_to_close_cents)


def _first_expiration(chain: OptionChain, direction: str, profile: Profile, today: date) -> list[OptionContract]:
    """The contracts of `direction` at the first expiration inside the profile's DTE window."""
    inside = [
        c for c in chain.contracts if c.direction == direction and profile.min_dte <= (c.expiration - today).days
        and (c.expiration - today).days <= profile.max_dte
    ]  # fmt: skip
    first = min((c.expiration for c in inside), default=None)
    return [c for c in inside if c.expiration == first]


def mark_fields(mark: OptionMark, chain: OptionChain | None) -> dict[str, Any]:
    """A position's mark figures as the API shows them (money in cents until serialized)."""
    captured = mark.premium_captured_pct
    return {
        "option_mark": float(mark.mark.quantize(Decimal("0.0001"))) if mark.mark is not None else None,
        "mark_as_of": utc_iso(chain.as_of) if chain is not None and mark.mark is not None else None,
        "mark_source": chain.source if chain is not None and mark.mark is not None else None,
        "mark_unavailable_reason": mark.unavailable_reason,
        "cost_to_close": mark.cost_to_close_cents,
        "unrealized_option_pnl": mark.unrealized_option_pnl_cents,
        "premium_captured_pct": float(captured.quantize(Decimal("0.1"))) if captured is not None else None,
    }


def advice_fields(advice: Advice) -> dict[str, Any]:
    """The advice as the API shows it (the roll's money in cents until serialized)."""
    roll = advice.roll_candidate
    return {
        "action": advice.action,
        "reasons": list(advice.reasons),
        "roll_candidate": None
        if roll is None
        else {
            "strike": roll.strike,
            "expiration_date": roll.expiration_date,
            "premium_per_share": float(roll.premium_per_share.quantize(Decimal("0.0001"))),
            "premium": roll.premium_cents,
            "net_credit": roll.net_credit_cents,
        },
    }


def option_totals(marks: Iterable[OptionMark], total_pnl_cents: int) -> dict[str, Any]:
    """The open options' unrealized P&L and the total P&L less their cost to close (cents).

    Both are null when any open option has no mark (a missing mark is not a zero cost to close);
    `unmarked_options` says how many. With no open option both are exact: 0 and the total P&L.
    """
    marks = list(marks)
    unmarked = sum(1 for m in marks if m.cost_to_close_cents is None)
    if unmarked:
        return {"unrealized_option_pnl": None, "total_pnl_marked": None, "unmarked_options": unmarked}
    return {
        "unrealized_option_pnl": sum(m.unrealized_option_pnl_cents or 0 for m in marks),
        "total_pnl_marked": total_pnl_cents - sum(m.cost_to_close_cents or 0 for m in marks),
        "unmarked_options": 0,
    }
