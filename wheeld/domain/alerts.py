"""Which alerts the risk monitor raises and clears (FR-9), as a pure function of positions and active alerts.

Each open position has up to three conditions, each with its own key and at most one active alert
(the database enforces it):

- `itm` (key `itm:trade:<id>`, severity HIGH): raised when the option is in the money; cleared when
  it is out of the money again or the trade is no longer open.
- `risk_worsened` (key `risk:trade:<id>`, severity = the new level): raised when the risk level is
  above the level last alerted (LOW when none); an ITM position is announced by `itm` instead (one
  event, one alert). Cleared when the level is back to LOW or the trade is no longer open. A level
  that improves but stays above LOW (HIGH → MEDIUM) keeps its alert and raises nothing.
- `expiring` (key `expiring:trade:<id>`, severity = the position's risk level, LOW when unpriced):
  raised when fewer calendar days to expiration remain than `approaching_dte` (default 3); cleared
  when the trade is no longer open.

- `advice` (key `advice:<action>:trade:<id>`): raised when a position's advice changes to
  `take_profit` (severity LOW), `roll` or `expect_assignment` (MEDIUM) or `close` (HIGH) from what
  the monitor saw the last time; cleared when the advice moves to another action or the trade is no
  longer open. A position's first advice seen (a new position, or the first run after a start without
  an active advice alert for it) is the baseline it changes from: it raises nothing.

A position without a price (no quote) keeps its price-based alerts as they are: no price is not
good news.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from wheeld.domain.risk import DEFAULT_APPROACHING_DTE, RISK_ORDER, RiskLevel

ITM = "itm"
RISK_WORSENED = "risk_worsened"
EXPIRING = "expiring"
ADVICE = "advice"
# The kinds this module owns: only these are cleared when a position is gone (plugins have their own).
MONITORED_KINDS = (ITM, RISK_WORSENED, EXPIRING, ADVICE)
# The advice actions that call for the trader, and the severity of their alert.
ADVICE_SEVERITY = {"take_profit": "LOW", "roll": "MEDIUM", "expect_assignment": "MEDIUM", "close": "HIGH"}
SEVERITIES = tuple(str(level) for level in RiskLevel)  # LOW, MEDIUM, HIGH


def severity_rank(severity: str) -> int:
    """0 for LOW, 1 for MEDIUM, 2 for HIGH (ValueError for anything else)."""
    try:
        return RISK_ORDER[RiskLevel(severity)]
    except ValueError:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, not {severity!r}") from None


def condition_key(kind: str, trade_id: int) -> str:
    """The de-duplication key of a monitored condition on one trade, e.g. 'itm:trade:7'."""
    prefix = "risk" if kind == RISK_WORSENED else kind
    return f"{prefix}:trade:{trade_id}"


@dataclass(frozen=True)
class PositionRisk:
    """What the risk monitor needs to know about one open short option."""

    trade_id: int
    wheel_id: int
    portfolio_id: int
    symbol: str
    risk_level: str | None  # None: no price, so moneyness and risk are unknown
    is_itm: bool | None
    dte_calendar: int
    moneyness_pct: float | None
    direction: str | None = None
    strike_cents: int | None = None
    expiration_date: str | None = None
    current_price_cents: int | None = None
    price_as_of: str | None = None
    price_age_seconds: float | None = None
    price_stale: bool | None = None
    advice_action: str | None = None  # None: no advice computed
    advice_reason: str | None = None  # the last reason: the rule that decided it

    @classmethod
    def of(cls, position: PositionRisk | Mapping[str, Any]) -> PositionRisk:
        """From a position status dict (as `PositionService` returns) or a PositionRisk."""
        if isinstance(position, PositionRisk):
            return position
        return cls(
            trade_id=position["trade_id"],
            wheel_id=position["wheel_id"],
            portfolio_id=position["portfolio_id"],
            symbol=position["symbol"],
            risk_level=position.get("risk_level"),
            is_itm=position.get("is_itm"),
            dte_calendar=position["dte_calendar"],
            moneyness_pct=position.get("moneyness_pct"),
            direction=position.get("direction"),
            # Position statuses carry money as integer cents under the API's names.
            strike_cents=position.get("strike_cents", position.get("strike")),
            expiration_date=position.get("expiration_date"),
            current_price_cents=position.get("current_price_cents", position.get("current_price")),
            price_as_of=position.get("price_as_of"),
            price_age_seconds=position.get("price_age_seconds"),
            price_stale=position.get("price_stale"),
            advice_action=(position.get("advice") or {}).get("action"),
            advice_reason=((position.get("advice") or {}).get("reasons") or [None])[-1],
        )

    @property
    def label(self) -> str:
        """'AAPL 180.00 put exp 2026-12-18' (as much of it as is known)."""
        parts = [self.symbol]
        if self.strike_cents is not None:
            parts.append(f"{self.strike_cents / 100:.2f}")
        if self.direction:
            parts.append(self.direction)
        if self.expiration_date:
            parts.append(f"exp {self.expiration_date}")
        return " ".join(parts)

    def details(self) -> dict[str, Any]:
        """The figures an alert records about the position when raised."""
        found = {
            "risk_level": self.risk_level,
            "is_itm": self.is_itm,
            "moneyness_pct": self.moneyness_pct,
            "dte_calendar": self.dte_calendar,
            "direction": self.direction,
            "strike": None if self.strike_cents is None else self.strike_cents / 100,
            "expiration_date": self.expiration_date,
            "price": None if self.current_price_cents is None else self.current_price_cents / 100,
            "price_as_of": self.price_as_of,
            "price_age_seconds": self.price_age_seconds,
            "price_stale": self.price_stale,
        }
        return {name: value for name, value in found.items() if value is not None}


@dataclass(frozen=True)
class ActiveAlert:
    """An alert that has not cleared: its condition, kind, severity and trade."""

    condition_key: str
    kind: str
    severity: str
    trade_id: int | None = None

    @classmethod
    def of(cls, alert: ActiveAlert | Mapping[str, Any]) -> ActiveAlert:
        """From an alert dict (as `AlertService` returns) or an ActiveAlert."""
        if isinstance(alert, ActiveAlert):
            return alert
        return cls(alert["condition_key"], alert["kind"], alert["severity"], alert.get("trade_id"))


@dataclass(frozen=True)
class NewAlert:
    """An alert to raise."""

    kind: str
    severity: str
    condition_key: str
    message: str
    trade_id: int | None  # None (and the next three) for alerts not about a position, e.g. a plugin's
    wheel_id: int | None
    portfolio_id: int | None
    symbol: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class AlertPlan:
    """What to do: alerts to raise (each replacing any active alert of its key) and keys to clear."""

    raise_alerts: list[NewAlert] = field(default_factory=list)
    clear_keys: list[str] = field(default_factory=list)


def advice_key(action: str, trade_id: int) -> str:
    """The de-duplication key of one advice on one trade, e.g. 'advice:roll:trade:7'."""
    return f"{ADVICE}:{action}:trade:{trade_id}"


def advice_of_key(key: str) -> str | None:
    """The action an advice alert's key names ('advice:roll:trade:7' -> 'roll'), None for other keys."""
    parts = key.split(":")
    return parts[1] if len(parts) == 4 and parts[0] == ADVICE else None


