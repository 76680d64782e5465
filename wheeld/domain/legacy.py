"""The old CLI's records in wheeld's terms: its words, money and times mapped, each wheel's trades replayed.

Pure functions over the rows `wheeld.db.legacy_source` reads. The replay runs every wheel's trades
through `wheel_state`, so cycles, results, cost basis and realized stock P&L follow wheeld's rules,
not the old tool's. Where the old records contradict themselves the plan carries a warning and
imports what the trades say; a row wheeld cannot hold at all is a blocking problem (nothing is
imported until it is fixed in a copy of the file).

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

from collections import defaultdict
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from wheeld.clock import NEW_YORK
from wheeld.domain.money import to_cents
from wheeld.domain.vocabulary import (
    SHARES_PER_CONTRACT,
    Direction,
    Outcome,
    Result,
    WheelState,
    normalize_profile,
    normalize_symbol,
)
from wheeld.domain.wheel_state import OpenTerms, WheelPosition, check_open, settle

NEW_YORK_CLOSE = time(16, 0)
LEGACY_STATES = {
    "cash": WheelState.CASH,
    "cash_put_open": WheelState.SHORT_PUT,
    "shares": WheelState.SHARES,
    "shares_call_open": WheelState.SHORT_CALL,
}
LEGACY_OUTCOMES = {
    "open": Outcome.OPEN,
    "expired_worthless": Outcome.EXPIRED,
    "assigned": Outcome.ASSIGNED,
    "called_away": Outcome.ASSIGNED,
    "closed_early": Outcome.CLOSED,
}
LEGACY_DEFAULT_PROFILE = "conservative"  # what the old tool used when none was given
Raw = dict[str, Any]


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
        self.warnings.append(Problem(table, _text_id(legacy_id), message))

    def block(self, table: str, legacy_id: Any, message: str) -> None:
        """Note a row wheeld cannot hold."""
        self.blocking.append(Problem(table, _text_id(legacy_id), message))


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


@dataclass(frozen=True)
class _Draft:
    """A legacy trade's own fields, converted and checked, before the replay."""

    legacy_id: str
    legacy_wheel_id: str
    symbol: str
    direction: Direction
    strike_cents: int
    expiration_date: date
    contracts: int
    premium_cents: int
    outcome: Outcome
    close_cost_cents: int | None
    price_at_expiry_cents: int | None
    opened_at: datetime
    settled_at: datetime | None


def _text_id(value: Any) -> str | None:
    return None if value is None else str(value)


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not an amount: {value!r}")
    try:
        # str() of a float is its shortest round-trip form: 2.35, not 2.349999…
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    return number


