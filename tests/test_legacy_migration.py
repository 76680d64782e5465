"""`wheeld migrate-legacy`: old-format databases built with SQL, migrated, reconciled and checked by hand.

The old file must come out byte-identical, a second run must change nothing, a dry run must write
nothing, and figures that do not reconcile must leave nothing behind.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.conftest import data_of
from tests.legacy_fixtures import V1_EXPECTED, V1_WHEELS, build_contradictions, build_v1, build_v2
from wheeld.app import Container
from wheeld.cli_daemon import main
from wheeld.clock import FrozenClock
from wheeld.config import Config
from wheeld.db import trades as trade_repo
from wheeld.domain.legacy import LEGACY_OUTCOMES, LEGACY_STATES, legacy_cents, legacy_instant, per_share_total_cents
from wheeld.domain.vocabulary import Outcome, WheelState
from wheeld.http.app import create_app
from wheeld.running_daemon import daemon_serving
from wheeld.services.legacy_import import (
    LegacyImportError,
    LegacyImportService,
    MigrationReport,
    ReconciliationFailed,
)

NY = ZoneInfo("America/New_York")
OUR_TABLES = ("portfolios", "wheels", "trades", "legacy_imports")


# --- helpers -------------------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of wheeld's own tables (what an import may change)."""
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in OUR_TABLES}
    finally:
        conn.close()


def by_symbol(report: MigrationReport) -> dict[str, Any]:
    return {row.symbol: row for row in report.reconciliation}


@pytest.fixture
async def opened(container: Container) -> Any:
    """The container with its database open (no HTTP)."""
    await container.start()
    yield container
    await container.stop()


@pytest.fixture
def service(opened: Container) -> LegacyImportService:
    return LegacyImportService(opened.db, opened.clock)


@pytest.fixture
def v1(tmp_path: Path) -> Path:
    (tmp_path / "old").mkdir()
    return build_v1(tmp_path / "old" / "trades.db")


@pytest.fixture
def v2(tmp_path: Path) -> Path:
    (tmp_path / "old2").mkdir()
    return build_v2(tmp_path / "old2" / "trades.db")


async def migrate(service: LegacyImportService, path: Path, **kwargs: Any) -> MigrationReport:
    return await service.migrate(path, source_tz=NY, **kwargs)


# --- the pure parts: money, time, vocabulary --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cents"),
    [
        (2.35, 235),  # int(2.35 * 100) would say 234
        (2.35 * 1 * 100, 23_500),  # 235.00000000000003, as the old tool computed total_premium
        (0.57 * 3 * 100, 17_100),  # 170.99999999999997
        (0.29, 29),
        (1.005, 101),  # half up at the cent
        (150, 15_000),
        ("12.5", 1_250),
        (None, None),
        ("", None),
    ],
)
def test_legacy_amounts_become_exact_cents(value: Any, cents: int | None) -> None:
    assert legacy_cents(value) == cents


@pytest.mark.parametrize(
    ("per_share", "contracts", "cents"),
    [(0.40, 1, 4_000), (0.10, 2, 2_000), (1.05, 1, 10_500), (0.05, 2, 1_000), (1.12345, 1, 11_235)],
)
def test_per_share_amounts_times_100_times_contracts(per_share: float, contracts: int, cents: int) -> None:
    assert per_share_total_cents(per_share, contracts) == cents


@pytest.mark.parametrize("bad", ["abc", float("nan"), float("inf"), True])
def test_non_amounts_are_refused(bad: Any) -> None:
    with pytest.raises(ValueError):
        legacy_cents(bad)


@pytest.mark.parametrize(
    ("legacy", "ours"),
    [
        ("cash", WheelState.CASH),
        ("cash_put_open", WheelState.SHORT_PUT),
        ("shares", WheelState.SHARES),
        ("shares_call_open", WheelState.SHORT_CALL),
    ],
)
def test_state_mapping(legacy: str, ours: WheelState) -> None:
    assert LEGACY_STATES[legacy] is ours


