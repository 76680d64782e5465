"""The simulated price walk: a mean-reverting random walk of each symbol's close over trading sessions.

Prices stay near the symbol's base price over a decade of simulated time, hold still within a day and
move from one session to the next. The walk is anchored every BLOCK sessions (an AR(1) on the anchors)
and bridged in between, so any day's price costs O(BLOCK) work instead of a replay from the epoch.
"""

from __future__ import annotations

import math
import random
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

from wheeld.market_calendar import TradingCalendar
from wheeld.marketdata.models import PriceBar
from wheeld.marketdata.simulated_symbols import SymbolProfile, stable_seed, symbol_profile

TRADING_DAYS_PER_YEAR = 252
# Session 0 of every walk is the first session after this date.
WALK_EPOCH = date(2014, 12, 31)
# Sessions between two anchors of the walk (see the module docstring).
BLOCK = 64
MEAN_REVERSION_PER_YEAR = 1.0


@dataclass(frozen=True, slots=True)
class _Block:
    levels: tuple[float, ...]  # log deviation from the base price at each session of the block
    gaps: tuple[float, ...]
    highs: tuple[float, ...]
    lows: tuple[float, ...]
    volumes: tuple[float, ...]


class PriceWalk:
    """Every symbol's walk on one trading calendar, with a bounded cache of generated blocks."""

    def __init__(self, calendar: TradingCalendar, max_cached_blocks: int = 4096) -> None:
        self._calendar = calendar
        self._profiles: dict[str, SymbolProfile] = {}
        self._anchors: dict[str, list[float]] = {}
        self._blocks: OrderedDict[tuple[str, int], _Block] = OrderedDict()
        self._max_blocks = max_cached_blocks

    def profile(self, symbol: str) -> SymbolProfile:
        """The simulation profile of `symbol` (computed once per symbol)."""
        found = self._profiles.get(symbol)
        if found is None:
            found = self._profiles[symbol] = symbol_profile(symbol)
        return found

    def session_index(self, day: date) -> int:
        """Index of the last session on or before `day` (0 = first session after the epoch)."""
        return max(self._calendar.sessions_between(WALK_EPOCH, day) - 1, 0)

    def _anchor(self, symbol: str, block: int) -> float:
        anchors = self._anchors.setdefault(symbol, [0.0])
        if len(anchors) <= block:
            profile = self.profile(symbol)
            phi = math.exp(-MEAN_REVERSION_PER_YEAR * BLOCK / TRADING_DAYS_PER_YEAR)
            # Stationary spread of half the volatility keeps prices within ~0.5x..2x of base.
            shock = 0.5 * profile.volatility * math.sqrt(1.0 - phi * phi)
            rng = random.Random(stable_seed("anchors", symbol, len(anchors)))
            while len(anchors) <= block:
                anchors.append(phi * anchors[-1] + shock * rng.gauss(0.0, 1.0))
                rng = random.Random(stable_seed("anchors", symbol, len(anchors)))
        return anchors[block]

    def _block(self, symbol: str, block: int) -> _Block:
        key = (symbol, block)
        cached = self._blocks.get(key)
        if cached is not None:
            self._blocks.move_to_end(key)
            return cached
        daily_vol = self.profile(symbol).volatility / math.sqrt(TRADING_DAYS_PER_YEAR)
        start, end = self._anchor(symbol, block), self._anchor(symbol, block + 1)
        rng = random.Random(stable_seed("block", symbol, block))
        walk = [0.0]
        for _ in range(BLOCK):
            walk.append(walk[-1] + daily_vol * rng.gauss(0.0, 1.0))
        # A Brownian bridge from this anchor to the next one.
        levels = tuple(start + (end - start) * k / BLOCK + walk[k] - walk[BLOCK] * k / BLOCK for k in range(BLOCK))
        gaps = tuple(0.3 * daily_vol * rng.gauss(0.0, 1.0) for _ in range(BLOCK))
        highs = tuple(0.6 * daily_vol * abs(rng.gauss(0.0, 1.0)) for _ in range(BLOCK))
        lows = tuple(0.6 * daily_vol * abs(rng.gauss(0.0, 1.0)) for _ in range(BLOCK))
        volumes = tuple(math.exp(0.35 * rng.gauss(0.0, 1.0)) for _ in range(BLOCK))
        made = _Block(levels, gaps, highs, lows, volumes)
        self._blocks[key] = made
        if len(self._blocks) > self._max_blocks:
            self._blocks.popitem(last=False)
        return made

    def close(self, symbol: str, index: int) -> float:
        """The close of session `index` of `symbol`'s walk."""
        block, offset = divmod(index, BLOCK)
        level = self._block(symbol, block).levels[offset]
        return round(self.profile(symbol).base_price * math.exp(level), 2)

    def bar(self, symbol: str, day: date, index: int) -> PriceBar:
        """The daily bar of session `index` (dated `day`): open from the gap, high and low around it."""
        block, offset = divmod(index, BLOCK)
        made = self._block(symbol, block)
        close = self.close(symbol, index)
        previous = self.close(symbol, index - 1) if index > 0 else close
        opened = round(previous * math.exp(made.gaps[offset]), 2)
        high = round(max(opened, close) * math.exp(made.highs[offset]), 2)
        low = round(min(opened, close) * math.exp(-made.lows[offset]), 2)
        volume = int(self.profile(symbol).average_volume * made.volumes[offset])
        return PriceBar(day=day, open=opened, high=high, low=low, close=close, volume=volume)
