"""Schwab's Trader API transactions (JSON) as broker rows: the same rows the CSV export gives.

Pure: the decoded JSON in, rows out. A transaction's key is its `activityId`; its trade date is
`tradeDate` in New York. Option legs carry OCC symbols (`KO    261219P00060000`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from wheeld.domain.broker_rows import BrokerRow, Contract, Kind, check_bounds, parse_occ_symbol
from wheeld.domain.money import to_cents
from wheeld.errors import ValidationError

NEW_YORK = ZoneInfo("America/New_York")
_OPTION_TRADES = {
    (True, "OPENING"): Kind.SELL_TO_OPEN,  # (a sale, position effect)
    (False, "CLOSING"): Kind.BUY_TO_CLOSE,
    (False, "OPENING"): Kind.BUY_TO_OPEN,
    (True, "CLOSING"): Kind.SELL_TO_CLOSE,
}


def _bad(where: str, line: int, reason: str) -> ValidationError:
    return ValidationError(f"{where}: {reason}; nothing was imported", {"line": line, "reason": reason})


def _cents(value: Any) -> int:
    try:
        return to_cents(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        raise ValueError(f"not an amount: {value!r}") from None


def _trade_date(value: Any) -> date:
    if not isinstance(value, str):
        raise ValueError(f"no trade date: {value!r}")
    text = value.replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":  # +0000 → +00:00
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a date-time: {value!r}") from None
    return moment.astimezone(NEW_YORK).date() if moment.tzinfo else moment.date()


def _legs(transaction: Mapping[str, Any]) -> tuple[Mapping[str, Any] | None, int]:
    """The security leg (option or stock) and the fees (positive cents) of one transaction."""
    leg, fees = None, 0
    for item in transaction.get("transferItems") or []:
        instrument = item.get("instrument") or {}
        if item.get("feeType") or instrument.get("assetType") == "CURRENCY":
            fees -= _cents(item.get("cost", 0))
        elif leg is None and instrument.get("assetType") in ("OPTION", "EQUITY", "COLLECTIVE_INVESTMENT"):
            leg = item
    return leg, fees


def _kind(transaction: Mapping[str, Any], leg: Mapping[str, Any] | None, option: bool) -> Kind:
    if leg is None:
        return Kind.OTHER
    amount = Decimal(str(leg.get("amount", 0)))
    if not option:
        return Kind.BUY if amount > 0 else Kind.SELL
    if transaction.get("type") == "TRADE":
        return _OPTION_TRADES.get((amount < 0, str(leg.get("positionEffect", "")).upper()), Kind.OTHER)
    description = str(transaction.get("description", "")).upper()
    if "ASSIGN" in description:
        return Kind.ASSIGNED
    if "EXPIR" in description:
        return Kind.EXPIRED
    return Kind.OTHER


def parse_schwab_transactions(payload: Sequence[Mapping[str, Any]]) -> list[BrokerRow]:
    """Rows from the transactions endpoint's answer, oldest first (`line` is the place in that order)."""
    if not isinstance(payload, list):
        raise ValidationError("Schwab's transactions answer is not a list", {"field": "transactions"})
    ordered = sorted(payload, key=lambda t: (str(t.get("tradeDate") or t.get("time") or ""), str(t.get("activityId"))))
    return [_row(index, t) for index, t in enumerate(ordered, start=1)]


def _row(line: int, transaction: Mapping[str, Any]) -> BrokerRow:
    activity = transaction.get("activityId")
    where = f"transaction {activity}"
    try:
        if activity is None:
            raise ValueError("no activityId")
        trade_date = _trade_date(transaction.get("tradeDate") or transaction.get("time"))
        leg, fees = _legs(transaction)
        instrument = (leg or {}).get("instrument") or {}
        contract: Contract | None = None
        if instrument.get("assetType") == "OPTION":
            contract = parse_occ_symbol(str(instrument.get("symbol", "")))
            if contract is None:
                raise ValueError(f"not an OCC option symbol: {instrument.get('symbol')!r}")
        kind = _kind(transaction, leg, contract is not None)
        symbol = contract.underlying if contract else str(instrument.get("symbol", "")).upper()
        quantity = abs(int(Decimal(str((leg or {}).get("amount", 0)))))
        net = transaction.get("netAmount")
        amount = _cents(net) if net is not None else None
        price = (leg or {}).get("price")
        action = str(kind) if kind is not Kind.OTHER else str(transaction.get("type", "unknown"))
        price_cents = _cents(price) if price is not None else None
        check_bounds(contract, quantity, amount, fees, price_cents)
    except (ValueError, InvalidOperation, TypeError) as exc:
        raise _bad(where, line, str(exc)) from None
    if kind is not Kind.OTHER and quantity == 0:
        raise _bad(where, line, "a trade with no quantity")
    return BrokerRow(
        line, f"activity:{activity}", trade_date, kind, action, symbol, contract, quantity,
        price_cents, fees, amount, str(transaction.get("description", "")), where,
    )  # fmt: skip