@pytest.mark.parametrize(
    ("legacy", "ours"),
    [
        ("open", Outcome.OPEN),
        ("expired_worthless", Outcome.EXPIRED),
        ("assigned", Outcome.ASSIGNED),
        ("called_away", Outcome.ASSIGNED),
        ("closed_early", Outcome.CLOSED),
    ],
)
def test_outcome_mapping(legacy: str, ours: Outcome) -> None:
    assert LEGACY_OUTCOMES[legacy] is ours


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2025-01-15T10:00:00.123456", datetime(2025, 1, 15, 15, 0, 0, 123456, tzinfo=UTC)),  # EST
        ("2025-07-15T10:00:00", datetime(2025, 7, 15, 14, 0, tzinfo=UTC)),  # EDT
        ("2025-07-15 10:00:00", datetime(2025, 7, 15, 14, 0, tzinfo=UTC)),
        ("2025-07-15T10:00:00+00:00", datetime(2025, 7, 15, 10, 0, tzinfo=UTC)),  # a zone given wins
    ],
)
def test_zoneless_legacy_times_are_wall_clock_in_the_source_zone(text: str, utc: datetime) -> None:
    assert legacy_instant(text, NY) == utc


# --- the first schema (no portfolios) ----------------------------------------------------------------------


async def test_v1_reconciles_with_hand_worked_figures(service: LegacyImportService, v1: Path) -> None:
    progress: list[str] = []
    report = await migrate(service, v1, progress=progress.append)
    assert report.ok and not report.dry_run
    assert report.legacy_counts == {"portfolios": None, "wheels": 6, "trades": 313, "position_snapshots": None}
    assert (report.wheels_imported, report.wheels_archived, report.trades_imported) == (6, 1, 313)
    assert report.portfolios_created == ["Default"]
    assert report.warnings == []
    rows = by_symbol(report)
    for symbol, (trades, premium, *_rest) in V1_WHEELS.items():
        row = rows[symbol]
        assert (row.legacy_trades, row.wheeld_trades, row.excluded_trades) == (trades, trades, 0), symbol
        assert row.legacy_premium_cents == row.wheeld_premium_cents == premium, symbol
    total = report.total
    assert total.legacy_trades == total.wheeld_trades == V1_EXPECTED["trades"]
    assert total.legacy_premium_cents == total.wheeld_premium_cents == V1_EXPECTED["premium_cents"]
    # a line every ceil(313 / 20) = 16 trades (16, 32 … 304), then the last: 20 lines
    assert progress == [f"trades: {n}/313" for n in range(16, 313, 16)] + ["trades: 313/313"]


