"""Errors a person can act on, from a real daemon: one line, the right exit status, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Cli, Daemon, wheel

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_not_found_conflict_invalid_state_and_validation(cli: Cli) -> None:
    missing = await cli("close", "ZZZ", "--price", "1")
    assert missing.code == 1
    assert missing.err.startswith("error: NOT_FOUND: no ZZZ wheel in portfolio")
    assert "wheel init ZZZ --capital N" in missing.err

    await cli.ok("init", "AAPL", "--capital", "1000")
    duplicate = await cli("init", "AAPL")
    assert (duplicate.code, duplicate.err) == (
        1,
        f"error: CONFLICT: portfolio {cli.portfolio!r} already has an active AAPL wheel\n",
    )
    nothing_open = await cli("close", "AAPL", "--price", "1")
    assert (nothing_open.code, nothing_open.err) == (1, "error: INVALID_STATE: AAPL has no open option (state: cash)\n")
    call_from_cash = await cli(
        "record", "AAPL", "call", "--strike", "1", "--expiration", "2026-12-18", "--premium", "1"
    )
    assert call_from_cash.code == 1 and call_from_cash.err.startswith("error: INVALID_STATE: ")

    too_big = await cli(
        "record", "AAPL", "put", "--strike", "2000000000", "--expiration", "2026-12-18", "--premium", "1"
    )
    assert (too_big.code, too_big.err) == (1, "error: VALIDATION_ERROR: strike: must be <= 1000000000\n")
    verbose = await cli("-v", "record", "AAPL", "put", "--strike", "2000000000", "--expiration", "2026-12-18",
                        "--premium", "1")  # fmt: skip
    assert '"field": "strike"' in verbose.err
    unknown_portfolio = await cli("--portfolio", "Nope", "list")
    assert unknown_portfolio.code == 1 and "error: NOT_FOUND: portfolio 'Nope' not found" in unknown_portfolio.err
    bad_job = await cli("jobs", "run", "NOT A JOB")
    assert bad_job.code == 1 and bad_job.err.startswith("error: VALIDATION_ERROR: id: ")
    assert "Traceback" not in missing.err + duplicate.err + too_big.err + bad_job.err


async def test_usage_errors_exit_2(daemon: Daemon, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert (await wheel("record", "AAPL", "put", "--strike", "1")).code == 2
    assert "the following arguments are required: --expiration" in capsys.readouterr().err
    assert (
        await wheel("record", "AAPL", "put", "--strike", "x", "--expiration", "2026-12-18", "--premium", "1")
    ).code == 2
    assert "argument --strike: not a number: 'x'" in capsys.readouterr().err
    assert (await wheel("close", "AAPL", "--price", "1.23456")).code == 2
    assert "at most 4 decimal places" in capsys.readouterr().err
    nothing = await wheel("--api-url", daemon.url, "update", "AAPL")
    assert (nothing.code, nothing.err) == (2, "wheel: update needs --profile, --capital or --notes\n")
    both = await wheel("--db", str(tmp_path / "x.db"), "--api-mode", "list")
    assert both.code == 2 and "--db opens a database directly" in both.err
    bad_url = await wheel("--api-url", "localhost:8000", "list")
    assert bad_url.code == 2 and "--api-url: must be an http:// or https:// URL" in bad_url.err
    settings = tmp_path / "wheel.yaml"
    settings.write_text("api:\n  base_url: http://127.0.0.1:1\n  tiemout: 3\n")
    typo = await wheel("--config", str(settings), "list")
    assert typo.code == 2 and "unknown key 'api.tiemout'" in typo.err
    assert (await wheel("--help")).code == 0
    assert "record" in capsys.readouterr().out
