"""`wheel assign|expire|close SYMBOL --contracts N`: settle part of the open option, in both modes."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Cli

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_assign_one_of_three_then_close_the_rest(cli: Cli) -> None:
    await cli.data("init", "KO", "--capital", "20000")
    await cli.data("record", "KO", "put", "--strike", "60", "--expiration", "2026-12-18", "--total-premium", "100",
                   "--contracts", "3", "--fees", "1.95")  # fmt: skip
    assigned = await cli("--json", "assign", "KO", "--contracts", "1")
    # 1 of 3: $100.00 × 1/3 = $33.33 and $1.95 × 1/3 = $0.65 settled; $66.67 and $1.30 stay open.
    assert (assigned.json["contracts"], assigned.json["total_premium"], assigned.json["fees"]) == (1, 33.33, 0.65)
    rest = assigned.json["remainder"]
    assert (rest["contracts"], rest["total_premium"], rest["fees"]) == (2, 66.67, 1.3)
    text = await cli.ok("close", "KO", "--price", "0.10", "--contracts", "1")
    assert "1 contract(s) stay open as trade" in text.out
    [wheel] = await cli.data("list")
    assert (wheel["state"], wheel["shares"]) == ("short_put", 100)
