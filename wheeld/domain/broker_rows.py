"""Broker transactions as rows wheeld can plan from: Schwab's CSV export and its option symbols, read exactly.

Pure: text in, rows out (the csv module does the quoting); a row of a mapped action that cannot be
read is a ValidationError naming its line and the reason.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from wheeld.domain.money import to_cents
from wheeld.domain.vocabulary import Direction
from wheeld.errors import ValidationError

SCHWAB = "schwab"

COLUMNS = ("date", "action", "symbol", "description", "quantity", "price", "fees & comm", "amount")
# Beyond any real account: a larger figure is a broken row, not a trade (and would not fit SQLite's integers).
MAX_CENTS = 100_000_000_000  # a billion dollars
MAX_QUANTITY = 10_000_000  # shares
MAX_CONTRACTS = 10_000  # as the trade API allows
_PREAMBLE_LINES = 3  # the title line ("Transactions for account …") and a blank or two
_DATE = re.compile(r"^(\d{1,2}/\d{1,2}/\d{4})(?:\s+as\s+of\s+(\d{1,2}/\d{1,2}/\d{4}))?$", re.IGNORECASE)
_MONEY = re.compile(r"^(-)?\$?(-)?(\d[\d,]*(?:\.\d*)?|\.\d+)$")
_OPTION = re.compile(r"^([A-Z][A-Z0-9.\-]{0,9}) (\d{1,2}/\d{1,2}/\d{4}) (\d+(?:\.\d+)?) ([PC])$")
_OCC = re.compile(r"^([A-Z][A-Z0-9.\-]{0,5}) *(\d{6})([PC])(\d{8})$")

# Lines as csv reads them from a file: split at "\n" only, each keeping its end (str.splitlines would also
# split at \u2028 and the like inside a description).
_LINES = re.compile(r"[^\n]*\n|[^\n]+")


class Kind(StrEnum):
    """What a broker row does, as far as the wheel is concerned."""

    SELL_TO_OPEN = "Sell to Open"
    BUY_TO_CLOSE = "Buy to Close"
    BUY_TO_OPEN = "Buy to Open"
    SELL_TO_CLOSE = "Sell to Close"
    EXPIRED = "Expired"
    ASSIGNED = "Assigned"
    BUY = "Buy"
    SELL = "Sell"
    OTHER = "other"


_KINDS = {k.value.lower(): k for k in Kind if k is not Kind.OTHER}
_OPTION_KINDS = {
    Kind.SELL_TO_OPEN,
    Kind.BUY_TO_CLOSE,
    Kind.BUY_TO_OPEN,
    Kind.SELL_TO_CLOSE,
    Kind.EXPIRED,
    Kind.ASSIGNED,
}
_PRICED_KINDS = {Kind.SELL_TO_OPEN, Kind.BUY_TO_CLOSE}


@dataclass(frozen=True)
class Contract:
    """One listed option: underlying, expiration, strike, put or call."""

    underlying: str
    expiration: date
    strike_cents: int
    direction: Direction

    def label(self) -> str:
        """As Schwab writes it: `KO 12/19/2026 60.00 P`."""
        letter = "P" if self.direction is Direction.PUT else "C"
        return f"{self.underlying} {self.expiration:%m/%d/%Y} {self.strike_cents / 100:.2f} {letter}"


@dataclass(frozen=True)
class Shares:
    """Shares a covered call stands on: given by the trader (`--shares`) or bought earlier in the file."""

    count: int
    cost_cents: int  # per share


@dataclass(frozen=True)
class BrokerRow:
    """One transaction: where it came from, its stable key, and what it says in exact units."""

    line: int  # the file's line (CSV) or the transaction's place in the answer (API)
    key: str
    trade_date: date
    kind: Kind
    action: str  # as the broker wrote it
    symbol: str  # the underlying for options, the stock's symbol otherwise ('' when none)
    contract: Contract | None
    quantity: int  # contracts for options, shares for stock; always positive
    price_cents: int | None  # per share, rounded to the cent (display only)
    fees_cents: int
    amount_cents: int | None  # signed: credits positive, debits negative
    description: str = ""
    ref: str = ""  # how the broker names it, when not by a line (the API's transaction id)

    @property
    def where(self) -> str:
        """How a report names this row."""
        return self.ref or f"line {self.line}"


def parse_dollars(text: str) -> Decimal | None:
    """`$1,234.56`, `$62499.92`, `-$12.00`, `$-12.00` or empty → signed dollars (None when empty)."""
    cleaned = text.replace(" ", "")
    if not cleaned:
        return None
    match = _MONEY.match(cleaned)
    if match is None:
        raise ValueError(f"not an amount: {text!r}")
    value = Decimal(match.group(3).replace(",", ""))
    return -value if (match.group(1) or match.group(2)) else value


def parse_cents(text: str, what: str = "the amount") -> int | None:
    """An amount or fee in whole cents (None when empty); fractions of a cent are a bad row."""
    value = parse_dollars(text)
    if value is None:
        return None
    cents = value * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{what} must be whole cents: {text!r}")
    return int(cents)


def parse_quantity(text: str) -> int | None:
    """`5`, `"1,000"` or `-1` → a positive whole count (None when empty)."""
    cleaned = text.replace(" ", "").replace(",", "")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"not a quantity: {text!r}") from None
    if value != value.to_integral_value() or value == 0:
        raise ValueError(f"not a whole, non-zero quantity: {text!r}")
    return abs(int(value))


def _us_date(text: str) -> date:
    return datetime.strptime(text, "%m/%d/%Y").date()


def parse_trade_date(text: str) -> date:
    """`12/19/2026`, or `12/19/2026 as of 12/18/2026` (the trade date is the "as of" one)."""
    match = _DATE.match(" ".join(text.split()))
    if match is None:
        raise ValueError(f"not a date like 12/19/2026: {text!r}")
    try:
        return _us_date(match.group(2) or match.group(1))
    except ValueError:
        raise ValueError(f"not a calendar date: {text!r}") from None


def parse_option_symbol(text: str) -> Contract | None:
    """`KO 12/19/2026 60.00 P` → a contract; None for a plain stock symbol."""
    match = _OPTION.match(" ".join(text.split()).upper())
    if match is None:
        return None
    underlying, expiry, strike, letter = match.groups()
    return Contract(underlying, _us_date(expiry), int(Decimal(strike) * 100), _direction(letter))


def parse_occ_symbol(text: str) -> Contract | None:
    """An OCC option symbol, `KO    261219P00060000` → a contract (None when it is not one)."""
    match = _OCC.match(text.strip().upper())
    if match is None:
        return None
    root, yymmdd, letter, strike = match.groups()
    expiry = date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
    # The strike is in thousandths of a dollar.
    return Contract(root, expiry, int(strike) // 10, _direction(letter))


def _direction(letter: str) -> Direction:
    return Direction.PUT if letter == "P" else Direction.CALL


def kind_of(action: str) -> Kind:
    """The row's kind from Schwab's action text (anything unknown is OTHER, skipped with its name)."""
    return _KINDS.get(" ".join(action.split()).lower(), Kind.OTHER)


def row_key(source: str, cells: tuple[str, ...], occurrence: int) -> str:
    """A stable key for a row without a transaction id: a hash of its fields and its occurrence.

    Two identical rows in one file (two fills of the same order) are two transactions: the second
    gets occurrence 2. Quoting and stray spaces do not change the key.
    """
    text = "\x1f".join([source, *(" ".join(c.split()) for c in cells), str(occurrence)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _header_map(cells: list[str]) -> dict[str, int] | None:
    names = [" ".join(c.split()).lower() for c in cells]
    if not all(col in names for col in COLUMNS):
        return None
    return {col: names.index(col) for col in COLUMNS}


def parse_schwab_csv(text: str) -> list[BrokerRow]:
    """Every transaction of a Schwab transaction-history export, in file order."""
    reader = csv.reader(_LINES.findall(text.removeprefix("\ufeff")), skipinitialspace=True)
    header: dict[str, int] | None = None
    seen: list[list[str]] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        header = _header_map(cells)
        if header is not None:
            break
        seen.append(cells)
        if len(seen) >= _PREAMBLE_LINES:
            break
    if header is None:
        first = ", ".join(seen[0])[:120] if seen else "an empty file"
        raise ValidationError(
            "not a Schwab transaction export: expected a header with the columns "
            "Date, Action, Symbol, Description, Quantity, Price, Fees & Comm, Amount; found " + repr(first),
            {"field": "file", "constraint": "a Schwab transaction history CSV"},
        )
    rows: list[BrokerRow] = []
    occurrences: Counter[tuple[str, ...]] = Counter()
    width = max(header.values()) + 1
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if cells[0].strip().lower().startswith("transactions total"):
            continue
        if len(cells) < width:
            raise _bad(line, f"{len(cells)} fields where the header has {width}")
        picked = tuple(cells[header[col]].strip() for col in COLUMNS)
        occurrences[picked] += 1
        rows.append(_row(line, picked, row_key(SCHWAB, picked, occurrences[picked])))
    return rows


def _bad(line: int, reason: str) -> ValidationError:
    return ValidationError(f"line {line}: {reason}; nothing was imported", {"line": line, "reason": reason})


def check_bounds(contract: Contract | None, count: int, amount: int | None, fees: int, price: int | None) -> None:
    """ValueError for figures no real transaction has (a zero strike, a billion dollars, …)."""
    if contract is not None and not 0 < contract.strike_cents <= MAX_CENTS:
        raise ValueError(f"a strike of {contract.strike_cents / 100:.2f}")
    if contract is not None and count > MAX_CONTRACTS:
        raise ValueError(f"{count:,} contracts is more than the {MAX_CONTRACTS:,} a trade may hold")
    if count > MAX_QUANTITY:
        raise ValueError(f"a quantity of {count:,} is beyond any account")
    if any(abs(v) > MAX_CENTS for v in (amount or 0, fees, price or 0)):
        raise ValueError("an amount beyond a billion dollars")


def _row(line: int, cells: tuple[str, ...], key: str) -> BrokerRow:
    when, action, symbol, description, quantity, price, fees, amount = cells
    kind = kind_of(action)
    try:
        trade_date = parse_trade_date(when)
        if kind is Kind.OTHER:
            return BrokerRow(line, key, trade_date, kind, action, symbol.upper(), None, 0, None, 0, None, description)
        contract = parse_option_symbol(symbol)
        if kind in _OPTION_KINDS and contract is None:
            raise ValueError(f"{action!r} needs an option symbol like 'KO 12/19/2026 60.00 P', not {symbol!r}")
        count = parse_quantity(quantity)
        if count is None:
            raise ValueError(f"{action!r} needs a quantity")
        amount_cents = parse_cents(amount)
        if kind in _PRICED_KINDS and amount_cents is None:
            raise ValueError(f"{action!r} needs an amount")
        fees_cents = parse_cents(fees, "fees") or 0
        if fees_cents < 0:
            raise ValueError(f"fees cannot be negative: {fees!r}")
        dollars = parse_dollars(price)
        price_cents = None if dollars is None else to_cents(dollars)
        check_bounds(contract, count, amount_cents, fees_cents, price_cents)
    except ValueError as exc:
        raise _bad(line, str(exc)) from None
    underlying = contract.underlying if contract else symbol.upper()
    return BrokerRow(
        line, key, trade_date, kind, action, underlying, contract, count, price_cents, fees_cents, amount_cents,
        description,
    )  # fmt: skip


def parse_shares(text: str) -> dict[str, Shares]:
    """`KO=300@52.10,AAPL=100@180` → shares per symbol (a ValidationError names the bad part)."""
    given: dict[str, Shares] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        symbol, _, rest = part.partition("=")
        count, _, cost = rest.partition("@")
        try:
            shares, cost_cents = int(count), to_cents(cost)
        except ValueError:
            shares, cost_cents = 0, 0
        symbol = symbol.strip().upper()
        if not symbol or shares <= 0 or cost_cents <= 0:
            raise ValidationError.field(
                "shares", part, "SYMBOL=COUNT@COST with a share count > 0 and a cost per share > 0"
            )
        given[symbol] = Shares(shares, cost_cents)
    return given
