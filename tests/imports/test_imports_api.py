"""POST /api/v1/imports with a Schwab CSV export: dry run, real run, re-import, duplicates, bad rows.

Every figure below is worked by hand from tests/imports/fixtures/schwab_history.csv (line numbers are
the file's: line 1 is the title, line 2 the header).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from tests.conftest import data_of, error_of

FIXTURES = Path(__file__).parent / "fixtures"
HISTORY = (FIXTURES / "schwab_history.csv").read_text()
CSV = {"Content-Type": "text/csv"}
HEADER = '"Date","Action","Symbol","Description","Quantity","Price","Fees & Comm","Amount"\n'


async def _portfolio(client, name: str = "Income") -> int:
    created = await data_of(await client.post("/api/v1/portfolios", json={"name": name, "default_capital": 50000}), 201)
    return int(created["id"])


async def _import(client, text: str, status: int = 201, **query: Any) -> dict[str, Any]:
    params = {"source": "schwab-csv", **{k: str(v).lower() if isinstance(v, bool) else v for k, v in query.items()}}
    return await data_of(await client.post("/api/v1/imports", params=params, data=text, headers=CSV), status)


async def _trades(client) -> list[dict[str, Any]]:
    return await data_of(await client.get("/api/v1/trades", params={"sort": "id"}))


def _steps(report: dict[str, Any]) -> dict[int, str]:
    return {row["line"]: row["step"] for row in report["rows"]}


# What each line of the fixture becomes (21 transactions).
EXPECTED_STEPS = {
    3: "open",  # KO 64 C sold on the 100 shares assigned on 11/20
    4: "settle",  # KO 62 P: 1 of 3 assigned (a partial assignment)
    5: "settle",  # … the 100 KO bought at 62: that assignment's stock row, not imported twice
    6: "settle",  # KO 62 P: the other 2 expired
    7: "settle",  # MSFT 420 C assigned: called away
    8: "settle",  # … the 100 MSFT sold at 420
    9: "skip",  # SPY 500 P expired: a long option
    10: "settle",  # AAPL 165 P bought back, trade date "as of 11/19/2026"
    11: "skip",  # Sell Short TSLA
    12: "skip",  # MoneyLink Transfer
    13: "skip",  # Credit Interest
    14: "skip",  # Buy to Open SPY
    15: "skip",  # Qualified Dividend
    16: "open",  # MSFT 420 C on the 100 shares bought on line 17: the wheel starts in shares
    17: "open",
    18: "open",  # KO 62 P × 3
    19: "settle",  # KO 60 P expired
    20: "roll",  # AAPL: bought back the 170 P (line 21) and sold the 165 P the same day
    21: "roll",
    22: "open",  # AAPL 170 P
    23: "open",  # KO 60 P
}
TOTALS = {"rows": 21, "open": 5, "settle": 5, "roll": 1, "match": 0, "skip": 6, "conflict": 0, "already_imported": 0}
# Broker side: the Amount of every short-option row (premium less fees, buy-backs with their fees).
#   AAPL 199.34 − 50.66 + 299.34 − 10.66 = 437.36; KO 119.34 + 448.02 + 89.34 = 656.70; MSFT 399.34.
# wheeld side: premium − close cost − fees of the trades opened in the file's period:
#   AAPL (200 − 50 − 1.32) + (300 − 10 − 1.32) = 437.36; KO (120 − 0.66) + (150 − 0.66) + (300 − 1.32)
#   + (90 − 0.66) = 656.70; MSFT 400 − 0.66 = 399.34. Open: KO's 64 C on both sides.
RECONCILIATION = [
    {"symbol": "AAPL", "broker_net_premium": 437.36, "wheeld_net_premium": 437.36, "difference": 0.0,
     "broker_open_contracts": 0, "wheeld_open_contracts": 0, "ok": True},
    {"symbol": "KO", "broker_net_premium": 656.7, "wheeld_net_premium": 656.7, "difference": 0.0,
     "broker_open_contracts": 1, "wheeld_open_contracts": 1, "ok": True},
    {"symbol": "MSFT", "broker_net_premium": 399.34, "wheeld_net_premium": 399.34, "difference": 0.0,
     "broker_open_contracts": 0, "wheeld_open_contracts": 0, "ok": True},
]  # fmt: skip


async def test_dry_run_reports_the_whole_plan_and_writes_nothing(client) -> None:
    pid = await _portfolio(client)
    report = await _import(client, HISTORY, 200, portfolio_id=pid, dry_run=True)
    assert (report["id"], report["dry_run"], report["totals"]) == (None, True, TOTALS)
    assert _steps(report) == EXPECTED_STEPS
    assert report["period"] == {"start": "2026-10-01", "end": "2026-11-23"}
    assert report["reconciliation"] == RECONCILIATION
    assert await _trades(client) == []
    assert await data_of(await client.get("/api/v1/wheels")) == []


async def test_import_records_every_mapped_action_as_worked_by_hand(client) -> None:
    pid = await _portfolio(client)
    report = await _import(client, HISTORY, portfolio_id=pid)
    assert report["id"] is not None and report["totals"] == TOTALS and report["reconciliation"] == RECONCILIATION
    got = [
        (t["symbol"], t["direction"], t["strike"], t["contracts"], t["total_premium"], t["fees"], t["close_cost"],
         t["outcome"], t["realized_stock_pnl"], t["opened_at"][:10], (t["settled_at"] or "")[:10])
        for t in await _trades(client)
    ]  # fmt: skip
    assert got == [
        # premium = Amount + fees: 119.34 + 0.66 = 120.00
        ("KO", "put", 60.0, 1, 120.0, 0.66, None, "expired", 0.0, "2026-10-01", "2026-10-16"),
        # the rolled put: close cost = debit without fees 50.66 − 0.66 = 50.00, fees 0.66 + 0.66
        ("AAPL", "put", 170.0, 1, 200.0, 1.32, 50.0, "rolled", 0.0, "2026-10-05", "2026-10-14"),
        # its replacement, closed "as of 11/19": 10.66 − 0.66 = 10.00
        ("AAPL", "put", 165.0, 1, 300.0, 1.32, 10.0, "closed", 0.0, "2026-10-14", "2026-11-19"),
        # 3 puts for 450.00 (448.02 + 1.98): 1 assigned keeps 450 × 1/3 = 150.00 and 1.98 × 1/3 = 0.66
        ("KO", "put", 62.0, 1, 150.0, 0.66, None, "assigned", 0.0, "2026-10-19", "2026-11-20"),
        # called away: (420 − 400) × 100 = 2,000.00 realized
        ("MSFT", "call", 420.0, 1, 400.0, 0.66, None, "assigned", 2000.0, "2026-11-03", "2026-11-20"),
        # the other 2 puts expired: 450.00 − 150.00 = 300.00, 1.98 − 0.66 = 1.32
        ("KO", "put", 62.0, 2, 300.0, 1.32, None, "expired", 0.0, "2026-10-19", "2026-11-20"),
        ("KO", "call", 64.0, 1, 90.0, 0.66, None, "open", 0.0, "2026-11-23", ""),
    ]
    trades = await _trades(client)
    assert (trades[1]["rolled_to_id"], trades[2]["rolled_from_id"]) == (trades[2]["id"], trades[1]["id"])
    wheels = {w["symbol"]: w for w in await data_of(await client.get("/api/v1/wheels"))}
    assert (wheels["KO"]["state"], wheels["KO"]["shares"], wheels["KO"]["cost_basis"]) == ("short_call", 100, 62.0)
    assert (wheels["AAPL"]["state"], wheels["MSFT"]["state"], wheels["MSFT"]["shares"]) == ("cash", "cash", 0)
    assert "SPY" not in wheels and "TSLA" not in wheels
    # The stored report is what GET answers.
    assert await data_of(await client.get(f"/api/v1/imports/{report['id']}")) == report


async def test_importing_the_same_file_twice_records_nothing_new(client) -> None:
    pid = await _portfolio(client)
    await _import(client, HISTORY, portfolio_id=pid)
    before = await _trades(client)
    again = await _import(client, HISTORY, portfolio_id=pid)
    # 15 rows were accounted for (11 steps and 4 rows that were part of them); the 6 skipped rows are skipped again.
    assert again["id"] is None
    assert again["totals"] == {**TOTALS, "open": 0, "settle": 0, "roll": 0, "already_imported": 15}
    assert await _trades(client) == before
    assert again["reconciliation"] == RECONCILIATION


async def test_the_same_rows_quoted_differently_are_the_same_rows(client) -> None:
    pid = await _portfolio(client)
    await _import(client, HISTORY, portfolio_id=pid)
    # Another export style: only fields holding a comma are quoted, stray spaces, no title or total line.
    lines = [
        "Date, Action, Symbol, Description, Quantity, Price, Fees & Comm, Amount",
        "10/01/2026, Sell to Open , KO 10/16/2026 60.00 P,PUT COCA COLA CO $60 EXP 10/16/26,1,$1.20,$0.66,$119.34",
    ]
    again = await _import(client, "\n".join(lines) + "\n", portfolio_id=pid)
    assert again["totals"]["already_imported"] == 1 and again["id"] is None


async def test_a_trade_recorded_by_hand_is_matched_not_duplicated(client) -> None:
    pid = await _portfolio(client)
    wheel = await data_of(await client.post(f"/api/v1/portfolios/{pid}/wheels", json={"symbol": "KO"}), 201)
    hand = await data_of(
        await client.post(
            f"/api/v1/wheels/{wheel['id']}/trades",
            json={"direction": "put", "strike": 60, "expiration_date": "2026-10-16", "contracts": 1,
                  "total_premium": 120, "fees": 0.66, "opened_at": "2026-10-01T15:00:00Z"},
        ),
        201,
    )  # fmt: skip
    report = await _import(client, HISTORY, portfolio_id=pid)
    row = next(r for r in report["rows"] if r["line"] == 23)
    assert (row["step"], row["trade_id"]) == ("match", hand["id"])
    # The hand-recorded put is then settled by the file's Expired row (line 19), not recorded again.
    ko_puts = [t for t in await _trades(client) if t["symbol"] == "KO" and t["strike"] == 60.0]
    assert [(t["id"], t["outcome"]) for t in ko_puts] == [(hand["id"], "expired")]
    assert report["totals"] == {**TOTALS, "open": 4, "match": 1}


async def test_a_hand_recorded_trade_with_another_count_is_a_conflict(client) -> None:
    pid = await _portfolio(client)
    wheel = await data_of(await client.post(f"/api/v1/portfolios/{pid}/wheels", json={"symbol": "KO"}), 201)
    await data_of(
        await client.post(
            f"/api/v1/wheels/{wheel['id']}/trades",
            json={"direction": "put", "strike": 60, "expiration_date": "2026-10-16", "contracts": 2,
                  "total_premium": 240, "opened_at": "2026-10-01T15:00:00Z"},
        ),
        201,
    )  # fmt: skip
    error = await error_of(
        await client.post("/api/v1/imports", params={"source": "schwab-csv"}, data=HISTORY, headers=CSV),
        409,
        "CONFLICT",
    )
    assert error["details"]["conflicts"][0]["line"] == 23
    assert "2 contract(s); the broker says 1" in error["details"]["conflicts"][0]["reason"]
    assert len(await _trades(client)) == 1


async def test_a_bad_row_anywhere_imports_nothing_and_names_the_line(client) -> None:
    pid = await _portfolio(client)
    lines = HISTORY.splitlines()
    lines[17] = lines[17].replace('"$448.02"', '"$448.0x"')  # line 18: KO 62 P × 3
    error = await error_of(
        await client.post("/api/v1/imports", params={"source": "schwab-csv", "portfolio_id": pid},
                          data="\n".join(lines), headers=CSV),
        400,
        "VALIDATION_ERROR",
    )  # fmt: skip
    assert error["details"]["line"] == 18 and "$448.0x" in error["message"]
    assert await _trades(client) == [] and await data_of(await client.get("/api/v1/wheels")) == []


async def test_a_move_wheeld_refuses_is_a_conflict_and_nothing_is_written(client) -> None:
    await _portfolio(client)
    # Line 4 sells a second KO put while the first is open: wheeld runs one option per wheel.
    text = HEADER + (
        '"10/02/2026","Sell to Open","KO 10/16/2026 58.00 P","PUT","1","$1.00","$0.66","$99.34"\n'
        '"10/01/2026","Sell to Open","KO 10/16/2026 60.00 P","PUT","1","$1.20","$0.66","$119.34"\n'
    )
    error = await error_of(
        await client.post("/api/v1/imports", params={"source": "schwab-csv"}, data=text, headers=CSV), 409, "CONFLICT"
    )
    assert error["details"]["conflicts"][0]["line"] == 2
    assert "already has an open option" in error["details"]["conflicts"][0]["reason"]
    assert await _trades(client) == []


async def test_an_uncovered_call_is_a_conflict_unless_the_shares_are_given(client) -> None:
    pid = await _portfolio(client)
    text = HEADER + '"11/03/2026","Sell to Open","KO 12/18/2026 64.00 C","CALL","3","$0.90","$1.98","$268.02"\n'
    preview = await _import(client, text, 200, portfolio_id=pid, dry_run=True)
    assert preview["totals"]["conflict"] == 1
    assert "--shares KO=COUNT@COST" in preview["rows"][0]["reason"] and preview["rows"][0]["line"] == 2
    await error_of(
        await client.post("/api/v1/imports", params={"source": "schwab-csv"}, data=text, headers=CSV), 409, "CONFLICT"
    )
    report = await _import(client, text, portfolio_id=pid, shares="KO=300@52.10")
    assert report["totals"]["open"] == 1
    wheel = (await data_of(await client.get("/api/v1/wheels")))[0]
    assert (wheel["state"], wheel["shares"], wheel["cost_basis"]) == ("short_call", 300, 52.1)


async def test_multipart_upload_with_shares_field(client) -> None:
    pid = await _portfolio(client)
    form = aiohttp.FormData()
    text = HEADER + '"11/03/2026","Sell to Open","KO 12/18/2026 64.00 C","CALL","1","$0.90","$0.66","$89.34"\n'
    form.add_field("file", text.encode(), filename="Individual_XXX1234_Transactions.csv", content_type="text/csv")
    form.add_field("shares", "KO=100@50")
    report = await data_of(
        await client.post("/api/v1/imports", params={"source": "schwab-csv", "portfolio_id": pid}, data=form), 201
    )
    assert report["totals"]["open"] == 1


async def test_a_file_that_is_not_a_schwab_export_is_refused_clearly(client) -> None:
    await _portfolio(client)
    for body in ("id,symbol,strike\n1,KO,60\n", "just some text", "\ufeff"):
        error = await error_of(
            await client.post("/api/v1/imports", params={"source": "schwab-csv"}, data=body, headers=CSV),
            400,
            "VALIDATION_ERROR",
        )
        assert "Schwab" in error["message"] or "body" in error["message"]
    await error_of(
        await client.post("/api/v1/imports", params={"source": "fidelity"}, data=HISTORY, headers=CSV),
        400,
        "VALIDATION_ERROR",
    )
    await error_of(await client.get("/api/v1/imports/99"), 404, "NOT_FOUND")


async def test_a_malformed_multipart_body_is_a_400(client) -> None:
    # Found by the API fuzzer: a CSV sent as multipart without its part headers.
    await _portfolio(client)
    for content_type in ("multipart/form-data; boundary=x", "multipart/form-data"):
        await error_of(
            await client.post(
                "/api/v1/imports",
                params={"source": "schwab-csv"},
                data=f"--x\r\n{HEADER}\r\n--x--\r\n",
                headers={"Content-Type": content_type},
            ),
            400,
            "VALIDATION_ERROR",
        )