def legacy_cents(value: Any) -> int | None:
    """A legacy amount in dollars (float, int or text) as exact integer cents; None and '' stay None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return to_cents(_decimal(value))


def per_share_total_cents(per_share: Any, contracts: int) -> int:
    """A per-share amount × 100 shares × contracts, in cents (premium per share, close price)."""
    return to_cents(_decimal(per_share) * SHARES_PER_CONTRACT * contracts)


def legacy_instant(value: Any, source_tz: tzinfo | None = None) -> datetime:
    """A legacy timestamp as an aware UTC datetime; zone-less ones are wall-clock time in `source_tz`.

    With `source_tz` None they are read in this machine's zone (DST rules included), which is where
    the old tool ran when the file sits in the user's home directory.
    """
    moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=source_tz) if source_tz is not None else moment.astimezone()
    return moment.astimezone(UTC)


def new_york_close(day: date) -> datetime:
    """4 p.m. in New York on `day`, in UTC (when an option settles at expiration)."""
    return datetime.combine(day, NEW_YORK_CLOSE, tzinfo=NEW_YORK).astimezone(UTC)


def legacy_premium_cents(raw: Raw) -> int:
    """The premium of one legacy trade in cents: `total_premium`, else per share × 100 × contracts."""
    total = legacy_cents(raw.get("total_premium"))
    if total is not None:
        return total
    return per_share_total_cents(raw.get("premium_per_share"), int(raw["contracts"]))


# --- converting one legacy trade ------------------------------------------------------------------------


def _draft(raw: Raw, source_tz: tzinfo | None, findings: Findings) -> _Draft | None:
    """Convert one trade row; blocking problems are recorded and None returned."""
    tid = raw["id"]
    before = len(findings.blocking)
    direction = _enum(raw.get("direction"), {"put": Direction.PUT, "call": Direction.CALL}, "direction", tid, findings)
    outcome = _enum(raw.get("outcome"), LEGACY_OUTCOMES, "outcome", tid, findings)
    contracts = raw.get("contracts")
    if isinstance(contracts, float) and contracts.is_integer():
        contracts = int(contracts)
    if not isinstance(contracts, int) or isinstance(contracts, bool) or contracts <= 0:
        findings.block("trades", tid, f"contracts {contracts!r} is not a positive whole number")
        contracts = None
    strike = _money(raw, "strike", tid, findings, required=True)
    if strike is not None and strike <= 0:
        findings.block("trades", tid, f"strike {raw['strike']!r} is not positive")
    expiration = _date(raw.get("expiration_date"), tid, findings)
    opened = _instant(raw.get("opened_at"), "opened_at", tid, source_tz, findings, required=True)
    premium = _premium(raw, contracts, tid, findings)
    close_cost = _close_cost(raw, outcome, contracts, tid, findings)
    price = _money(raw, "price_at_expiry", tid, findings)
    if len(findings.blocking) > before:
        return None
    assert direction and outcome and contracts and strike and expiration and opened and premium is not None
    settled = _settled_at(raw, outcome, expiration, opened, source_tz, findings)
    if (
        outcome is Outcome.ASSIGNED
        and str(raw["outcome"]).strip().lower() == "called_away"
        and direction is Direction.PUT
    ):
        findings.warn("trades", tid, "a put marked called_away (only calls are called away): imported as assigned")
    opened_on = opened.astimezone(NEW_YORK).date()
    if expiration < opened_on:
        findings.warn("trades", tid, f"expires {expiration} before it was opened ({opened_on})")
    return _Draft(
        legacy_id=str(tid),
        legacy_wheel_id=str(raw["wheel_id"]),
        symbol=str(raw.get("symbol") or "").strip().upper(),
        direction=direction,
        strike_cents=strike,
        expiration_date=expiration,
        contracts=contracts,
        premium_cents=premium,
        outcome=outcome,
        close_cost_cents=close_cost,
        price_at_expiry_cents=price,
        opened_at=opened,
        settled_at=settled,
    )


def _enum(value: Any, choices: dict[str, Any], name: str, tid: Any, findings: Findings) -> Any:
    key = str(value or "").strip().lower()
    if key not in choices:
        findings.block("trades", tid, f"unknown {name} {value!r} (expected one of {', '.join(choices)})")
        return None
    return choices[key]


def _money(raw: Raw, column: str, tid: Any, findings: Findings, required: bool = False) -> int | None:
    try:
        cents = legacy_cents(raw.get(column))
    except ValueError:
        findings.block("trades", tid, f"{column} {raw.get(column)!r} is not an amount")
        return None
    if cents is None and required:
        findings.block("trades", tid, f"{column} is missing")
    return cents


def _date(value: Any, tid: Any, findings: Findings) -> date | None:
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        findings.block("trades", tid, f"expiration_date {value!r} is not a YYYY-MM-DD date")
        return None


def _instant(
    value: Any, column: str, tid: Any, source_tz: tzinfo | None, findings: Findings, required: bool = False
) -> datetime | None:
    if value is None or not str(value).strip():
        if required:
            findings.block("trades", tid, f"{column} is missing")
        return None
    try:
        return legacy_instant(value, source_tz)
    except ValueError:
        findings.block("trades", tid, f"{column} {value!r} is not a date and time")
        return None


def _premium(raw: Raw, contracts: int | None, tid: Any, findings: Findings) -> int | None:
    total = _money(raw, "total_premium", tid, findings)
    per_share = raw.get("premium_per_share")
    from_per_share = None
    if per_share is not None and contracts:
        try:
            from_per_share = per_share_total_cents(per_share, contracts)
        except ValueError:
            findings.block("trades", tid, f"premium_per_share {per_share!r} is not an amount")
            return None
    premium = total if total is not None else from_per_share
    if premium is None:
        if contracts:
            findings.block("trades", tid, "neither total_premium nor premium_per_share is given")
        return None
    if premium < 0:
        findings.block("trades", tid, f"the premium {premium / 100:.2f} is negative")
    elif total is not None and from_per_share is not None and total != from_per_share:
        findings.warn(
            "trades",
            tid,
            f"total_premium {total / 100:.2f} differs from premium_per_share × 100 × contracts "
            f"({from_per_share / 100:.2f}): imported the total",
        )
    return premium


def _close_cost(raw: Raw, outcome: Outcome | None, contracts: int | None, tid: Any, findings: Findings) -> int | None:
    if outcome is not Outcome.CLOSED:
        return None
    price = raw.get("close_price")
    if price is None or (isinstance(price, str) and not price.strip()):
        findings.block("trades", tid, "closed_early without a close_price: the buy-back cost is unknown")
        return None
    try:
        cost = per_share_total_cents(price, contracts or 0)
    except ValueError:
        findings.block("trades", tid, f"close_price {price!r} is not an amount")
        return None
    if cost < 0:
        findings.block("trades", tid, f"close_price {price!r} is negative")
    return cost


def _settled_at(
    raw: Raw, outcome: Outcome, expiration: date, opened: datetime, source_tz: tzinfo | None, findings: Findings
) -> datetime | None:
    tid = raw["id"]
    closed = raw.get("closed_at")
    if outcome is Outcome.OPEN:
        if closed:
            findings.warn("trades", tid, f"open, yet closed_at is {closed!r}: kept open, closed_at ignored")
        return None
    settled = None
    if closed:
        try:
            settled = legacy_instant(closed, source_tz)
        except ValueError:
            findings.warn("trades", tid, f"closed_at {closed!r} is not a date and time")
    if settled is None:
        settled = new_york_close(expiration)
        findings.warn("trades", tid, f"settled without a closed_at: settlement taken as its expiration {expiration}")
    if settled < opened:
        findings.warn("trades", tid, f"closed_at {closed!r} is before opened_at {raw.get('opened_at')!r}")
    return settled


# --- replaying one wheel ----------------------------------------------------------------------------


def _fit_opening(position: WheelPosition, draft: _Draft, label: str, findings: Findings) -> WheelPosition:
    """The position the trade needs to open from; a different one is a contradiction we report."""
    needed_shares = draft.contracts * SHARES_PER_CONTRACT
    if draft.direction is Direction.PUT and position.state is WheelState.CASH:
        return position
    if draft.direction is Direction.CALL and position.state is WheelState.SHARES and position.shares >= needed_shares:
        return position
    needs = WheelState.CASH if draft.direction is Direction.PUT else WheelState.SHARES
    findings.warn(
        "trades",
        draft.legacy_id,
        f"{label}: a {draft.direction} ({draft.contracts} contract(s)) was opened while the earlier trades leave "
        f"the wheel in {position.state} with {position.shares} shares; replayed as if it were in {needs}",
    )
    if draft.direction is Direction.PUT:
        return replace(position, state=WheelState.CASH)
    return replace(position, state=WheelState.SHARES, shares=max(position.shares, needed_shares))


def _replay(
    start: WheelPosition, drafts: list[_Draft], label: str, findings: Findings
) -> tuple[list[PlannedTrade], WheelPosition]:
    """Run the trades through wheeld's state machine: each trade's cycle, result and realized stock P&L."""
    position, planned = start, []
    for draft in drafts:
        position = _fit_opening(position, draft, label, findings)
        cycle = position.cycle
        opened = check_open(position, draft.direction, draft.contracts)
        result, realized = None, 0
        if draft.outcome is Outcome.OPEN:
            position = opened
        else:
            terms = OpenTerms(draft.direction, draft.strike_cents, draft.contracts, draft.premium_cents)
            settlement = settle(opened, Outcome.OPEN, terms, draft.outcome, draft.close_cost_cents)
            result, realized, position = settlement.result, settlement.realized_stock_pnl_cents, settlement.wheel
            if (
                draft.direction is Direction.CALL
                and draft.outcome is Outcome.ASSIGNED
                and opened.cost_basis_cents is None
            ):
                realized = 0
                findings.warn(
                    "trades",
                    draft.legacy_id,
                    f"{label}: shares called away whose entry price the old file no longer holds (it clears "
                    "cost_basis when shares go): realized stock P&L recorded as 0",
                )
        planned.append(_planned_trade(draft, cycle, result, realized))
    return planned, position


def _planned_trade(draft: _Draft, cycle: int, result: Result | None, realized: int) -> PlannedTrade:
    return PlannedTrade(
        legacy_id=draft.legacy_id,
        legacy_wheel_id=draft.legacy_wheel_id,
        direction=draft.direction,
        strike_cents=draft.strike_cents,
        expiration_date=draft.expiration_date,
        contracts=draft.contracts,
        total_premium_cents=draft.premium_cents,
        close_cost_cents=draft.close_cost_cents,
        outcome=draft.outcome,
        result=result,
        stock_price_at_expiry_cents=draft.price_at_expiry_cents,
        realized_stock_pnl_cents=realized,
        cycle=cycle,
        opened_at=draft.opened_at,
        settled_at=draft.settled_at,
    )


def _start_position(raw: Raw, drafts: list[_Draft], label: str, findings: Findings) -> tuple[WheelPosition, Direction]:
    """Where the wheel began: in cash (a put first), or in shares given to `import` (a call first)."""
    held = _whole(raw.get("shares_held"))
    starts_in_shares = drafts[0].direction is Direction.CALL if drafts else held > 0
    if not starts_in_shares:
        return WheelPosition(WheelState.CASH, 0, None, 1), Direction.PUT
    first_stretch: list[_Draft] = []
    for draft in drafts:
        if draft.direction is not Direction.CALL:
            break
        first_stretch.append(draft)
        if draft.outcome is Outcome.ASSIGNED:
            break
    called_away = bool(first_stretch) and first_stretch[-1].outcome is Outcome.ASSIGNED
    covered = max((d.contracts * SHARES_PER_CONTRACT for d in first_stretch), default=0)
    if called_away:
        # The old tool zeroes shares and cost basis when shares are called away: the first holding is
        # what its calls covered, its entry price is gone.
        return WheelPosition(WheelState.SHARES, covered, None, 1), Direction.CALL
    basis = _safe_cents(raw.get("cost_basis"))
    if basis is None:
        findings.warn("wheels", raw.get("id"), f"{label}: shares without a cost_basis: entry price unknown")
    return WheelPosition(WheelState.SHARES, held or covered, basis, 1), Direction.CALL


def _whole(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _safe_cents(value: Any) -> int | None:
    try:
        return legacy_cents(value)
    except ValueError:
        return None


def _split_superseded(drafts: list[_Draft]) -> tuple[list[_Draft], list[_Draft]]:
    """Open trades followed by later trades (the old tool lost track of them) apart from the rest."""
    superseded = [d for i, d in enumerate(drafts) if d.outcome is Outcome.OPEN and i < len(drafts) - 1]
    kept = [d for d in drafts if d not in superseded]
    return kept, superseded


def _compare_with_legacy(raw: Raw, final: WheelPosition, label: str, findings: Findings) -> None:
    """Warn where the old wheel row disagrees with what its trades say (the trades win)."""
    wid, state = raw.get("id"), raw.get("state")
    mapped = LEGACY_STATES.get(str(state or "").strip().lower())
    if state is not None and mapped is None:
        findings.warn(
            "wheels", wid, f"{label}: unknown state {state!r}: the state comes from its trades ({final.state})"
        )
    elif mapped is not None and mapped is not final.state:
        findings.warn(
            "wheels",
            wid,
            f"{label}: the old file says state {state}, its trades say {final.state}: imported as {final.state}",
        )
    held = raw.get("shares_held")
    if held is not None and _whole(held) != final.shares:
        findings.warn(
            "wheels",
            wid,
            f"{label}: the old file says {held} shares held, its trades say {final.shares}: imported {final.shares}",
        )
    basis = _safe_cents(raw.get("cost_basis"))
    if raw.get("cost_basis") is not None and basis != final.cost_basis_cents:
        ours = "none" if final.cost_basis_cents is None else f"{final.cost_basis_cents / 100:.2f}"
        findings.warn(
            "wheels",
            wid,
            f"{label}: the old file says cost basis {raw['cost_basis']}, its trades say {ours}: imported {ours}",
        )


def _wheel_fields(raw: Raw, source_tz: tzinfo | None, findings: Findings) -> dict[str, Any] | None:
    """Symbol, profile, capital, archive flag and times of a legacy wheel (None when it cannot be held)."""
    wid, text = raw.get("id"), str(raw.get("symbol") or "").strip().upper()
    try:
        symbol = normalize_symbol(text)
    except ValueError:
        if not 1 <= len(text) <= 10:
            findings.block("wheels", wid, f"symbol {raw.get('symbol')!r} is not 1-10 characters")
            return None
        symbol = text
        findings.warn("wheels", wid, f"symbol {text!r} has characters wheeld does not use: kept as it is")
    profile_text = raw.get("profile") or LEGACY_DEFAULT_PROFILE
    try:
        profile = normalize_profile(str(profile_text))
    except ValueError:
        profile = LEGACY_DEFAULT_PROFILE
        findings.warn("wheels", wid, f"{symbol}: profile {profile_text!r} is not a profile name: imported as {profile}")
    try:
        capital = legacy_cents(raw.get("capital_allocated")) or 0
    except ValueError:
        findings.block("wheels", wid, f"capital_allocated {raw.get('capital_allocated')!r} is not an amount")
        return None
    if capital < 0:
        findings.block("wheels", wid, f"capital_allocated {raw.get('capital_allocated')!r} is negative")
        return None
    created = _wheel_time(raw, "created_at", source_tz, findings)
    updated = _wheel_time(raw, "updated_at", source_tz, findings) or created
    archived = raw.get("is_active") is not None and not _whole(raw.get("is_active"))
    return {
        "symbol": symbol,
        "profile": profile,
        "capital": capital,
        "archived": archived,
        "archived_at": updated if archived else None,
        "created_at": created,
        "updated_at": updated,
        "portfolio": _text_id(raw.get("portfolio_id")),
    }


def _wheel_time(raw: Raw, column: str, source_tz: tzinfo | None, findings: Findings) -> datetime | None:
    value = raw.get(column)
    if value is None or not str(value).strip():
        return None
    try:
        return legacy_instant(value, source_tz)
    except ValueError:
        findings.warn("wheels", raw.get("id"), f"{column} {value!r} is not a date and time: the import time is used")
        return None


def _plan_wheel(
    raw: Raw, drafts: list[_Draft], kind: str, source_tz: tzinfo | None, findings: Findings
) -> list[PlannedWheel]:
    """The wheel (and any side wheels) a legacy wheel becomes."""
    fields = _wheel_fields(raw, source_tz, findings)
    if fields is None:
        return []
    wid, label = str(raw["id"]), f"{fields['symbol']} (legacy wheel {raw['id']})"
    for draft in drafts:
        if draft.symbol and draft.symbol != fields["symbol"]:
            findings.warn(
                "trades", draft.legacy_id, f"symbol {draft.symbol} on wheel {label}: imported as {fields['symbol']}"
            )
    kept, superseded = _split_superseded(drafts)
    start, starting_direction = _start_position(raw, kept, label, findings)
    trades, final = _replay(start, kept, label, findings)
    if kind == "wheel":
        _compare_with_legacy(raw, final, label, findings)
    if fields["archived"] and final.state in (WheelState.SHORT_PUT, WheelState.SHORT_CALL):
        findings.warn("wheels", wid, f"{label}: archived with an open option: imported archived; settle it in wheeld")
    note = ""
    if kind == "orphan":
        note = f"Trades of legacy wheel {wid}, which is missing from the old file (imported by migrate-legacy)."
    base = PlannedWheel(
        legacy_id=wid,
        kind=kind,
        symbol=fields["symbol"],
        legacy_portfolio_id=fields["portfolio"],
        profile=fields["profile"],
        capital_allocated_cents=fields["capital"],
        starting_direction=starting_direction,
        position=final,
        archived=fields["archived"],
        archived_at=fields["archived_at"],
        created_at=fields["created_at"],
        updated_at=fields["updated_at"],
        notes=note,
        trades=trades,
    )
    return [base, *(_side_wheel(base, draft, label, findings) for draft in superseded)]


def _side_wheel(base: PlannedWheel, draft: _Draft, label: str, findings: Findings) -> PlannedWheel:
    """An archived wheel for an open trade the old tool lost track of: wheeld holds one open option per wheel."""
    findings.warn(
        "trades",
        draft.legacy_id,
        f"{label}: still open, but later trades followed it on the same wheel: imported as the open option of "
        "a separate archived wheel; settle it there",
    )
    state = WheelState.SHORT_PUT if draft.direction is Direction.PUT else WheelState.SHORT_CALL
    trade = _planned_trade(draft, 1, None, 0)
    return replace(
        base,
        kind="side",
        starting_direction=draft.direction,
        position=WheelPosition(state, 0, None, 1),
        archived=True,
        archived_at=base.archived_at or base.updated_at,
        notes=f"Open trade {draft.legacy_id} of legacy wheel {base.legacy_id}, superseded there by later trades "
        "(imported by migrate-legacy).",
        trades=[trade],
    )


def _plan_portfolios(
    rows: list[Raw] | None, source_tz: tzinfo | None, findings: Findings
) -> list[PlannedPortfolio] | None:
    if rows is None:
        return None
    planned = []
    for raw in rows:
        pid = raw["id"]
        name = str(raw.get("name") or "").strip()
        if not 1 <= len(name) <= 100:
            findings.block("portfolios", pid, f"name {raw.get('name')!r} is not 1-100 characters")
            continue
        try:
            capital = legacy_cents(raw.get("default_capital")) or 0
        except ValueError:
            capital = 0
            findings.warn("portfolios", pid, f"default_capital {raw.get('default_capital')!r} is not an amount: 0 used")
        created = None
        if raw.get("created_at"):
            try:
                created = legacy_instant(raw["created_at"], source_tz)
            except ValueError:
                findings.warn("portfolios", pid, f"created_at {raw['created_at']!r} is not a date and time")
        planned.append(
            PlannedPortfolio(
                str(pid),
                name,
                str(raw.get("description") or ""),
                max(capital, 0),
                bool(_whole(raw.get("is_default"))),
                created,
            )
        )
    return planned


def _snapshot(raw: Raw, trade_ids: set[str], source_tz: tzinfo | None, findings: Findings) -> PlannedSnapshot | None:
    """One snapshot row, or None (with a warning) when wheeld cannot take it."""
    sid, trade_id = raw["id"], str(raw["trade_id"])
    if trade_id not in trade_ids:
        findings.warn("position_snapshots", sid, f"its trade {trade_id} is not in the old file: not imported")
        return None
    try:
        price = legacy_cents(raw["current_price"])
        risk = str(raw.get("risk_level") or "").strip().upper()
        if price is None or risk not in ("LOW", "MEDIUM", "HIGH"):
            raise ValueError("no current_price" if price is None else f"risk_level {raw.get('risk_level')!r}")
        created = legacy_instant(raw["created_at"], source_tz) if raw.get("created_at") else None
        return PlannedSnapshot(
            legacy_id=str(sid),
            snapshot_date=date.fromisoformat(str(raw["snapshot_date"]).strip()[:10]),
            current_price_cents=price,
            dte_calendar=int(raw["dte_calendar"]),
            dte_trading=int(raw["dte_trading"]),
            moneyness_pct=float(raw["moneyness_pct"]),
            is_itm=bool(_whole(raw.get("is_itm"))),
            risk_level=risk,
            created_at=created,
        )
    except (TypeError, ValueError) as exc:
        findings.warn("position_snapshots", sid, f"not imported: {exc}")
        return None


def _plan_snapshots(rows: list[Raw] | None, trades: list[Raw], source_tz: tzinfo | None, plan: LegacyPlan) -> None:
    trade_ids = {str(raw["id"]) for raw in trades}
    for raw in rows or []:
        snapshot = _snapshot(raw, trade_ids, source_tz, plan.findings)
        if snapshot is None:
            plan.snapshots_rejected += 1
        else:
            plan.snapshots.setdefault(str(raw["trade_id"]), []).append(snapshot)


def plan_import(
    portfolios: list[Raw] | None,
    wheels: list[Raw],
    trades: list[Raw],
    source_tz: tzinfo | None = None,
    snapshots: list[Raw] | None = None,
) -> LegacyPlan:
    """The whole import worked out in memory: portfolios, wheels with replayed trades, snapshots, figures."""
    findings = Findings()
    planned_portfolios = _plan_portfolios(portfolios, source_tz, findings)
    drafts: dict[str, list[_Draft]] = defaultdict(list)
    figures: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    trade_figures: dict[str, tuple[str, int]] = {}
    for raw in trades:
        wheel_id = str(raw["wheel_id"])
        # The "before" figures come from the rows as they are, apart from the replay they check.
        premium = 0
        with suppress(ValueError, TypeError, KeyError):
            premium = legacy_premium_cents(raw)
        trade_figures[str(raw["id"])] = (wheel_id, premium)
        figures[wheel_id][0] += 1
        figures[wheel_id][1] += premium
        draft = _draft(raw, source_tz, findings)
        if draft is not None:
            drafts[wheel_id].append(draft)
    planned: list[PlannedWheel] = []
    known = set()
    for raw in wheels:
        known.add(str(raw["id"]))
        planned.extend(_plan_wheel(raw, drafts.get(str(raw["id"]), []), "wheel", source_tz, findings))
    for wheel_id, orphans in drafts.items():
        if wheel_id in known:
            continue
        findings.warn(
            "wheels", wheel_id, f"missing, yet {len(orphans)} trade(s) refer to it: imported into an archived wheel"
        )
        stand_in = {"id": wheel_id, "symbol": orphans[0].symbol, "is_active": 0, "created_at": orphans[0].opened_at}
        planned.extend(_plan_wheel(stand_in, orphans, "orphan", source_tz, findings))
    symbols = {w.legacy_id: w.symbol for w in planned if w.kind != "side"}
    plan = LegacyPlan(
        portfolios=planned_portfolios,
        wheels=planned,
        figures={wid: LegacyFigures(symbols.get(wid, "?"), n, cents) for wid, (n, cents) in figures.items()},
        trade_figures=trade_figures,
        findings=findings,
    )
    _plan_snapshots(snapshots, trades, source_tz, plan)
    return plan