async def test_v1_api_views_match_hand_worked_totals(client: TestClient, container: Container, v1: Path) -> None:
    await migrate(LegacyImportService(container.db, container.clock), v1)
    [portfolio] = await data_of(await client.get("/api/v1/portfolios"))
    assert (portfolio["name"], portfolio["is_default"]) == ("Default", True)
    summary = await data_of(await client.get(f"/api/v1/portfolios/{portfolio['id']}/summary"))
    expected = V1_EXPECTED
    assert summary["total_trades"] == expected["trades"]
    assert summary["total_premium"] == pytest.approx(expected["premium_cents"] / 100)
    assert summary["close_costs"] == pytest.approx(expected["close_costs_cents"] / 100)
    assert summary["premium_net"] == pytest.approx((expected["premium_cents"] - expected["close_costs_cents"]) / 100)
    assert summary["realized_stock_pnl"] == pytest.approx(expected["realized_cents"] / 100)
    assert (summary["wins"], summary["losses"], summary["open_positions"]) == (107, 204, 2)
    assert summary["win_rate"] == pytest.approx(34.41)  # 107 / 311 settled
    assert (summary["total_wheels"], summary["active_wheels"]) == (6, 5)
    assert summary["capital_allocated"] == pytest.approx(expected["capital_active_cents"] / 100)

    ids = await container.db.fetch_all("SELECT id FROM wheels ORDER BY id")
    wheels = [await data_of(await client.get(f"/api/v1/wheels/{row['id']}")) for row in ids]
    got = {w["symbol"]: w for w in wheels}
    # symbol: (state, shares, cost basis, adjusted cost basis, cycle, starting direction, active)
    expected_wheels = {
        "AAPL": ("short_put", 0, None, None, 3, "put", True),
        # cycle 1 net premium 500 − 10 + 600 = 1,090 over 200 shares: 300 − 5.45
        "MSFT": ("short_call", 200, 300.0, 294.55, 1, "call", True),
        "TSLA": ("cash", 0, None, None, 3, "put", False),
        # cycle 1 net premium 171 + 99 = 270 over 300 shares: 60 − 0.90
        "KO": ("shares", 300, 60.0, 59.10, 1, "put", True),
        "XLF": ("cash", 0, None, None, 2 * 100 + 1, "put", True),
        "NVDA": ("cash", 0, None, None, 1, "put", True),
    }
    for symbol, (state, shares, basis, adjusted, cycle, starting, active) in expected_wheels.items():
        wheel = got[symbol]
        assert (wheel["state"], wheel["shares"], wheel["cost_basis"]) == (state, shares, basis), symbol
        assert wheel["adjusted_cost_basis"] == adjusted, symbol
        assert (wheel["cycle"], wheel["starting_direction"], wheel["is_active"]) == (cycle, starting, active), symbol
    assert got["TSLA"]["archived_at"] == "2023-03-01T17:00:00.500000Z"  # its updated_at, 12:00 EST

    history = await data_of(await client.get(f"/api/v1/trades?wheel_id={got['AAPL']['id']}&sort=id"))
    assert [(t["outcome"], t["result"], t["cycle"]) for t in history] == [
        ("expired", "win", 1),
        ("assigned", "loss", 2),
        ("expired", "win", 2),
        ("closed", "win", 2),
        ("assigned", "loss", 2),
        ("open", None, 3),
    ]
    assert [t["total_premium"] for t in history] == [235.0, 310.0, 120.0, 150.0, 110.0, 200.0]
    assert history[3]["close_cost"] == 40.0 and history[4]["realized_stock_pnl"] == 1000.0
    assert history[0]["stock_price_at_expiry"] == 151.2
    # Times: the old tool's New York wall clock, stored in UTC; dates on the New York calendar.
    assert history[0]["opened_at"] == "2023-01-03T15:15:30.123456Z"
    assert history[0]["settled_at"] == "2023-01-10T21:15:30.123456Z"
    msft = await data_of(await client.get(f"/api/v1/trades?wheel_id={got['MSFT']['id']}&sort=id"))
    assert [(t["outcome"], t["result"], t["close_cost"]) for t in msft] == [
        ("expired", "win", None),
        ("closed", "loss", 20.0),  # bought back for more than it brought in
        ("open", None, None),
    ]


async def test_source_file_is_byte_identical_afterwards(service: LegacyImportService, v1: Path) -> None:
    before, listing = sha256(v1), sorted(p.name for p in v1.parent.iterdir())
    stat = v1.stat()
    await migrate(service, v1)
    await migrate(service, v1, dry_run=True)
    assert sha256(v1) == before
    assert sorted(p.name for p in v1.parent.iterdir()) == listing  # no journal, WAL or lock file left
    assert v1.stat().st_mtime_ns == stat.st_mtime_ns


async def test_a_second_run_changes_nothing(service: LegacyImportService, opened: Container, v1: Path) -> None:
    await migrate(service, v1)
    first = dump(opened.db.path)
    again = await migrate(service, v1)
    assert dump(opened.db.path) == first
    assert again.ok
    assert (again.wheels_imported, again.trades_imported, again.portfolios_created) == (0, 0, [])
    assert (again.wheels_skipped, again.trades_skipped, again.trades_not_imported) == (6, 313, 0)
    assert again.total.wheeld_premium_cents == V1_EXPECTED["premium_cents"]


