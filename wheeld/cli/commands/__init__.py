"""The `wheel` subcommands, grouped by noun: each module's `register` adds its parsers and handlers."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable

from wheeld.cli.context import Context

Handler = Callable[[Context, argparse.Namespace], Awaitable[int | None]]
Subparsers = argparse._SubParsersAction


def command(
    sub: Subparsers, common: argparse.ArgumentParser, name: str, summary: str, handler: Handler, description: str = ""
) -> argparse.ArgumentParser:
    """Add one subcommand (with the global options, so they may also follow it) that runs `handler`."""
    description = description or f"{summary[0].upper()}{summary[1:]}."
    parser = sub.add_parser(name, parents=[common], help=summary, description=description)
    parser.set_defaults(handler=handler)
    return parser