def evaluate_positions(
    positions: Iterable[PositionRisk | Mapping[str, Any]],
    active: Iterable[ActiveAlert | Mapping[str, Any]],
    approaching_dte: int = DEFAULT_APPROACHING_DTE,
    previous_advice: Mapping[int, str] | None = None,
) -> AlertPlan:
    """The alerts to raise and clear given every open position and the currently active alerts.

    `positions` must be every open position the monitor looks after (one portfolio or all), and
    `active` the active alerts of that same set: a monitored alert whose trade is not among the
    positions is cleared (the trade was settled, rolled or deleted). `previous_advice` (trade id ->
    the action seen the last time) turns on the advice alerts; None leaves them out.
    """
    by_key = {alert.condition_key: alert for alert in map(ActiveAlert.of, active)}
    plan = AlertPlan()
    seen_trades = set()
    for position in map(PositionRisk.of, positions):
        seen_trades.add(position.trade_id)
        _itm(position, by_key, plan)
        _risk(position, by_key, plan)
        _expiring(position, by_key, approaching_dte, plan)
        if previous_advice is not None:
            _advice(position, by_key, previous_advice.get(position.trade_id), plan)
    for alert in by_key.values():
        if alert.kind in MONITORED_KINDS and alert.trade_id is not None and alert.trade_id not in seen_trades:
            plan.clear_keys.append(alert.condition_key)
    return plan


