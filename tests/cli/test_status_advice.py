"""`wheel status` text: the captured % and the advice beside the existing columns."""

from __future__ import annotations

from typing import Any

from wheeld.cli.commands.wheels import position_table


def _position(**changes: Any) -> dict[str, Any]:
    base = {
        "portfolio_id": 1,
        "symbol": "KO",
        "direction": "call",
        "contracts": 1,
        "strike": 67.0,
        "expiration_date": "2026-12-11",
        "dte_calendar": 17,
        "dte_trading": 12,
        "current_price": 65.5,
        "price_stale": False,
        "price_source": "simulated",
        "moneyness_pct": 2.29,
        "risk_level": "MEDIUM",
        "premium_collected": 40.0,
        "breakeven": 67.4,
        "premium_captured_pct": 38.2,
        "advice": {
            "action": "roll",
            "reasons": [
                "let_expire: DTE 17 > 2",
                "take_profit: captured 38.2 % < 50 %",
                "roll: DTE 17 ≤ 21",
                "roll: net credit 31.50 > 0",
            ],
            "roll_candidate": {
                "strike": 68.0,
                "expiration_date": "2026-12-18",
                "premium_per_share": 0.555,
                "premium": 55.5,
                "net_credit": 31.5,
            },
        },
    }
    return {**base, **changes}


def test_status_shows_captured_and_advice() -> None:
    text = position_table([_position(), _position(symbol="AAPL", advice={"action": "hold", "reasons": []})])
    header, ko, aapl = text.splitlines()[:3]
    assert header.split()[-2:] == ["CAPTURED", "ADVICE"]
    assert ko.split()[-2:] == ["38.20%", "roll"] and aapl.split()[-1] == "hold"
    # Only the positions to act on get a line: the rule that decided it and the roll's terms.
    assert text.splitlines()[-1] == (
        "KO call: roll (roll: net credit 31.50 > 0); roll to 68.00 2026-12-18 at 0.56 (55.50)"
    )


def test_status_without_advice_from_an_older_daemon_shows_dashes() -> None:
    old = {k: v for k, v in _position().items() if k not in ("advice", "premium_captured_pct")}
    line = position_table([old]).splitlines()[1]
    assert line.split()[-2:] == ["-", "-"]