async def test_a_copy_elsewhere_is_the_same_source(
    service: LegacyImportService, opened: Container, v1: Path, tmp_path: Path
) -> None:
    await migrate(service, v1)
    first = dump(opened.db.path)
    copy = tmp_path / "backup-of-trades.db"
    copy.write_bytes(v1.read_bytes())
    again = await migrate(service, copy)
    assert again.trades_skipped == 313 and dump(opened.db.path) == first


async def test_a_dry_run_writes_nothing(service: LegacyImportService, opened: Container, v1: Path) -> None:
    before = dump(opened.db.path)
    report = await migrate(service, v1, dry_run=True)
    assert report.dry_run and report.ok
    assert report.trades_imported == 313  # what it would do
    assert dump(opened.db.path) == before


async def test_only_new_rows_are_imported_and_later_trades_on_imported_wheels_are_reported(
    service: LegacyImportService, opened: Container, v1: Path
) -> None:
    await migrate(service, v1)
    conn = sqlite3.connect(v1)
    conn.execute(
        "INSERT INTO wheels (id, symbol, state, capital_allocated, shares_held, profile, created_at, updated_at,"
        " is_active) VALUES (7, 'AMZN', 'cash', 15000, 0, 'moderate', '2026-11-01T10:00:00', '2026-11-01T10:00:00', 1)"
    )
    conn.execute(
        "INSERT INTO trades (id, wheel_id, symbol, direction, strike, expiration_date, premium_per_share, contracts,"
        " total_premium, opened_at, outcome) VALUES"
        " (400, 7, 'AMZN', 'put', 140, '2026-12-18', 1.5, 1, 150.0, '2026-11-02T10:00:00', 'open'),"
        " (401, 4, 'KO', 'call', 63, '2026-12-18', 0.4, 3, 120.0, '2026-11-02T10:00:00', 'open')"
    )
    conn.commit()
    conn.close()
    report = await migrate(service, v1)
    assert report.ok
    assert (report.wheels_imported, report.trades_imported, report.trades_skipped) == (1, 1, 313)
    assert report.trades_not_imported == 1
    assert any(w.startswith("trades 401: recorded in the old tool after KO") for w in report.warnings)
    ko = by_symbol(report)["KO"]
    assert (ko.legacy_trades, ko.wheeld_trades, ko.excluded_trades) == (3, 2, 1)
    assert ko.legacy_premium_cents == ko.wheeld_premium_cents + ko.excluded_premium_cents == 27_000 + 12_000


async def test_wheels_deleted_in_wheeld_are_not_brought_back(
    service: LegacyImportService, opened: Container, v1: Path
) -> None:
    await migrate(service, v1)
    row = await opened.db.fetch_one("SELECT id FROM wheels WHERE symbol = 'TSLA'")
    await opened.wheels.delete(row["id"])
    report = await migrate(service, v1)
    assert report.ok and report.trades_imported == 0
    tsla = by_symbol(report)["TSLA"]
    assert (tsla.wheeld_trades, tsla.excluded_trades, tsla.excluded_premium_cents) == (0, 2, 100_000)
    assert len(report.warnings) == 1 and "TSLA was imported before and has since been deleted" in report.warnings[0]


async def test_into_a_named_portfolio(service: LegacyImportService, opened: Container, v1: Path) -> None:
    await opened.portfolios.create("Existing")
    report = await migrate(service, v1, portfolio="Wheel 2023")
    assert report.portfolios_created == ["Wheel 2023"]
    rows = await opened.db.fetch_all(
        "SELECT DISTINCT p.name, p.is_default FROM wheels w JOIN portfolios p ON p.id = w.portfolio_id"
    )
    assert [tuple(r) for r in rows] == [("Wheel 2023", 0)]  # the existing default stays the default


