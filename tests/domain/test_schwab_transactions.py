"""Schwab's Trader API transactions mapped to the same rows as the CSV export."""

from __future__ import annotations

from datetime import date

import pytest

from tests.imports.fake_schwab_trader import TRANSACTIONS, _fee, _option
from wheeld.domain.broker_rows import Contract, Kind
from wheeld.domain.schwab_transactions import parse_schwab_transactions
from wheeld.domain.vocabulary import Direction
from wheeld.errors import ValidationError

KO_PUT = "KO    261120P00062000"


def _trade(activity: int, leg: dict, net: float, fees: float = 0.0, kind: str = "TRADE", description: str = ""):
    items = [_fee(fees), leg] if fees else [leg]
    return {"activityId": activity, "type": kind, "tradeDate": "2026-11-02T15:00:00+0000", "netAmount": net,
            "description": description, "transferItems": items}  # fmt: skip


@pytest.mark.parametrize(
    ("transaction", "kind", "quantity", "fees", "amount"),
    [
        (_trade(1, _option(KO_PUT, -3.0, effect="OPENING"), 448.02, 1.98), Kind.SELL_TO_OPEN, 3, 198, 44802),
        (_trade(2, _option(KO_PUT, 1.0, effect="CLOSING"), -20.66, 0.66), Kind.BUY_TO_CLOSE, 1, 66, -2066),
        (_trade(3, _option(KO_PUT, 1.0, effect="OPENING"), -100.66, 0.66), Kind.BUY_TO_OPEN, 1, 66, -10066),
        (_trade(4, _option(KO_PUT, -1.0, effect="CLOSING"), 99.34, 0.66), Kind.SELL_TO_CLOSE, 1, 66, 9934),
        (_trade(5, _option(KO_PUT, 1.0, effect="CLOSING"), 0.0, kind="RECEIVE_AND_DELIVER",
                description="REMOVAL OF OPTION DUE TO EXPIRATION"), Kind.EXPIRED, 1, 0, 0),
        (_trade(6, _option(KO_PUT, 2.0, effect="CLOSING"), 0.0, kind="RECEIVE_AND_DELIVER",
                description="REMOVAL OF OPTION DUE TO ASSIGNMENT"), Kind.ASSIGNED, 2, 0, 0),
        (_trade(7, {"instrument": {"assetType": "EQUITY", "symbol": "KO"}, "amount": 100.0, "price": 62.0},
                -6200.0), Kind.BUY, 100, 0, -620000),
        (_trade(8, {"instrument": {"assetType": "EQUITY", "symbol": "KO"}, "amount": -100.0, "price": 64.0},
                6399.95, 0.05), Kind.SELL, 100, 5, 639995),
        ({"activityId": 9, "type": "DIVIDEND_OR_INTEREST", "tradeDate": "2026-11-02T15:00:00+0000",
          "netAmount": 30.6, "transferItems": []}, Kind.OTHER, 0, 0, 3060),
    ],
)  # fmt: skip
def test_each_transaction_type(transaction: dict, kind: Kind, quantity: int, fees: int, amount: int) -> None:
    (row,) = parse_schwab_transactions([transaction])
    assert (row.kind, row.quantity, row.fees_cents, row.amount_cents) == (kind, quantity, fees, amount)
    assert (
        row.key == f"activity:{transaction['activityId']}" and row.where == f"transaction {transaction['activityId']}"
    )
    if kind not in (Kind.BUY, Kind.SELL, Kind.OTHER):
        assert row.contract == Contract("KO", date(2026, 11, 20), 6200, Direction.PUT)


def test_trade_dates_are_new_york_dates_and_rows_come_oldest_first() -> None:
    rows = parse_schwab_transactions(list(reversed(TRANSACTIONS)))
    assert [r.key for r in rows] == [
        "activity:9001",
        "activity:9005",
        "activity:9002",
        "activity:9003",
        "activity:9004",
    ]
    late = _trade(10, _option(KO_PUT, -1.0), 100.0)
    late["tradeDate"] = "2026-11-03T02:30:00+0000"  # 21:30 on 11/02 in New York
    assert parse_schwab_transactions([late])[0].trade_date == date(2026, 11, 2)


def test_a_bad_transaction_names_itself() -> None:
    broken = _trade(77, _option("KO    26112XP00062000", -1.0), 100.0)
    broken["transferItems"][0]["instrument"]["assetType"] = "OPTION"
    with pytest.raises(ValidationError, match="transaction 77: not an OCC option symbol"):
        parse_schwab_transactions([broken])
    with pytest.raises(ValidationError):
        parse_schwab_transactions({"not": "a list"})  # type: ignore[arg-type]
