"""Alerts (FR-9): raise with de-duplication, clear, list, acknowledge, and apply the risk monitor's verdict.

A condition (its `condition_key`, e.g. ``itm:trade:7``) has at most one active alert. Raising it again
while it is active does nothing; raising it with another kind or severity clears the old alert and
stores a new one (the condition changed), which is notified. New alerts go to the notifiers after
their transaction commits, and each delivery is recorded.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from wheeld.clock import Clock, parse_utc, utc_iso, utc_iso_fixed
from wheeld.db import alerts as repo
from wheeld.db.connection import Database, Row
from wheeld.domain.alerts import (
    MONITORED_KINDS,
    AlertPlan,
    NewAlert,
    PositionRisk,
    advice_of_key,
    evaluate_positions,
    severity_rank,
)
from wheeld.domain.risk import DEFAULT_APPROACHING_DTE
from wheeld.errors import NotFound, ValidationError
from wheeld.services.listing import Page, Paged
from wheeld.services.notifiers import Delivery, Notifier

log = logging.getLogger(__name__)
MAX_KIND_CHARS = 80
MAX_KEY_CHARS = 200


def _time(text: str | None) -> str | None:
    return None if text is None else utc_iso(parse_utc(text))


def alert_dict(row: Row, deliveries: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An alert row as the API shows it."""
    return {
        "id": row["id"],
        "kind": row["kind"],
        "severity": row["severity"],
        "condition_key": row["condition_key"],
        "message": row["message"],
        "details": json.loads(row["details"]),
        "portfolio_id": row["portfolio_id"],
        "wheel_id": row["wheel_id"],
        "trade_id": row["trade_id"],
        "symbol": row["symbol"],
        "source": row["source"],
        "created_at": _time(row["created_at"]),
        "acknowledged": row["acknowledged_at"] is not None,
        "acknowledged_at": _time(row["acknowledged_at"]),
        "active": row["cleared_at"] is None,
        "cleared_at": _time(row["cleared_at"]),
        "deliveries": deliveries or [],
    }


def _delivery_dict(row: Row) -> dict[str, Any]:
    return {
        "channel": row["channel"],
        "notifier": row["notifier"],
        "status": row["status"],
        "attempts": row["attempts"],
        "error": row["error"],
        "delivered_at": _time(row["delivered_at"]),
    }


def _not_found(alert_id: int) -> NotFound:
    return NotFound(f"alert {alert_id} not found", {"alert_id": alert_id})


@dataclass(frozen=True)
class AppliedPlan:
    """What applying an `AlertPlan` did: the alerts raised (after delivery) and how many cleared."""

    raised: list[dict[str, Any]]
    cleared: int