# --- the later schema (portfolios) -------------------------------------------------------------------------


async def test_v2_portfolios_by_name_default_snapshots_and_rerun(
    service: LegacyImportService, opened: Container, v2: Path
) -> None:
    await opened.portfolios.create("Main")  # wheeld's default already
    await opened.portfolios.create("income")
    report = await migrate(service, v2)
    assert report.ok
    assert report.legacy_counts == {"portfolios": 2, "wheels": 4, "trades": 4, "position_snapshots": 4}
    assert (report.portfolios_created, report.portfolios_reused) == (["Growth"], ["income"])
    assert (report.snapshots_imported, report.snapshots_not_imported) == (3, 1)
    assert report.warnings == [
        "position_snapshots 4: its trade 99 is not in the old file: not imported",
        "wheels 4: portfolio 7 is not in the old file: imported into the default",
    ]
    rows = await opened.db.fetch_all(
        "SELECT w.symbol, p.name, w.state, w.shares, w.cost_basis_cents FROM wheels w"
        " JOIN portfolios p ON p.id = w.portfolio_id ORDER BY w.id"
    )
    assert [tuple(r) for r in rows] == [
        ("AAPL", "income", "cash", 0, None),
        ("AAPL", "Growth", "shares", 100, 15_000),
        ("KO", "Main", "cash", 0, None),
        ("MSFT", "Main", "cash", 0, None),
    ]
    growth = await opened.db.fetch_one("SELECT default_capital_cents, description FROM portfolios WHERE name='Growth'")
    assert tuple(growth) == (2_500_000, "")
    assert report.total.wheeld_premium_cents == 10_000 + 20_000 + 10_000 + 12_500
    snapshots = await opened.db.fetch_all(
        "SELECT s.snapshot_date, s.current_price_cents, s.risk_level, s.price_source, s.price_as_of, w.symbol"
        " FROM snapshots s JOIN wheels w ON w.id = s.wheel_id ORDER BY s.snapshot_date"
    )
    assert tuple(snapshots[0]) == (
        "2024-02-05",
        18_410,
        "MEDIUM",
        "legacy",
        "2024-02-05T21:30:00Z",
        "AAPL",
    )
    assert len(snapshots) == 3
    again = await migrate(service, v2)
    assert (again.snapshots_imported, again.snapshots_skipped, again.trades_skipped) == (0, 3, 4)


async def test_v2_into_an_empty_wheeld_keeps_its_default(
    service: LegacyImportService, opened: Container, v2: Path
) -> None:
    await migrate(service, v2)
    default = await opened.portfolios.resolve(None)
    assert (default["name"], default["description"], default["default_capital"]) == (
        "Income",
        "Main account",
        5_000_000,
    )
    ko = await opened.db.fetch_one(
        "SELECT p.name FROM wheels w JOIN portfolios p ON p.id = w.portfolio_id WHERE w.symbol = 'KO'"
    )
    assert ko[0] == "Income"


async def test_one_portfolio_cannot_hold_two_active_wheels_on_a_symbol(
    service: LegacyImportService, opened: Container, v2: Path
) -> None:
    before = dump(opened.db.path)
    with pytest.raises(LegacyImportError, match="already has an active AAPL wheel"):
        await migrate(service, v2, portfolio="All")
    assert dump(opened.db.path) == before


# --- contradictions, refusals, failures --------------------------------------------------------------------


