"""One legacy wheel replayed through wheeld's state machine: its start, trades, side wheels and contradictions."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, tzinfo
from typing import Any

from wheeld.domain.legacy.records import Findings, PlannedTrade, PlannedWheel
from wheeld.domain.legacy.trades import Draft
from wheeld.domain.legacy.values import (
    LEGACY_DEFAULT_PROFILE,
    LEGACY_STATES,
    Raw,
    legacy_cents,
    legacy_instant,
    safe_cents,
    text_id,
    whole_number,
)
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


def _fit_opening(position: WheelPosition, draft: Draft, label: str, findings: Findings) -> WheelPosition:
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
    start: WheelPosition, drafts: list[Draft], label: str, findings: Findings
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


def _planned_trade(draft: Draft, cycle: int, result: Result | None, realized: int) -> PlannedTrade:
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


def _start_position(raw: Raw, drafts: list[Draft], label: str, findings: Findings) -> tuple[WheelPosition, Direction]:
    """Where the wheel began: in cash (a put first), or in shares given to `import` (a call first)."""
    held = whole_number(raw.get("shares_held"))
    starts_in_shares = drafts[0].direction is Direction.CALL if drafts else held > 0
    if not starts_in_shares:
        return WheelPosition(WheelState.CASH, 0, None, 1), Direction.PUT
    first_stretch: list[Draft] = []
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
    basis = safe_cents(raw.get("cost_basis"))
    if basis is None:
        findings.warn("wheels", raw.get("id"), f"{label}: shares without a cost_basis: entry price unknown")
    return WheelPosition(WheelState.SHARES, held or covered, basis, 1), Direction.CALL


def _split_superseded(drafts: list[Draft]) -> tuple[list[Draft], list[Draft]]:
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
    if held is not None and whole_number(held) != final.shares:
        findings.warn(
            "wheels",
            wid,
            f"{label}: the old file says {held} shares held, its trades say {final.shares}: imported {final.shares}",
        )
    basis = safe_cents(raw.get("cost_basis"))
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
    archived = raw.get("is_active") is not None and not whole_number(raw.get("is_active"))
    return {
        "symbol": symbol,
        "profile": profile,
        "capital": capital,
        "archived": archived,
        "archived_at": updated if archived else None,
        "created_at": created,
        "updated_at": updated,
        "portfolio": text_id(raw.get("portfolio_id")),
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


def plan_wheel(
    raw: Raw, drafts: list[Draft], kind: str, source_tz: tzinfo | None, findings: Findings
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


def _side_wheel(base: PlannedWheel, draft: Draft, label: str, findings: Findings) -> PlannedWheel:
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