class AlertService:
    """Alerts over the database, delivered through a notifier."""

    def __init__(self, db: Database, clock: Clock, notifier: Notifier | None = None) -> None:
        self.db = db
        self.clock = clock
        self.notifier = notifier
        # The advice each open trade had at the monitor's last run: what an advice alert changes from.
        self._advice_seen: dict[int, str] = {}

    async def raise_alert(
        self,
        kind: str,
        severity: str,
        condition_key: str,
        message: str,
        *,
        trade_id: int | None = None,
        wheel_id: int | None = None,
        portfolio_id: int | None = None,
        symbol: str | None = None,
        details: Mapping[str, Any] | None = None,
        source: str = "",
    ) -> tuple[dict[str, Any], bool]:
        """Raise an alert unless its condition already has an active one of the same kind and severity.

        Returns the alert and whether it is new. A trade's wheel, portfolio and symbol are filled in
        when not given. New alerts are delivered before this returns (the webhook may take its timeout
        and retries); delivery failures are recorded, never raised.
        """
        alert = NewAlert(
            kind=kind,
            severity=severity,
            condition_key=condition_key,
            message=message,
            trade_id=trade_id,
            wheel_id=wheel_id,
            portfolio_id=portfolio_id,
            symbol=symbol,
            details=dict(details or {}),
        )
        _check(alert)
        async with self.db.transaction(bookkeeping=True) as conn:
            row, created = await self._store(conn, alert, source, utc_iso_fixed(self.clock.now()))
        result = alert_dict(row)
        if created:
            result = (await self._deliver([result]))[0]
        return result, created

    async def clear(self, condition_key: str) -> bool:
        """Clear the active alert of a condition; False when it had none."""
        async with self.db.transaction(bookkeeping=True) as conn:
            return bool(await repo.clear_alert(conn, condition_key, utc_iso_fixed(self.clock.now())))

    async def apply(self, plan: AlertPlan, source: str = "") -> AppliedPlan:
        """Clear and raise what a plan says in one transaction, then deliver the new alerts."""
        now = utc_iso_fixed(self.clock.now())
        for alert in plan.raise_alerts:
            _check(alert)
        raised: list[dict[str, Any]] = []
        cleared = 0
        async with self.db.transaction(bookkeeping=True) as conn:
            for key in plan.clear_keys:
                cleared += await repo.clear_alert(conn, key, now)
            for alert in plan.raise_alerts:
                row, created = await self._store(conn, alert, source, now)
                if created:
                    raised.append(alert_dict(row))
        return AppliedPlan(await self._deliver(raised), cleared)

    async def evaluate_positions(
        self,
        positions: Iterable[PositionRisk | Mapping[str, Any]],
        *,
        portfolio_id: int | None = None,
        approaching_dte: int = DEFAULT_APPROACHING_DTE,
        source: str = "risk_monitor",
    ) -> str:
        """The risk monitor's work: raise and clear alerts for every open position; returns a summary.

        `positions` must be every open position (of `portfolio_id` when given): monitored alerts of
        trades not among them are cleared.
        """
        positions = [PositionRisk.of(p) for p in positions]
        active = [alert_dict(r) for r in await repo.active_alerts(self.db.reader, MONITORED_KINDS, portfolio_id)]
        # After a start, an active advice alert is the advice last seen; else the first run is the baseline.
        previous = {
            a["trade_id"]: action
            for a in active
            if a["trade_id"] is not None and (action := advice_of_key(a["condition_key"])) is not None
        }
        previous.update(self._advice_seen)
        plan = evaluate_positions(positions, active, approaching_dte, previous)
        applied = await self.apply(plan, source)
        if portfolio_id is None:
            self._advice_seen.clear()  # every open trade is below: settled ones drop out
        self._advice_seen.update(
            {r.trade_id: r.advice_action for r in map(PositionRisk.of, positions) if r.advice_action is not None}
        )
        unpriced = sum(1 for p in positions if p.risk_level is None)
        summary = (
            f"evaluated {len(positions)} position{'s' if len(positions) != 1 else ''}:"
            f" raised {len(applied.raised)}, cleared {applied.cleared}"
        )
        return summary + (f" ({unpriced} without a price)" if unpriced else "")

    async def active(self, portfolio_id: int | None = None) -> list[dict[str, Any]]:
        """Every active alert of the monitored kinds (of one portfolio when given)."""
        rows = await repo.active_alerts(self.db.reader, MONITORED_KINDS, portfolio_id)
        return [alert_dict(r) for r in rows]

    async def list(self, filters: Mapping[str, Any], page: Page) -> Paged:
        """A page of alerts, newest first; filters: acknowledged, active, kind, severity, portfolio_id,
        wheel_id, trade_id, symbol, source, since (an aware datetime)."""
        clean = dict(filters)
        if isinstance(clean.get("since"), datetime):
            clean["since"] = utc_iso_fixed(clean["since"])
        rows, total = await repo.list_alerts(self.db.reader, clean, page.page_size, page.offset)
        return Paged(await self._with_deliveries(rows), total, page)

    async def get(self, alert_id: int) -> dict[str, Any]:
        """One alert with its deliveries, or NotFound."""
        row = await repo.get_alert(self.db.reader, alert_id)
        if row is None:
            raise _not_found(alert_id)
        return (await self._with_deliveries([row]))[0]

    async def acknowledge(self, alert_id: int, acknowledged: bool = True) -> dict[str, Any]:
        """Acknowledge an alert (idempotent: the first time is kept), or undo it with False."""
        at = utc_iso_fixed(self.clock.now()) if acknowledged else None
        async with self.db.transaction(bookkeeping=True) as conn:
            if not await repo.set_acknowledged(conn, alert_id, at):
                raise _not_found(alert_id)
        return await self.get(alert_id)

    async def _store(self, conn: aiosqlite.Connection, alert: NewAlert, source: str, now: str) -> tuple[Row, bool]:
        existing = await repo.active_alert(conn, alert.condition_key)
        if existing is not None and (existing["kind"], existing["severity"]) == (alert.kind, alert.severity):
            return existing, False
        values: dict[str, Any] = {
            "kind": alert.kind,
            "severity": alert.severity,
            "condition_key": alert.condition_key,
            "message": alert.message,
            "details": alert.details,
            "portfolio_id": alert.portfolio_id,
            "wheel_id": alert.wheel_id,
            "trade_id": alert.trade_id,
            "symbol": alert.symbol,
            "source": source,
            "created_at": now,
        }
        if alert.trade_id is not None and None in (alert.wheel_id, alert.portfolio_id, alert.symbol):
            refs = await repo.trade_refs(conn, alert.trade_id)
            if refs is None:
                raise ValidationError.field("trade_id", alert.trade_id, "no trade has this id")
            for name in ("wheel_id", "portfolio_id", "symbol"):
                values[name] = values[name] if values[name] is not None else refs[name]
        if existing is not None:
            # The condition changed (kind or severity): the old alert gives way to the new one.
            await repo.clear_alert(conn, alert.condition_key, now)
        new_id = await repo.insert_alert(conn, values)
        row = await repo.get_alert(conn, new_id)
        assert row is not None
        return row, True

    async def _deliver(self, alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.notifier is None or not alerts:
            return alerts
        notifier = self.notifier
        outcomes: list[list[Delivery]] = list(await asyncio.gather(*(notifier.deliver(a) for a in alerts)))
        now = utc_iso_fixed(self.clock.now())
        try:
            async with self.db.transaction(bookkeeping=True) as conn:
                for alert, deliveries in zip(alerts, outcomes, strict=True):
                    for d in deliveries:
                        await repo.insert_delivery(
                            conn, alert["id"], d.channel, d.status, d.attempts, d.error, now, d.notifier
                        )
        except Exception:
            # The alerts are stored and were delivered; losing the record of it must not fail the caller.
            log.exception("could not record alert deliveries")
        at = utc_iso(parse_utc(now))
        return [
            {
                **alert,
                "deliveries": [
                    {
                        "channel": d.channel,
                        "notifier": d.notifier,
                        "status": d.status,
                        "attempts": d.attempts,
                        "error": d.error,
                        "delivered_at": at,
                    }
                    for d in deliveries
                ],
            }
            for alert, deliveries in zip(alerts, outcomes, strict=True)
        ]

    async def _with_deliveries(self, rows: list[Row]) -> list[dict[str, Any]]:
        by_alert: dict[int, list[dict[str, Any]]] = {}
        for row in await repo.deliveries_of(self.db.reader, [r["id"] for r in rows]):
            by_alert.setdefault(row["alert_id"], []).append(_delivery_dict(row))
        return [alert_dict(r, by_alert.get(r["id"])) for r in rows]


def _check(alert: NewAlert) -> None:
    """Refuse an alert a client or plugin got wrong (the database would too, less clearly)."""
    if not isinstance(alert.kind, str) or not 1 <= len(alert.kind) <= MAX_KIND_CHARS:
        raise ValidationError.field("kind", alert.kind, f"must be 1-{MAX_KIND_CHARS} characters")
    if not isinstance(alert.condition_key, str) or not 1 <= len(alert.condition_key) <= MAX_KEY_CHARS:
        raise ValidationError.field("condition_key", alert.condition_key, f"must be 1-{MAX_KEY_CHARS} characters")
    try:
        severity_rank(alert.severity)
    except ValueError as exc:
        raise ValidationError.field("severity", alert.severity, str(exc)) from None
    if not isinstance(alert.message, str) or not alert.message.strip():
        raise ValidationError.field("message", alert.message, "must be a non-empty string")
