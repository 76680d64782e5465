"""docs/cli.md is the parsers' own description: regenerate it (`python -m wheeld.cli.reference > docs/cli.md`)
whenever a command or option changes."""

from __future__ import annotations

import argparse
from pathlib import Path

from wheeld.cli.main import build_parser
from wheeld.cli.reference import reference
from wheeld.cli.settings import KEYS
from wheeld.cli_daemon import build_parser as build_wheeld_parser

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
OLD_COMMANDS = [
    "init",
    "import",
    "list",
    "status",
    "record",
    "expire",
    "close",
    "archive",
    "recommend",
    "performance",
    "history",
    "update",
    "refresh",
    "portfolio",
]
API_COMMANDS = [
    "roll",
    "assign",
    "snapshot",
    "trend",
    "jobs",
    "alerts",
    "plugins",
    "watchlist",
    "scan",
    "export",
    "health",
]


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_docs_cli_md_is_the_generated_reference() -> None:
    assert DOC.read_text(encoding="utf-8") == reference(), (
        "docs/cli.md is stale: run `python -m wheeld.cli.reference > docs/cli.md`"
    )


def test_every_command_and_configuration_key_is_in_the_reference() -> None:
    text = reference()
    wheel = _commands(build_parser())
    assert set(OLD_COMMANDS + API_COMMANDS) <= set(wheel)
    assert set(_commands(_commands(build_parser())["portfolio"])) == {"create", "list", "show", "set-default", "delete"}
    assert set(_commands(wheel["jobs"])) == {"list", "run", "history", "enable", "disable"}
    for name in wheel:
        assert f"### `wheel {name}`" in text
    for name in _commands(build_wheeld_parser()):
        assert f"### `wheeld {name}`" in text
    for key in KEYS:
        assert f"| `{key.name}` |" in text


def test_the_old_flags_still_parse() -> None:
    parser = build_parser()
    for argv in (
        ["--db", "t.db", "--json", "--verbose", "init", "AAPL", "--capital", "10000", "--profile", "aggressive",
         "--portfolio", "2"],
        ["import", "AAPL", "--shares", "200", "--cost-basis", "180.5"],
        ["record", "AAPL", "put", "--strike", "180", "--expiration", "2026-12-18", "--premium", "2.35", "--contracts",
         "2"],
        ["expire", "AAPL", "--price", "181"],
        ["close", "AAPL", "--price", "0.45"],
        ["status", "--all"],
        ["recommend", "--all"],
        ["performance", "--all"],
        ["history", "AAPL"],
        ["update", "AAPL", "--profile", "conservative", "--capital", "25000"],
        ["portfolio", "set-default", "Income"],
        ["--direct-mode", "refresh"],
        ["--api-mode", "archive", "AAPL"],
    ):  # fmt: skip
        args = parser.parse_args(argv)
        assert callable(args.handler)
    args = parser.parse_args(["status", "--json", "--portfolio", "Income"])  # global options after the command too
    assert (args.json, args.portfolio) == (True, "Income")
