"""Reading Schwab's transaction export: amounts, quantities, dates, option symbols, header and footer."""

from __future__ import annotations

from datetime import date

import pytest

from wheeld.domain.broker_rows import (
    Contract,
    Kind,
    parse_cents,
    parse_occ_symbol,
    parse_option_symbol,
    parse_quantity,
    parse_schwab_csv,
    parse_trade_date,
)
from wheeld.domain.vocabulary import Direction
from wheeld.errors import ValidationError

HEADER = "Date,Action,Symbol,Description,Quantity,Price,Fees & Comm,Amount\n"


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("$1,234.56", 123456),
        ("$62499.92", 6249992),  # no thousands separator
        ("-$12.00", -1200),
        ("$-12.00", -1200),
        (" $0.65 ", 65),  # stray spaces
        ("$5", 500),
        ("", None),
        ("  ", None),
    ],
)
def test_amounts(text: str, cents: int | None) -> None:
    assert parse_cents(text) == cents


@pytest.mark.parametrize("text", ["12.00 USD", "$1.2.3", "$0.655", "abc", "$"])
def test_bad_amounts(text: str) -> None:
    with pytest.raises(ValueError):
        parse_cents(text)


@pytest.mark.parametrize(("text", "count"), [("5", 5), ("1,000", 1000), ("-1", 1), (" 3 ", 3), ("", None)])
def test_quantities(text: str, count: int | None) -> None:
    assert parse_quantity(text) == count


@pytest.mark.parametrize("text", ["1.5", "0", "x"])
def test_bad_quantities(text: str) -> None:
    with pytest.raises(ValueError):
        parse_quantity(text)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("12/19/2026", date(2026, 12, 19)),
        ("12/19/2026 as of 12/18/2026", date(2026, 12, 18)),  # the trade date is the "as of" one
        ("12/19/2026  as  of 12/18/2026", date(2026, 12, 18)),
        ("1/5/2026", date(2026, 1, 5)),
    ],
)
def test_dates(text: str, day: date) -> None:
    assert parse_trade_date(text) == day


@pytest.mark.parametrize("text", ["2026-12-19", "13/01/2026", "02/30/2026", ""])
def test_bad_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_trade_date(text)


@pytest.mark.parametrize(
    ("text", "contract"),
    [
        ("KO 12/19/2026 60.00 P", Contract("KO", date(2026, 12, 19), 6000, Direction.PUT)),
        ("BRK.B 01/15/2027 477.50 C", Contract("BRK.B", date(2027, 1, 15), 47750, Direction.CALL)),
        ("  KO  12/19/2026  60 P ", Contract("KO", date(2026, 12, 19), 6000, Direction.PUT)),
        ("KO", None),
    ],
)
def test_option_symbols(text: str, contract: Contract | None) -> None:
    assert parse_option_symbol(text) == contract


@pytest.mark.parametrize(
    ("text", "contract"),
    [
        ("KO    261219P00060000", Contract("KO", date(2026, 12, 19), 6000, Direction.PUT)),
        ("AAPL  270115C00177500", Contract("AAPL", date(2027, 1, 15), 17750, Direction.CALL)),
        ("KO", None),
    ],
)
def test_occ_symbols(text: str, contract: Contract | None) -> None:
    assert parse_occ_symbol(text) == contract


def test_title_line_header_and_total_line() -> None:
    text = (
        '"Transactions for account XXXX-1234 as of 11/24/2026"\n'
        + HEADER
        + '"11/02/2026","Sell to Open","KO 12/18/2026 60.00 P","PUT","1","$0.85","$0.65","$84.35"\n'
        + '"Transactions Total","","","","","","","$84.35"\n'
    )
    (row,) = parse_schwab_csv(text)
    assert (row.line, row.kind, row.symbol, row.quantity, row.fees_cents, row.amount_cents) == (
        3, Kind.SELL_TO_OPEN, "KO", 1, 65, 8435,
    )  # fmt: skip
    assert row.contract == Contract("KO", date(2026, 12, 18), 6000, Direction.PUT)


def test_identical_rows_are_two_transactions_with_two_keys() -> None:
    line = "11/02/2026,Sell to Open,KO 12/18/2026 60.00 P,PUT,1,$0.85,$0.65,$84.35\n"
    first, second = parse_schwab_csv(HEADER + line + line)
    assert first.key != second.key
    # … and the same two rows quoted differently keep the same keys.
    quoted = '"11/02/2026", "Sell to Open", "KO 12/18/2026 60.00 P", "PUT", "1", "$0.85", "$0.65", "$84.35"\n'
    assert [r.key for r in parse_schwab_csv(HEADER + quoted + quoted)] == [first.key, second.key]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("11/02/2026,Sell to Open,KO 12/18/2026 60.00 P,PUT,1,$0.85,$0.65,$84.3x", "not an amount"),
        ("11/02/2026,Sell to Open,KO,PUT,1,$0.85,$0.65,$84.35", "needs an option symbol"),
        ("2026-11-02,Sell to Open,KO 12/18/2026 60.00 P,PUT,1,$0.85,$0.65,$84.35", "not a date"),
        ("11/02/2026,Sell to Open,KO 12/18/2026 60.00 P,PUT,,$0.85,$0.65,$84.35", "needs a quantity"),
        ("11/02/2026,Sell to Open,KO 12/18/2026 60.00 P,PUT,1,$0.85,$0.65,", "needs an amount"),
        ("11/02/2026,Sell to Open,KO 12/18/2026 60.00 P", "fields where the header has 8"),
        ("11/02/2026,Sell to Open,KO 12/18/2026 0.00 P,PUT,1,$0.85,$0.65,$84.35", "a strike of 0.00"),
        ('11/02/2026,Sell to Open,KO 12/18/2026 60.00 P,PUT,"10,001",$0.85,$0.65,$84.35', "more than the 10,000"),
        ('11/02/2026,Buy,KO,KO,"99,000,000",$0.85,$0.65,-$84.35', "beyond any account"),
        ("11/02/2026,Sell to Open,KO 12/18/2026 60.00 P,PUT,1,$0.85,$0.65,$99999999999999999999.00", "a billion"),
    ],
)
def test_a_bad_row_names_its_line_and_reason(row: str, reason: str) -> None:
    good = "11/01/2026,Sell to Open,KO 12/18/2026 60.00 P,PUT,1,$0.85,$0.65,$84.35\n"
    with pytest.raises(ValidationError) as caught:
        parse_schwab_csv(HEADER + good + row + "\n")
    assert caught.value.details["line"] == 3 and reason in caught.value.message


def test_unknown_actions_are_read_not_refused() -> None:
    (row,) = parse_schwab_csv(HEADER + "11/05/2026,Bond Interest,,INT,,,,$1.00\n")
    assert row.kind is Kind.OTHER and row.action == "Bond Interest"


@pytest.mark.parametrize("text", ["", "id,symbol\n1,KO\n", "Date,Action,Symbol\n11/02/2026,Buy,KO\n"])
def test_not_a_schwab_export(text: str) -> None:
    with pytest.raises(ValidationError, match="not a Schwab transaction export"):
        parse_schwab_csv(text)
