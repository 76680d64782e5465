"""From broker rows to wheel moves: what an import would open, settle, roll, match, skip or refuse.

Pure: the rows, what wheeld already holds per symbol (`SymbolBook`) and the keys already imported go
in; a `Plan` comes out. The wheel's own state machine (`wheel_state`) decides what is legal, so a
plan the service applies cannot disagree with what the API would accept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from wheeld.domain.broker_rows import BrokerRow, Contract, Kind, Shares, parse_shares
from wheeld.domain.vocabulary import SHARES_PER_CONTRACT, Direction, Outcome, WheelState
from wheeld.domain.wheel_state import OpenTerms, WheelPosition, check_open, roll, settle, share_of
from wheeld.errors import InvalidState, ValidationError

__all__ = ["KnownTrade", "Plan", "Shares", "Step", "StepKind", "SymbolBook", "Tally", "parse_shares", "plan_import"]

# Within a day: assignments, then expirations (they free the wheel), then stock rows (an assignment's
# shares, shares bought for a call), then buy-backs, then sales (so a buy-back and a sale make a roll).
_DAY_ORDER = {Kind.ASSIGNED: 0, Kind.EXPIRED: 1, Kind.BUY: 2, Kind.SELL: 2, Kind.BUY_TO_CLOSE: 3, Kind.SELL_TO_OPEN: 4}
_SETTLES = {Kind.EXPIRED: Outcome.EXPIRED, Kind.ASSIGNED: Outcome.ASSIGNED, Kind.BUY_TO_CLOSE: Outcome.CLOSED}
_HAND_OUTCOMES = {
    Kind.EXPIRED: {Outcome.EXPIRED},
    Kind.ASSIGNED: {Outcome.ASSIGNED},
    Kind.BUY_TO_CLOSE: {Outcome.CLOSED, Outcome.ROLLED},
}
_SKIPPED = {
    Kind.BUY_TO_OPEN: "a long option (bought to open): the wheel sells options, it does not hold them",
    Kind.SELL_TO_CLOSE: "closes a long option: not part of the wheel",
}


class StepKind(StrEnum):
    """What the import does with a row."""

    OPEN = "open"
    SETTLE = "settle"
    ROLL = "roll"
    MATCH = "match"
    SKIP = "skip"
    CONFLICT = "conflict"
    KNOWN = "already_imported"


@dataclass(frozen=True)
class KnownTrade:
    """A trade wheeld holds for a symbol: what a broker row may turn out to duplicate."""

    trade_id: int
    contract: Contract
    opened_on: date
    contracts: int
    outcome: Outcome
    imported: bool  # created or matched by an earlier import


@dataclass(frozen=True)
class SymbolBook:
    """What wheeld holds for one symbol in the portfolio: the active wheel, its open option, its trades."""

    wheel: WheelPosition | None
    open_contract: Contract | None = None
    open_contracts: int = 0
    trades: tuple[KnownTrade, ...] = ()


@dataclass(frozen=True)
class Step:
    """One row's fate. OPEN/ROLL carry the new option; SETTLE/ROLL act on the wheel's open option."""

    kind: StepKind
    row: BrokerRow
    reason: str = ""
    outcome: Outcome | None = None
    contracts: int = 0
    partial: bool = False
    premium_cents: int = 0
    fees_cents: int = 0
    close_cost_cents: int | None = None
    close_fees_cents: int = 0
    contract: Contract | None = None
    shares: Shares | None = None  # OPEN: the wheel starts in (or takes) these shares first
    create_wheel: bool = False
    also: tuple[BrokerRow, ...] = ()  # rows this step accounts for too (a roll's sale, an assignment's stock row)
    trade_id: int | None = None  # MATCH: the trade wheeld already holds

    @property
    def symbol(self) -> str:
        """The underlying."""
        return self.row.symbol


@dataclass
class Tally:
    """The broker's side of one symbol: net option premium (after fees) and contracts left open."""

    net_premium_cents: int = 0
    open_contracts: int = 0


