"""The import plan as a table: broker rows and wheeld's book in, each row's step out."""

from __future__ import annotations

from datetime import date

import pytest

from wheeld.domain.broker_plan import (
    KnownTrade,
    Shares,
    StepKind,
    SymbolBook,
    parse_shares,
    plan_import,
)
from wheeld.domain.broker_rows import BrokerRow, Contract, Kind
from wheeld.domain.vocabulary import Direction, Outcome, WheelState
from wheeld.domain.wheel_state import WheelPosition
from wheeld.errors import ValidationError

PUT60 = Contract("KO", date(2026, 12, 18), 6000, Direction.PUT)
PUT58 = Contract("KO", date(2027, 1, 15), 5800, Direction.PUT)
CALL64 = Contract("KO", date(2026, 12, 18), 6400, Direction.CALL)
CASH = WheelPosition(WheelState.CASH, 0, None, 1)
SHORT_PUT = SymbolBook(WheelPosition(WheelState.SHORT_PUT, 0, None, 1), PUT60, 3)


def row(line: int, kind: Kind, contract: Contract | None = PUT60, qty: int = 1, amount: int | None = None,
        fees: int = 0, day: int = 2, symbol: str = "KO") -> BrokerRow:  # fmt: skip
    return BrokerRow(line, f"k{line}", date(2026, 11, day), kind, str(kind), symbol, contract, qty, None, fees, amount)


def steps(rows: list[BrokerRow], books: dict[str, SymbolBook] | None = None, **kw) -> list[tuple[int, str]]:
    plan = plan_import(rows, books or {}, set(kw.pop("known", ())), kw.pop("shares", None))
    return sorted((s.row.line, str(s.kind)) for s in plan.steps)


@pytest.mark.parametrize(
    ("rows", "books", "expected"),
    [
        # a put on a symbol wheeld does not hold: a wheel in cash is created
        ([row(1, Kind.SELL_TO_OPEN, amount=8435, fees=65)], {}, [(1, "open")]),
        # buy to close, expired, assigned against the open put
        ([row(1, Kind.BUY_TO_CLOSE, qty=3, amount=-2065, fees=65)], {"KO": SHORT_PUT}, [(1, "settle")]),
        ([row(1, Kind.EXPIRED, qty=3)], {"KO": SHORT_PUT}, [(1, "settle")]),
        ([row(1, Kind.ASSIGNED, qty=3)], {"KO": SHORT_PUT}, [(1, "settle")]),
        # more contracts than open
        ([row(1, Kind.EXPIRED, qty=4)], {"KO": SHORT_PUT}, [(1, "conflict")]),
        # a settlement with nothing open to settle
        ([row(1, Kind.EXPIRED)], {}, [(1, "conflict")]),
        # long options and everything else
        ([row(1, Kind.BUY_TO_OPEN, amount=-100), row(2, Kind.EXPIRED, day=3)], {}, [(1, "skip"), (2, "skip")]),
        ([row(1, Kind.SELL_TO_CLOSE, amount=100)], {}, [(1, "skip")]),
        ([row(1, Kind.OTHER, None, symbol="KO")], {}, [(1, "skip")]),
        ([row(1, Kind.SELL, None, qty=100, amount=600000)], {}, [(1, "skip")]),
        # a second put while one is open: one option per wheel
        ([row(1, Kind.SELL_TO_OPEN, PUT58, amount=100)], {"KO": SHORT_PUT}, [(1, "conflict")]),
        # a call with no shares anywhere
        ([row(1, Kind.SELL_TO_OPEN, CALL64, amount=90)], {}, [(1, "conflict")]),
        # … with 100 shares bought earlier in the file: they start the wheel (the buy is part of the open)
        (
            [row(1, Kind.BUY, None, qty=100, amount=-620000, day=1), row(2, Kind.SELL_TO_OPEN, CALL64, amount=90)],
            {},
            [(1, "open"), (2, "open")],
        ),
        # a row imported before
        ([row(1, Kind.SELL_TO_OPEN, amount=100)], {}, [(1, "already_imported")]),
    ],
)
def test_each_row_gets_its_step(rows: list[BrokerRow], books: dict[str, SymbolBook], expected) -> None:
    known = {"k1"} if expected == [(1, "already_imported")] else set()
    plan = plan_import(rows, books, known)
    got = sorted(
        [(s.row.line, str(s.kind)) for s in plan.steps] + [(r.line, str(s.kind)) for s in plan.steps for r in s.also]
    )
    assert got == expected


