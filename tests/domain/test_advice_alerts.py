"""Advice alerts: raised when a position's advice changes to an action, de-duplicated, cleared when it moves on."""

from __future__ import annotations

from typing import Any

import pytest

from wheeld.domain.alerts import ActiveAlert, advice_key, advice_of_key, evaluate_positions


def position(action: str | None, trade_id: int = 7) -> dict[str, Any]:
    """A quiet AAPL 180 put (23 DTE, 8 % OTM, LOW) whose advice is `action`."""
    return {
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
        "advice": None if action is None else {"action": action, "reasons": [f"{action}: because"]},
    }


def advice_alert(action: str, trade_id: int = 7) -> ActiveAlert:
    return ActiveAlert(advice_key(action, trade_id), "advice", "MEDIUM", trade_id)


# (case, advice now, seen last time, active alerts, raised (key, severity), cleared keys)
CASES = [
    ("first sight is the baseline", "roll", None, [], [], []),
    ("hold to take_profit: LOW", "take_profit", "hold", [], [("advice:take_profit:trade:7", "LOW")], []),
    ("hold to roll: MEDIUM", "roll", "hold", [], [("advice:roll:trade:7", "MEDIUM")], []),
    (
        "hold to expect_assignment: MEDIUM",
        "expect_assignment",
        "hold",
        [],
        [("advice:expect_assignment:trade:7", "MEDIUM")],
        [],
    ),
    (
        "roll to close: HIGH, the roll alert clears",
        "close",
        "roll",
        [advice_alert("roll")],
        [("advice:close:trade:7", "HIGH")],
        ["advice:roll:trade:7"],
    ),
    ("roll stays roll: nothing new", "roll", "roll", [advice_alert("roll")], [], []),
    ("changed back while still active: no second alert", "roll", "close", [advice_alert("roll")], [], []),
    (
        "roll to hold: the alert clears, hold raises nothing",
        "hold",
        "roll",
        [advice_alert("roll")],
        [],
        ["advice:roll:trade:7"],
    ),
    ("hold to let_expire: nothing to do", "let_expire", "hold", [], [], []),
    ("no advice computed: untouched", None, "hold", [advice_alert("roll")], [], []),
]


@pytest.mark.parametrize(("case", "now", "seen", "alerts", "raised", "cleared"), CASES, ids=[c[0] for c in CASES])
def test_advice_alerts(case: str, now: str | None, seen: str | None, alerts: list, raised: list, cleared: list) -> None:
    previous = {} if seen is None else {7: seen}
    plan = evaluate_positions([position(now)], alerts, previous_advice=previous)
    assert [(a.condition_key, a.severity) for a in plan.raise_alerts if a.kind == "advice"] == raised, case
    assert [k for k in plan.clear_keys if k.startswith("advice:")] == cleared, case
    for alert in plan.raise_alerts:
        assert alert.message == f"AAPL 180.00 put exp 2026-12-17: advice is now {now} (was {seen}): {now}: because"
        assert alert.details["advice"] == now and alert.details["previous_advice"] == seen


def test_advice_alerts_are_off_without_a_baseline_map_and_clear_with_the_trade() -> None:
    assert evaluate_positions([position("roll")], [], previous_advice=None).raise_alerts == []
    gone = evaluate_positions([], [advice_alert("roll", trade_id=9)], previous_advice={})
    assert gone.clear_keys == ["advice:roll:trade:9"]
    assert advice_of_key("advice:roll:trade:9") == "roll" and advice_of_key("itm:trade:9") is None