@dataclass(frozen=True)
class Plan:
    """Every row's step, in the order they apply, and the broker's figures per symbol."""

    steps: list[Step]
    tallies: dict[str, Tally]
    first_date: date | None
    last_date: date | None

    @property
    def conflicts(self) -> list[Step]:
        """Rows a real run refuses."""
        return [s for s in self.steps if s.kind is StepKind.CONFLICT]

    def count(self, kind: StepKind) -> int:
        """How many steps of one kind."""
        return sum(1 for s in self.steps if s.kind is kind)


@dataclass
class _Symbol:
    wheel: WheelPosition | None
    contract: Contract | None
    contracts: int
    unclaimed: list[KnownTrade]
    pool: list[BrokerRow] = field(default_factory=list)
    longs: set[Contract] = field(default_factory=set)
    # hand-recorded trades whose sale a row matched: their settlement may be matched next
    matched: list[KnownTrade] = field(default_factory=list)


def _bad(row: BrokerRow, reason: str) -> ValidationError:
    return ValidationError(f"{row.where}: {reason}; nothing was imported", {"line": row.line, "reason": reason})


def premium_of(row: BrokerRow) -> int:
    """Gross premium of a sale to open: the credit plus the fees taken from it."""
    premium = (row.amount_cents or 0) + row.fees_cents
    if premium < 0:
        raise _bad(row, "a sale to open with a debit")
    return premium


def close_cost_of(row: BrokerRow) -> int:
    """What a buy-back cost without its fees: the debit less the fees in it."""
    cost = -(row.amount_cents or 0) - row.fees_cents
    if cost < 0:
        raise _bad(row, "a buy to close with a credit")
    return cost


def _stock_cost(row: BrokerRow) -> int:
    if row.amount_cents is not None:
        return -row.amount_cents - row.fees_cents
    return (row.price_cents or 0) * row.quantity


