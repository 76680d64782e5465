"""The whole legacy import worked out in memory (`plan_import`): portfolios, replayed wheels, snapshots."""

from __future__ import annotations

from collections import defaultdict
from contextlib import suppress
from datetime import date, tzinfo

from wheeld.domain.legacy.records import (
    Findings,
    LegacyFigures,
    LegacyPlan,
    PlannedPortfolio,
    PlannedSnapshot,
    PlannedWheel,
)
from wheeld.domain.legacy.replay import plan_wheel
from wheeld.domain.legacy.trades import Draft, draft_trade
from wheeld.domain.legacy.values import Raw, legacy_cents, legacy_instant, legacy_premium_cents, whole_number


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
                bool(whole_number(raw.get("is_default"))),
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
            is_itm=bool(whole_number(raw.get("is_itm"))),
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
    drafts: dict[str, list[Draft]] = defaultdict(list)
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
        draft = draft_trade(raw, source_tz, findings)
        if draft is not None:
            drafts[wheel_id].append(draft)
    planned: list[PlannedWheel] = []
    known = set()
    for raw in wheels:
        known.add(str(raw["id"]))
        planned.extend(plan_wheel(raw, drafts.get(str(raw["id"]), []), "wheel", source_tz, findings))
    for wheel_id, orphans in drafts.items():
        if wheel_id in known:
            continue
        findings.warn(
            "wheels", wheel_id, f"missing, yet {len(orphans)} trade(s) refer to it: imported into an archived wheel"
        )
        stand_in = {"id": wheel_id, "symbol": orphans[0].symbol, "is_active": 0, "created_at": orphans[0].opened_at}
        planned.extend(plan_wheel(stand_in, orphans, "orphan", source_tz, findings))
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