def _new(kind: str, severity: str, position: PositionRisk, message: str) -> NewAlert:
    return NewAlert(
        kind=kind,
        severity=severity,
        condition_key=condition_key(kind, position.trade_id),
        message=message,
        trade_id=position.trade_id,
        wheel_id=position.wheel_id,
        portfolio_id=position.portfolio_id,
        symbol=position.symbol,
        details=position.details(),
    )


def _cushion(position: PositionRisk) -> str:
    if position.moneyness_pct is None:
        return ""
    stale = ", stale price" if position.price_stale else ""
    return f" (cushion {position.moneyness_pct:+.2f}%{stale})"


def _itm(position: PositionRisk, by_key: Mapping[str, ActiveAlert], plan: AlertPlan) -> None:
    if position.is_itm is None:
        return
    key = condition_key(ITM, position.trade_id)
    if position.is_itm and key not in by_key:
        message = f"{position.label} is in the money{_cushion(position)}"
        plan.raise_alerts.append(_new(ITM, "HIGH", position, message))
    elif not position.is_itm and key in by_key:
        plan.clear_keys.append(key)


def _risk(position: PositionRisk, by_key: Mapping[str, ActiveAlert], plan: AlertPlan) -> None:
    if position.risk_level is None:
        return
    level = RiskLevel(position.risk_level)
    key = condition_key(RISK_WORSENED, position.trade_id)
    alerted = by_key.get(key)
    if level is RiskLevel.LOW:
        if alerted is not None:
            plan.clear_keys.append(key)
        return
    # An ITM position is HIGH by definition and announced by its `itm` alert: one event, one alert.
    baseline = RiskLevel.HIGH if position.is_itm else RiskLevel(alerted.severity if alerted else "LOW")
    if RISK_ORDER[level] > RISK_ORDER[baseline]:
        message = f"{position.label}: risk rose to {level}{_cushion(position)}"
        plan.raise_alerts.append(_new(RISK_WORSENED, str(level), position, message))


def _expiring(position: PositionRisk, by_key: Mapping[str, ActiveAlert], approaching_dte: int, plan: AlertPlan) -> None:
    key = condition_key(EXPIRING, position.trade_id)
    if position.dte_calendar >= approaching_dte or key in by_key:
        return
    days = position.dte_calendar
    if days < 0:
        when = f"expired {-days} day{'s' if days != -1 else ''} ago and is still open"
    elif days == 0:
        when = "expires today"
    else:
        when = f"expires in {days} day{'s' if days != 1 else ''}"
    severity = position.risk_level or "LOW"
    message = f"{position.label} {when}" + (f", risk {severity}" if position.risk_level else "")
    plan.raise_alerts.append(_new(EXPIRING, severity, position, message))


def _advice(position: PositionRisk, by_key: Mapping[str, ActiveAlert], previous: str | None, plan: AlertPlan) -> None:
    action = position.advice_action
    if action is None:
        return
    mine = [a for a in by_key.values() if a.kind == ADVICE and a.trade_id == position.trade_id]
    plan.clear_keys.extend(a.condition_key for a in mine if advice_of_key(a.condition_key) != action)
    if action not in ADVICE_SEVERITY or previous is None or previous == action:
        return
    if advice_key(action, position.trade_id) in by_key:
        return
    message = f"{position.label}: advice is now {action} (was {previous})"
    if position.advice_reason:
        message += f": {position.advice_reason}"
    alert = _new(ADVICE, ADVICE_SEVERITY[action], position, message)
    details = {**alert.details, "advice": action, "previous_advice": previous}
    plan.raise_alerts.append(replace(alert, condition_key=advice_key(action, position.trade_id), details=details))
