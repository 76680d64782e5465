"""What a legacy import plan holds: the findings, and the portfolios, wheels, trades and snapshots to create."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from wheeld.domain.legacy.values import text_id
from wheeld.domain.vocabulary import Direction, Outcome, Result
from wheeld.domain.wheel_state import WheelPosition


@dataclass(frozen=True)
class Problem:
    """One finding about one legacy row."""

    table: str
    legacy_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.table} {self.legacy_id}" if self.legacy_id is not None else self.table
        return f"{where}: {self.message}"


@dataclass
class Findings:
    """Warnings (imported anyway, as said) and blocking problems (nothing can be imported)."""

    warnings: list[Problem] = field(default_factory=list)
    blocking: list[Problem] = field(default_factory=list)

    def warn(self, table: str, legacy_id: Any, message: str) -> None:
        """Note a contradiction the import works around, saying how."""
        self.warnings.append(Problem(table, text_id(legacy_id), message))

    def block(self, table: str, legacy_id: Any, message: str) -> None:
        """Note a row wheeld cannot hold."""
        self.blocking.append(Problem(table, text_id(legacy_id), message))


@dataclass(frozen=True)
class PlannedPortfolio:
    """A legacy portfolio, to be matched by name or created."""

    legacy_id: str
    name: str
    description: str
    default_capital_cents: int
    is_default: bool
    created_at: datetime | None


@dataclass(frozen=True)
class PlannedTrade:
    """One legacy trade with wheeld's fields, derived by the replay."""

    legacy_id: str
    legacy_wheel_id: str
    direction: Direction
    strike_cents: int
    expiration_date: date
    contracts: int
    total_premium_cents: int
    close_cost_cents: int | None
    outcome: Outcome
    result: Result | None
    stock_price_at_expiry_cents: int | None
    realized_stock_pnl_cents: int
    cycle: int
    opened_at: datetime
    settled_at: datetime | None


@dataclass(frozen=True)
class PlannedWheel:
    """A wheel to create: from a legacy wheel (`wheel`), for trades whose wheel is missing (`orphan`),
    or an archived wheel holding an open trade the legacy wheel had superseded (`side`)."""

    legacy_id: str
    kind: str
    symbol: str
    legacy_portfolio_id: str | None
    profile: str
    capital_allocated_cents: int
    starting_direction: Direction
    position: WheelPosition
    archived: bool
    archived_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    notes: str
    trades: list[PlannedTrade]


@dataclass(frozen=True)
class PlannedSnapshot:
    """One legacy position snapshot (it is imported with its trade)."""

    legacy_id: str
    snapshot_date: date
    current_price_cents: int
    dte_calendar: int
    dte_trading: int
    moneyness_pct: float
    is_itm: bool
    risk_level: str
    created_at: datetime | None


@dataclass(frozen=True)
class LegacyFigures:
    """What the old file holds for one legacy wheel: trade count and premium (the reconciliation's "before")."""

    symbol: str
    trades: int
    premium_cents: int


@dataclass
class LegacyPlan:
    """Everything to import, in order, with the findings and the old file's own figures."""

    portfolios: list[PlannedPortfolio] | None
    wheels: list[PlannedWheel]
    figures: dict[str, LegacyFigures]
    # legacy trade id → (legacy wheel id, premium in cents as the old row gives it)
    trade_figures: dict[str, tuple[str, int]]
    findings: Findings
    # legacy trade id → its snapshots; and how many snapshot rows wheeld cannot take (each a warning)
    snapshots: dict[str, list[PlannedSnapshot]] = field(default_factory=dict)
    snapshots_rejected: int = 0