async def test_contradictions_are_imported_as_the_trades_say_and_reported(
    service: LegacyImportService, opened: Container, tmp_path: Path
) -> None:
    report = await migrate(service, build_contradictions(tmp_path / "odd.db"))
    assert report.ok and report.trades_imported == 8
    warnings = "\n".join(report.warnings)
    for expected in (
        "trades 101: AMD (legacy wheel 10): still open, but later trades followed it",
        "wheels 11: INTC (legacy wheel 11): the old file says state cash, its trades say short_put",
        "trades 105: PFE (legacy wheel 12): shares called away whose entry price the old file no longer holds",
        "wheels 12: PFE (legacy wheel 12): the old file says 0 shares held, its trades say 100",
        "wheels 99: missing, yet 1 trade(s) refer to it",
        "trades 107: a put marked called_away",
        "trades 108: settled without a closed_at",
    ):
        assert expected in warnings
    rows = await opened.db.fetch_all(
        "SELECT w.symbol, w.state, w.shares, w.archived_at IS NOT NULL AS archived,"
        " group_concat(t.outcome, ',') AS outcomes FROM wheels w JOIN trades t ON t.wheel_id = w.id"
        " GROUP BY w.id ORDER BY w.id"
    )
    assert [tuple(r) for r in rows] == [
        ("AMD", "short_put", 0, 0, "open"),  # the newer open put
        ("AMD", "short_put", 0, 1, "open"),  # the lost one, on an archived wheel of its own
        ("INTC", "short_put", 0, 0, "open"),
        ("PFE", "shares", 100, 0, "expired,assigned"),
        ("BAC", "shares", 100, 0, "assigned,expired"),
        ("T", "cash", 0, 1, "expired"),  # trades of a wheel missing from the file come last
    ]
    bac = await opened.db.fetch_one("SELECT settled_at FROM trades WHERE symbol = 'BAC' AND direction = 'call'")
    assert bac[0] == "2024-05-21T20:00:00Z"  # its expiration, 4 p.m. New York


async def test_rows_wheeld_cannot_hold_block_the_import(
    service: LegacyImportService, opened: Container, v1: Path
) -> None:
    conn = sqlite3.connect(v1)
    conn.execute("UPDATE trades SET outcome = 'exercised' WHERE id = 3")
    conn.execute("UPDATE trades SET close_price = NULL WHERE id = 4")
    conn.commit()
    conn.close()
    before = dump(opened.db.path)
    with pytest.raises(LegacyImportError) as caught:
        await migrate(service, v1)
    message = str(caught.value)
    assert "trades 3: unknown outcome 'exercised'" in message
    assert "trades 4: closed_early without a close_price" in message
    assert "nothing was written" in message
    assert dump(opened.db.path) == before


async def test_a_mismatch_aborts_with_nothing_written(
    service: LegacyImportService, opened: Container, v1: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The figures can only differ through a defect in the import itself: simulate one that writes a
    # premium a cent short.
    real_insert = trade_repo.insert_trade

    async def short_by_a_cent(conn: Any, values: dict[str, Any]) -> int:
        if values["symbol"] == "KO" and values["direction"] == "call":
            values = {**values, "total_premium_cents": values["total_premium_cents"] - 1}
        return await real_insert(conn, values)

    monkeypatch.setattr(trade_repo, "insert_trade", short_by_a_cent)
    before = dump(opened.db.path)
    with pytest.raises(ReconciliationFailed, match=r"KO \(legacy wheel 4\)") as caught:
        await migrate(service, v1)
    bad = [row for row in caught.value.report.reconciliation if not row.ok]
    assert [(r.symbol, r.legacy_premium_cents, r.wheeld_premium_cents) for r in bad] == [("KO", 27_000, 26_999)]
    assert dump(opened.db.path) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is a text file, not a database\n" * 10, "not an SQLite database"),
        (b"", "the file is empty"),
    ],
)
async def test_non_sqlite_files_fail_cleanly(
    service: LegacyImportService, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "trades.db"
    path.write_bytes(content)
    with pytest.raises(LegacyImportError, match=message):
        await migrate(service, path)


async def test_a_damaged_database_fails_cleanly(service: LegacyImportService, v1: Path) -> None:
    data = bytearray(v1.read_bytes())
    page = 4096
    data[2 * page : 3 * page] = b"\xff" * page  # wreck a page of table data, keep the header
    v1.write_bytes(bytes(data))
    with pytest.raises(LegacyImportError, match=r"damaged|not a readable SQLite database"):
        await migrate(service, v1)


async def test_other_databases_are_refused(service: LegacyImportService, opened: Container, tmp_path: Path) -> None:
    with pytest.raises(LegacyImportError, match="this is a wheeld database"):
        await migrate(service, opened.db.path)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)").connection.close()
    with pytest.raises(LegacyImportError, match="no wheels table"):
        await migrate(service, other)
    with pytest.raises(LegacyImportError, match="no such file"):
        await migrate(service, tmp_path / "missing.db")


