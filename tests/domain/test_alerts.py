"""The risk monitor's verdict as a table: which alerts a position raises and which clear."""

from __future__ import annotations

from typing import Any

import pytest

from wheeld.domain.alerts import (
    ActiveAlert,
    PositionRisk,
    condition_key,
    evaluate_positions,
    severity_rank,
)


def position(trade_id: int = 7, **fields: Any) -> dict[str, Any]:
    """A position status as PositionService returns it: an AAPL 180 put, 23 DTE, 8 % OTM, LOW."""
    base = {
        "trade_id": trade_id,
        "wheel_id": 3,
        "portfolio_id": 1,
        "symbol": "AAPL",
        "direction": "put",
        "strike": 18000,
        "expiration_date": "2026-12-17",
        "current_price": 19440,
        "risk_level": "LOW",
        "is_itm": False,
        "dte_calendar": 23,
        "moneyness_pct": 8.0,
    }
    return {**base, **fields}


ITM = {"risk_level": "HIGH", "is_itm": True, "moneyness_pct": -1.2, "current_price": 17784}
MEDIUM = {"risk_level": "MEDIUM", "moneyness_pct": 2.5}
UNPRICED = {"risk_level": None, "is_itm": None, "moneyness_pct": None, "current_price": None}


def active(kind: str, severity: str, trade_id: int = 7) -> ActiveAlert:
    """An active monitored alert on a trade."""
    return ActiveAlert(condition_key(kind, trade_id), kind, severity, trade_id)


# (case, position changes, active alerts, raised (kind, severity), cleared kinds)
CASES: list[tuple[str, dict[str, Any], list[ActiveAlert], list[tuple[str, str]], list[str]]] = [
    ("quiet OTM position", {}, [], [], []),
    ("goes ITM: one itm alert, not a second risk alert", ITM, [], [("itm", "HIGH")], []),
    ("still ITM: nothing new", ITM, [active("itm", "HIGH")], [], []),
    ("back OTM and LOW: itm clears", {}, [active("itm", "HIGH")], [], ["itm"]),
    ("LOW to MEDIUM: risk worsened", MEDIUM, [], [("risk_worsened", "MEDIUM")], []),
    ("MEDIUM stays MEDIUM: nothing new", MEDIUM, [active("risk_worsened", "MEDIUM")], [], []),
    ("MEDIUM to ITM: itm only, MEDIUM alert stays", ITM, [active("risk_worsened", "MEDIUM")], [("itm", "HIGH")], []),
    (
        "ITM to MEDIUM: itm clears, MEDIUM announced",
        MEDIUM,
        [active("itm", "HIGH")],
        [("risk_worsened", "MEDIUM")],
        ["itm"],
    ),
    ("HIGH alerted, improves to MEDIUM: keeps it", MEDIUM, [active("risk_worsened", "HIGH")], [], []),
    ("MEDIUM back to LOW: risk clears", {}, [active("risk_worsened", "MEDIUM")], [], ["risk_worsened"]),
    ("2 DTE (under 3): expiring at its risk level", {"dte_calendar": 2}, [], [("expiring", "LOW")], []),
    ("3 DTE is not under 3", {"dte_calendar": 3}, [], [], []),
    ("expiring already alerted", {"dte_calendar": 1}, [active("expiring", "LOW")], [], []),
    (
        "ITM and expiring",
        {**ITM, "dte_calendar": 0},
        [],
        [("itm", "HIGH"), ("expiring", "HIGH")],
        [],
    ),
    ("no price: keeps itm as it is", UNPRICED, [active("itm", "HIGH")], [], []),
    ("no price, 1 DTE: expiring, LOW", {**UNPRICED, "dte_calendar": 1}, [], [("expiring", "LOW")], []),
]


@pytest.mark.parametrize(("changes", "alerts", "raised", "cleared"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_one_position(
    changes: dict[str, Any], alerts: list[ActiveAlert], raised: list[tuple[str, str]], cleared: list[str]
) -> None:
    plan = evaluate_positions([position(**changes)], alerts, approaching_dte=3)
    assert [(a.kind, a.severity) for a in plan.raise_alerts] == raised
    assert plan.clear_keys == [condition_key(kind, 7) for kind in cleared]
    for alert in plan.raise_alerts:
        assert alert.condition_key == condition_key(alert.kind, 7)
        assert (alert.trade_id, alert.wheel_id, alert.portfolio_id, alert.symbol) == (7, 3, 1, "AAPL")


def test_alerts_of_trades_no_longer_open_clear_and_others_stay() -> None:
    alerts = [
        active("itm", "HIGH", trade_id=7),
        active("expiring", "LOW", trade_id=8),
        active("risk_worsened", "MEDIUM", trade_id=9),
        ActiveAlert("earnings:AAPL:2026-12-01", "earnings", "MEDIUM", None),  # a plugin's: not ours to clear
    ]
    plan = evaluate_positions([position(trade_id=9, **MEDIUM)], alerts)
    assert plan.raise_alerts == []
    assert plan.clear_keys == ["itm:trade:7", "expiring:trade:8"]


def test_messages_and_details_name_the_position() -> None:
    plan = evaluate_positions([position(**ITM, dte_calendar=2)], [])
    itm, expiring = plan.raise_alerts
    assert itm.message == "AAPL 180.00 put exp 2026-12-17 is in the money (cushion -1.20%)"
    assert expiring.message == "AAPL 180.00 put exp 2026-12-17 expires in 2 days, risk HIGH"
    assert itm.details == {
        "risk_level": "HIGH",
        "is_itm": True,
        "moneyness_pct": -1.2,
        "dte_calendar": 2,
        "direction": "put",
        "strike": 180.0,
        "expiration_date": "2026-12-17",
        "price": 177.84,
    }


@pytest.mark.parametrize(
    ("dte", "text"),
    [(1, "expires in 1 day"), (0, "expires today"), (-2, "expired 2 days ago and is still open")],
)
def test_expiring_wording(dte: int, text: str) -> None:
    (alert,) = evaluate_positions([position(dte_calendar=dte)], []).raise_alerts
    assert text in alert.message


def test_the_threshold_comes_from_the_caller() -> None:
    assert evaluate_positions([position(dte_calendar=5)], [], approaching_dte=3).raise_alerts == []
    (alert,) = evaluate_positions([position(dte_calendar=5)], [], approaching_dte=7).raise_alerts
    assert alert.kind == "expiring"


def test_dataclass_and_dict_inputs_agree() -> None:
    as_dict = evaluate_positions([position(**ITM)], [{"condition_key": "x", "kind": "itm", "severity": "HIGH"}])
    as_class = evaluate_positions([PositionRisk.of(position(**ITM))], [ActiveAlert("x", "itm", "HIGH")])
    assert as_dict == as_class


def test_severity_rank() -> None:
    assert [severity_rank(s) for s in ("LOW", "MEDIUM", "HIGH")] == [0, 1, 2]
    with pytest.raises(ValueError, match="severity"):
        severity_rank("CRITICAL")