class _Planner:
    def __init__(
        self, rows: list[BrokerRow], books: Mapping[str, SymbolBook], known: set[str], given: Mapping[str, Shares]
    ) -> None:
        self.rows = sorted(rows, key=lambda r: (r.trade_date, _DAY_ORDER.get(r.kind, 5), r.line))
        self.books, self.known, self.given = books, known, given
        self.symbols: dict[str, _Symbol] = {}
        self.used: set[str] = set()
        self.steps: list[Step] = []

    def sym(self, symbol: str) -> _Symbol:
        if symbol not in self.symbols:
            book = self.books.get(symbol, SymbolBook(None))
            unclaimed = [t for t in book.trades if not t.imported]
            self.symbols[symbol] = _Symbol(book.wheel, book.open_contract, book.open_contracts, unclaimed)
        return self.symbols[symbol]

    def run(self) -> Plan:
        for row in self.rows:
            if row.key in self.used:
                continue
            self.used.add(row.key)
            if row.key in self.known:
                self.steps.append(Step(StepKind.KNOWN, row, "imported before"))
            elif row.kind is Kind.SELL_TO_OPEN:
                self.steps.append(self.sale(row))
            elif row.kind in _SETTLES:
                self.steps.append(self.settlement(row))
            elif row.kind is Kind.BUY:
                self.sym(row.symbol).pool.append(row)  # decided at the end: used by a call, or skipped
            elif row.kind in _SKIPPED:
                if row.contract is not None:
                    self.sym(row.symbol).longs.add(row.contract)
                self.steps.append(Step(StepKind.SKIP, row, _SKIPPED[row.kind]))
            elif row.kind is Kind.SELL:
                self.steps.append(Step(StepKind.SKIP, row, "a stock sale outside an assignment: not a wheel move"))
            else:
                self.steps.append(Step(StepKind.SKIP, row, f"{row.action or 'no action'!r} is not a wheel transaction"))
        for state in self.symbols.values():
            for row in state.pool:
                self.steps.append(Step(StepKind.SKIP, row, "shares bought outside an assignment and not under a call"))
        dates = [r.trade_date for r in self.rows]
        return Plan(self.steps, _tallies(self.steps), min(dates, default=None), max(dates, default=None))

    def sale(self, row: BrokerRow) -> Step:
        assert row.contract is not None
        state = self.sym(row.symbol)
        same = [t for t in state.unclaimed if t.contract == row.contract and t.opened_on == row.trade_date]
        for trade in same:
            state.unclaimed.remove(trade)
            if trade.contracts == row.quantity:
                state.matched.append(trade)
                return Step(StepKind.MATCH, row, f"recorded by hand as trade {trade.trade_id}", trade_id=trade.trade_id)
            return Step(
                StepKind.CONFLICT,
                row,
                f"wheeld's trade {trade.trade_id} for {row.contract.label()} opened that day has {trade.contracts}"
                f" contract(s); the broker says {row.quantity}",
            )
        premium = premium_of(row)
        wheel, create, shares = state.wheel, state.wheel is None, None
        if wheel is None:
            wheel = WheelPosition(WheelState.CASH, 0, None, 1)
        needed = row.quantity * SHARES_PER_CONTRACT
        if row.contract.direction is Direction.CALL and wheel.state is WheelState.CASH and wheel.shares < needed:
            shares = self.shares_for(row, state, needed)
            if shares is None:
                return Step(
                    StepKind.CONFLICT,
                    row,
                    f"a short call on {needed} {row.symbol} shares with no shares behind it, in wheeld or bought"
                    f" earlier in the file; give them: --shares {row.symbol}=COUNT@COST",
                )
            wheel = replace(wheel, state=WheelState.SHARES, shares=shares.count, cost_basis_cents=shares.cost_cents)
        try:
            after = check_open(wheel, row.contract.direction, row.quantity)
        except InvalidState as exc:
            return Step(StepKind.CONFLICT, row, exc.message)
        state.wheel, state.contract, state.contracts = after, row.contract, row.quantity
        used = tuple(state.pool) if shares is not None and shares is not self.given.get(row.symbol) else ()
        if used:
            state.pool.clear()
        return Step(
            StepKind.OPEN, row, "", contracts=row.quantity, premium_cents=premium, fees_cents=row.fees_cents,
            contract=row.contract, shares=shares, create_wheel=create, also=used,
        )  # fmt: skip

    def shares_for(self, row: BrokerRow, state: _Symbol, needed: int) -> Shares | None:
        if row.symbol in self.given:
            return self.given[row.symbol]
        count = sum(r.quantity for r in state.pool)
        if count < needed:
            return None
        return Shares(count, share_of(sum(_stock_cost(r) for r in state.pool), 1, count))

    def settlement(self, row: BrokerRow) -> Step:
        assert row.contract is not None
        state, outcome = self.sym(row.symbol), _SETTLES[row.kind]
        if state.contract != row.contract or state.wheel is None:
            return self.not_open(row, state)
        if row.quantity > state.contracts:
            return Step(
                StepKind.CONFLICT,
                row,
                f"settles {row.quantity} contract(s) of {row.contract.label()}; {state.contracts} open",
            )
        terms = OpenTerms(row.contract.direction, row.contract.strike_cents, state.contracts, 0, 0)
        cost = close_cost_of(row) if outcome is Outcome.CLOSED else None
        sale = self.rolled_into(row) if outcome is Outcome.CLOSED and row.quantity == state.contracts else None
        try:
            if sale is not None:
                assert sale.contract is not None
                new = OpenTerms(sale.contract.direction, sale.contract.strike_cents, sale.quantity, 0, 0)
                roll(state.wheel, Outcome.OPEN, terms, 0, new)
                self.used.add(sale.key)
                state.contract, state.contracts = sale.contract, sale.quantity
                return Step(
                    StepKind.ROLL, row, f"rolled into {sale.where}", contracts=sale.quantity,
                    premium_cents=premium_of(sale), fees_cents=sale.fees_cents, close_cost_cents=cost,
                    close_fees_cents=row.fees_cents, contract=sale.contract, also=(sale,),
                )  # fmt: skip
            done = settle(state.wheel, Outcome.OPEN, terms, outcome, cost, 0, row.quantity)
        except InvalidState as exc:
            return Step(StepKind.CONFLICT, row, exc.message)
        state.wheel = done.wheel
        state.contracts -= row.quantity
        if not state.contracts:
            state.contract = None
        stock = self.stock_row(row) if outcome is Outcome.ASSIGNED else None
        if stock is not None:
            self.used.add(stock.key)
        notes = [f"{row.quantity} of {row.quantity + state.contracts} contracts"] if done.remaining else []
        if outcome is Outcome.ASSIGNED and stock is None:
            notes.append("no matching stock row")
        return Step(
            StepKind.SETTLE, row, "; ".join(notes),
            outcome=outcome, contracts=row.quantity, partial=done.remaining is not None, close_cost_cents=cost,
            close_fees_cents=row.fees_cents, contract=row.contract, also=(stock,) if stock else (),
        )  # fmt: skip

    def not_open(self, row: BrokerRow, state: _Symbol) -> Step:
        assert row.contract is not None
        for pile in (state.matched, state.unclaimed):
            trade = next(
                (t for t in pile if t.contract == row.contract and t.outcome in _HAND_OUTCOMES[row.kind]), None
            )
            if trade is not None:
                pile.remove(trade)
                return Step(StepKind.MATCH, row, f"settled by hand in trade {trade.trade_id}", trade_id=trade.trade_id)
        if row.contract in state.longs:
            return Step(StepKind.SKIP, row, "a long option (bought to open): not part of the wheel")
        return Step(
            StepKind.CONFLICT,
            row,
            f"no open short {row.contract.label()} in wheeld or earlier in the file (opened before this export?"
            " record that trade first, then import again)",
        )

    def _later(self, row: BrokerRow, kind: Kind) -> list[BrokerRow]:
        return [
            r
            for r in self.rows
            if r.kind is kind and r.symbol == row.symbol and r.trade_date == row.trade_date
            if r.key not in self.used and r.key not in self.known
        ]

    def rolled_into(self, row: BrokerRow) -> BrokerRow | None:
        assert row.contract is not None
        state = self.sym(row.symbol)
        for sale in self._later(row, Kind.SELL_TO_OPEN):
            assert sale.contract is not None
            hand = any(t.contract == sale.contract and t.opened_on == sale.trade_date for t in state.unclaimed)
            if sale.contract.direction is row.contract.direction and not hand:
                return sale
        return None

    def stock_row(self, row: BrokerRow) -> BrokerRow | None:
        assert row.contract is not None
        kind = Kind.BUY if row.contract.direction is Direction.PUT else Kind.SELL
        for stock in self._later(row, kind):
            if stock.quantity == row.quantity * SHARES_PER_CONTRACT:
                return stock
        return None


def _tallies(steps: list[Step]) -> dict[str, Tally]:
    tallies: dict[str, Tally] = {}
    for step in steps:
        if step.kind is StepKind.SKIP:
            continue
        for row in (step.row, *step.also):
            if row.contract is None:
                continue
            tally = tallies.setdefault(row.symbol, Tally())
            if row.kind in (Kind.SELL_TO_OPEN, Kind.BUY_TO_CLOSE):
                tally.net_premium_cents += row.amount_cents or 0
            tally.open_contracts += row.quantity if row.kind is Kind.SELL_TO_OPEN else -row.quantity
    return tallies


def plan_import(
    rows: list[BrokerRow],
    books: Mapping[str, SymbolBook],
    known_keys: set[str],
    shares: Mapping[str, Shares] | None = None,
) -> Plan:
    """The import of `rows` into a portfolio holding `books`, skipping rows whose key is in `known_keys`.

    `shares` are the trader's word for shares held before the export (`--shares KO=300@52.10`).
    """
    return _Planner(rows, books, known_keys, shares or {}).run()