# --- the command --------------------------------------------------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["migrate-legacy", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_dry_run_then_import_then_rerun(tmp_path: Path, v1: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "wheeld-data"
    common = (str(v1), "--data-dir", str(data), "--source-timezone", "America/New_York")
    code, out, err = run_cli(capsys, *common, "--dry-run")
    assert code == 0, err
    assert "(DRY RUN)" in out and "nothing was written" in out
    assert "trades: 16/313" in err and "trades: 313/313" in err
    assert not (data / "wheeld.db").exists()  # not even an empty database is left behind
    code, out, err = run_cli(capsys, *common)
    assert code == 0, err
    assert "Trades: 313 imported, 0 already imported (skipped), 0 not imported" in out
    assert "TOTAL" in out and "15,105.00" in out and "MISMATCH" not in out
    assert "Imported and reconciled" in out
    code, out, err = run_cli(capsys, *common)
    assert code == 0, err
    assert "Trades: 0 imported, 313 already imported (skipped), 0 not imported" in out


def test_cli_reports_bad_files_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "trades.db"
    path.write_text("not a database")
    code, out, err = run_cli(capsys, str(path), "--data-dir", str(tmp_path / "d"))
    assert code == 1 and out == ""
    assert "not an SQLite database" in err and "Traceback" not in err
    code, _out, err = run_cli(capsys, str(path), "--data-dir", str(tmp_path / "d"), "--source-timezone", "Mars/Base")
    assert code == 2 and "unknown time zone" in err


def test_cli_prints_the_report_and_fails_on_a_mismatch(
    tmp_path: Path, v1: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_insert = trade_repo.insert_trade

    async def drop_a_cent(conn: Any, values: dict[str, Any]) -> int:
        if values["symbol"] == "MSFT":
            values = {**values, "total_premium_cents": values["total_premium_cents"] - 1}
        return await real_insert(conn, values)

    monkeypatch.setattr(trade_repo, "insert_trade", drop_a_cent)
    code, out, err = run_cli(capsys, str(v1), "--data-dir", str(tmp_path / "d"))
    assert code == 1
    assert "MISMATCH" in out and "nothing was written" in out
    assert "reconciliation failed for MSFT (legacy wheel 2)" in err


async def test_cli_refuses_while_a_daemon_serves_the_database(
    tmp_path: Path,
    v1: Path,
    make_config: Callable[..., Config],
    clock: FrozenClock,
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = make_config()
    server = await aiohttp_server(create_app(Container.build(config, clock)))
    monkeypatch.setenv("WHEELD_SERVER__PORT", str(server.port))
    assert await daemon_serving(make_config(server__port=server.port)) is not None
    # Another data directory: the daemon on that port serves another database.
    assert (
        await daemon_serving(
            Config({**make_config(server__port=server.port)}, data_dir=tmp_path / "elsewhere", file=None)
        )
        is None
    )
    code = await asyncio.to_thread(main, ["migrate-legacy", str(v1), "--data-dir", str(config.data_dir)])
    _out, err = capsys.readouterr()
    assert code == 1
    assert "is serving" in err and "stop it first" in err
    rows = await asyncio.to_thread(dump, config.database_path)
    assert rows["trades"] == [] and rows["legacy_imports"] == []
