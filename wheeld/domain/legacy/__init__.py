"""The old CLI's records in wheeld's terms: its words, money and times mapped, each wheel's trades replayed.

Pure functions over the rows `wheeld.db.legacy_source` reads. The replay runs every wheel's trades
through `wheel_state`, so cycles, results, cost basis and realized stock P&L follow wheeld's rules,
not the old tool's. Where the old records contradict themselves the plan carries a warning and
imports what the trades say; a row wheeld cannot hold at all is a blocking problem (nothing is
imported until it is fixed in a copy of the file).

The package holds `values` (one legacy value read), `records` (what the plan holds), `trades` (one trade
row converted), `replay` (one wheel replayed) and `plan` (`plan_import`); every public name is
importable from `wheeld.domain.legacy` itself.

How each legacy column is read:
- money columns (`strike`, `premium_per_share`, `total_premium`, `capital_allocated`, `cost_basis`,
  `price_at_expiry`, `close_price`, `default_capital`) are dollars stored as floats; each becomes
  integer cents through its shortest decimal form, rounded half up (2.35 → 235, never 234);
- `total_premium` is the premium of the whole trade; when absent it is `premium_per_share` × 100 ×
  `contracts`; `close_price` is per share, so the close cost is `close_price` × 100 × `contracts`;
- `price_at_expiry` is the stock price the trader gave when settling: `stock_price_at_expiry`;
- `opened_at`, `closed_at`, `created_at`, `updated_at` are the old tool's `datetime.now()`: wall-clock
  time of the machine it ran on, without a zone (read in `source_tz`, by default this machine's zone);
- `is_active = 0` is an archived wheel, archived at its `updated_at`; `cost_basis` is the entry price per
  share (the put strike, or what `import` was given); `shares_held` the shares held now;
- `position_snapshots.current_price` is the stock price (cents); `risk_level` LOW/MEDIUM/HIGH; the
  other snapshot columns carry over as they are.
"""

from __future__ import annotations

from wheeld.domain.legacy.plan import (
    plan_import,
)
from wheeld.domain.legacy.records import (
    Findings,
    LegacyFigures,
    LegacyPlan,
    PlannedPortfolio,
    PlannedSnapshot,
    PlannedTrade,
    PlannedWheel,
    Problem,
)
from wheeld.domain.legacy.values import (
    LEGACY_DEFAULT_PROFILE,
    LEGACY_OUTCOMES,
    LEGACY_STATES,
    NEW_YORK_CLOSE,
    Raw,
    legacy_cents,
    legacy_instant,
    legacy_premium_cents,
    new_york_close,
    per_share_total_cents,
)

__all__ = [
    "LEGACY_DEFAULT_PROFILE",
    "LEGACY_OUTCOMES",
    "LEGACY_STATES",
    "NEW_YORK_CLOSE",
    "Findings",
    "LegacyFigures",
    "LegacyPlan",
    "PlannedPortfolio",
    "PlannedSnapshot",
    "PlannedTrade",
    "PlannedWheel",
    "Problem",
    "Raw",
    "legacy_cents",
    "legacy_instant",
    "legacy_premium_cents",
    "new_york_close",
    "per_share_total_cents",
    "plan_import",
]