def test_buy_to_close_and_sale_the_same_day_are_a_roll() -> None:
    rows = [row(5, Kind.BUY_TO_CLOSE, qty=3, amount=-3065, fees=65), row(4, Kind.SELL_TO_OPEN, PUT58, 3, 30000, 65)]
    (step,) = plan_import(rows, {"KO": SHORT_PUT}, set()).steps
    # close cost = debit without fees: 30.65 − 0.65 = 30.00; new premium = credit + fees: 300.00 + 0.65 = 300.65
    assert (step.kind, step.close_cost_cents, step.close_fees_cents, step.premium_cents) == (
        StepKind.ROLL,
        3000,
        65,
        30065,
    )
    assert step.contract == PUT58 and [r.line for r in step.also] == [4]


def test_a_buy_back_and_a_sale_on_different_days_are_not_a_roll() -> None:
    rows = [row(1, Kind.BUY_TO_CLOSE, qty=3, amount=-3000), row(2, Kind.SELL_TO_OPEN, PUT58, 1, 100, day=3)]
    assert steps(rows, {"KO": SHORT_PUT}) == [(1, "settle"), (2, "open")]


def test_partial_assignment_with_its_stock_row() -> None:
    rows = [row(1, Kind.ASSIGNED, qty=1), row(2, Kind.BUY, None, qty=100, amount=-600000)]
    (step,) = plan_import(rows, {"KO": SHORT_PUT}, set()).steps
    assert (step.kind, step.outcome, step.contracts, step.partial) == (StepKind.SETTLE, Outcome.ASSIGNED, 1, True)
    assert [r.line for r in step.also] == [2]


def test_hand_recorded_trades_are_matched_and_a_different_count_is_a_conflict() -> None:
    hand = KnownTrade(7, PUT60, date(2026, 11, 2), 3, Outcome.OPEN, imported=False)
    book = SymbolBook(SHORT_PUT.wheel, PUT60, 3, (hand,))
    same = plan_import([row(1, Kind.SELL_TO_OPEN, qty=3, amount=100)], {"KO": book}, set()).steps[0]
    assert (same.kind, same.trade_id) == (StepKind.MATCH, 7)
    other = plan_import([row(1, Kind.SELL_TO_OPEN, qty=2, amount=100)], {"KO": book}, set()).steps[0]
    assert other.kind is StepKind.CONFLICT and "3 contract(s); the broker says 2" in other.reason
    # A trade an earlier import created is not a hand-recorded duplicate.
    imported = SymbolBook(SHORT_PUT.wheel, PUT60, 3, (KnownTrade(7, PUT60, date(2026, 11, 2), 3, Outcome.OPEN, True),))
    again = plan_import([row(1, Kind.SELL_TO_OPEN, qty=3, amount=100)], {"KO": imported}, set()).steps[0]
    assert again.kind is StepKind.CONFLICT  # the wheel already has that open option


def test_a_settlement_recorded_by_hand_is_matched() -> None:
    hand = KnownTrade(7, PUT60, date(2026, 11, 2), 1, Outcome.EXPIRED, imported=False)
    book = SymbolBook(CASH, None, 0, (hand,))
    rows = [row(1, Kind.SELL_TO_OPEN, amount=100), row(2, Kind.EXPIRED, day=20)]
    assert [(s.kind, s.trade_id) for s in plan_import(rows, {"KO": book}, set()).steps] == [
        (StepKind.MATCH, 7),
        (StepKind.MATCH, 7),
    ]


def test_shares_given_by_the_trader_cover_a_call() -> None:
    (step,) = plan_import(
        [row(1, Kind.SELL_TO_OPEN, CALL64, 3, 26802, 198)], {}, set(), {"KO": Shares(300, 5210)}
    ).steps
    assert (step.kind, step.shares, step.create_wheel, step.premium_cents) == (
        StepKind.OPEN,
        Shares(300, 5210),
        True,
        27000,
    )


def test_shares_bought_in_the_file_cost_their_average() -> None:
    rows = [
        row(1, Kind.BUY, None, qty=100, amount=-600000, day=1),  # 100 at $60.00
        row(2, Kind.BUY, None, qty=100, amount=-620065, fees=65, day=1),  # 100 at $62.00 + $0.65 fees
        row(3, Kind.SELL_TO_OPEN, CALL64, 2, 18000),
    ]
    (step,) = plan_import(rows, {}, set()).steps
    # (6,000.00 + 6,200.00) / 200 = $61.00 a share (fees are not cost basis, as for an assignment)
    assert step.shares == Shares(200, 6100)


@pytest.mark.parametrize(
    ("text", "given"),
    [("KO=300@52.10", {"KO": Shares(300, 5210)}), ("ko=100@50, AAPL=200@180", {"KO": Shares(100, 5000),
      "AAPL": Shares(200, 18000)}), ("", {})],
)  # fmt: skip
def test_parse_shares(text: str, given: dict[str, Shares]) -> None:
    assert parse_shares(text) == given


@pytest.mark.parametrize("text", ["KO", "KO=0@50", "KO=100@", "=100@50", "KO=100@-1", "KO=1.5@50"])
def test_bad_shares(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_shares(text)
