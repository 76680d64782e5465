"""The `wheel` command: the old CLI's commands and flags, over the daemon's API (or direct on its database).

Exit status: 0 ok, 1 a user error (the API said 4xx, or a refusal), 2 usage (bad arguments or
configuration), 3 the daemon is unreachable, 4 a server error (5xx) or an internal error. Errors are
one line on stderr, never a traceback (`--verbose` adds the details).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from urllib.parse import urlsplit

from wheeld import __version__
from wheeld.cli.backend import Backend, BackendError, DaemonUnreachable, Mode
from wheeld.cli.commands import analytics, portfolios, system, trades, wheels
from wheeld.cli.completion import SHELLS
from wheeld.cli.completion import script as completion_script
from wheeld.cli.context import Context, UsageError
from wheeld.cli.settings import Settings, SettingsError, check_base_url, load_settings
from wheeld.errors import WheeldError

if TYPE_CHECKING:
    from wheeld.cli.direct_backend import DirectBackend
    from wheeld.cli.http_backend import HttpBackend
    from wheeld.config import Config

# API mode imports nothing of the server (aiohttp, the services, the database layer): direct mode and
# wheeld's own configuration are imported only when a command needs them, so `wheel` starts fast.

COMMAND_MODULES = (wheels, trades, analytics, portfolios, system)
GLOBAL_OPTIONS = ("--config", "--portfolio", "--json", "--verbose", "--db", "--api-url", "--api-mode", "--direct-mode")


def _global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """The options every command takes, before or after its name (after it, they are only set when given)."""
    unset = argparse.SUPPRESS if suppress else None
    flag = argparse.SUPPRESS if suppress else False
    parser.add_argument(
        "--config",
        type=Path,
        default=unset,
        metavar="FILE",
        help="the CLI configuration (default ~/.wheel_strategy/config.yaml)",
    )
    parser.add_argument(
        "--portfolio",
        default=unset,
        metavar="NAME|ID",
        help="the portfolio to work in (default: default_portfolio, else the daemon's default)",
    )
    parser.add_argument(
        "--json", action="store_true", default=flag, help="print the API's data as JSON (stable, for scripts)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", default=flag, help="details with errors")
    parser.add_argument(
        "--db", type=Path, default=unset, metavar="PATH", help="direct mode on this wheeld database file"
    )
    parser.add_argument("--api-url", default=unset, metavar="URL", help="the daemon's address (API mode)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--api-mode",
        dest="mode",
        action="store_const",
        const="api",
        default=unset,
        help="talk to the daemon (the default)",
    )
    mode.add_argument(
        "--direct-mode",
        dest="mode",
        action="store_const",
        const="direct",
        default=unset,
        help="open wheeld's database in this process (reads only while a daemon runs)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `wheel` (also used to generate docs/cli.md)."""
    parser = argparse.ArgumentParser(
        prog="wheel",
        description="The options wheel strategy from the command line: the old CLI's commands, now talking to the"
        " wheeld daemon (or, in direct mode, to its database).",
        epilog="Exit status: 0 ok, 1 user error, 2 usage, 3 daemon unreachable, 4 server error.",
    )
    parser.add_argument("--version", action="version", version=f"wheel (wheeld) {__version__}")
    _global_options(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, suppress=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub, common)
    completion = sub.add_parser(
        "completion",
        help="print a shell completion script: `source <(wheel completion bash)`",
        description="Print a completion script for bash or zsh: add `source <(wheel completion bash)` to ~/.bashrc"
        " (or `source <(wheel completion zsh)` to ~/.zshrc).",
    )
    completion.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    return parser


def choose_mode(args: argparse.Namespace, settings: Settings) -> Mode:
    """--api-mode/--direct-mode, else direct with --db, API with --api-url, else as configured."""
    if args.mode == "api" and args.db is not None:
        raise UsageError("--db opens a database directly: it cannot go with --api-mode")
    if args.mode == "direct" and args.api_url is not None:
        raise UsageError("--api-url is for API mode: it cannot go with --direct-mode")
    if args.mode:
        return args.mode
    if args.db is not None:
        return "direct"
    if args.api_url is not None:
        return "api"
    return "api" if settings.api_enabled else "direct"


def wheeld_config(args: argparse.Namespace, settings: Settings) -> Config:
    """wheeld's own configuration, as `wheeld` would load it, with --db as its database."""
    from wheeld.config import load_config
    from wheeld.errors import ConfigError

    try:
        config = load_config(settings.wheeld_config, data_dir=settings.wheeld_data_dir)
    except ConfigError as exc:
        raise UsageError(f"wheeld's configuration: {exc}") from None
    if args.db is not None:
        config = config.replace({"database.path": str(args.db.expanduser().resolve())})
    return config


def _api_token(args: argparse.Namespace, settings: Settings) -> str:
    """The token in wheeld's own configuration (asked for only when the daemon answers 401)."""
    try:
        # Same machine, same user: the daemon's own file may hold the token it asks for.
        return str(wheeld_config(args, settings)["server.api_token"])
    except UsageError:
        return ""


def _at(config: Config, base_url: str, token: str) -> Config:
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    changes = {"server.host": parts.hostname or "127.0.0.1", "server.port": port}
    return config.replace({**changes, "server.api_token": token or config["server.api_token"]})


async def open_direct(args: argparse.Namespace, settings: Settings, base_url: str) -> DirectBackend:
    """Direct mode on wheeld's database; writes are refused while a daemon serves that file."""
    from wheeld.cli.direct_backend import DirectBackend
    from wheeld.running_daemon import daemon_base_url, daemon_serving

    config = wheeld_config(args, settings)
    token = settings.token

    async def daemon_holding() -> str | None:
        # Where wheeld's configuration says the daemon listens, and where this CLI would talk to it.
        holder = await daemon_serving(config)
        if holder is None and daemon_base_url(config) != base_url:
            holder = await daemon_serving(_at(config, base_url, token))
        return holder

    return await DirectBackend.open(config, write_guard=daemon_holding)


async def open_backend(args: argparse.Namespace, settings: Settings, err: TextIO) -> Backend:
    """The backend this run uses, falling back to direct mode only when configured to."""
    mode = choose_mode(args, settings)
    try:
        base_url = check_base_url(args.api_url, "--api-url") if args.api_url else settings.base_url
    except SettingsError as exc:
        raise UsageError(str(exc)) from None
    if mode == "direct":
        return await open_direct(args, settings, base_url)
    from wheeld.cli.http_backend import HttpBackend

    http: HttpBackend = HttpBackend(
        base_url,
        settings.timeout,
        settings.token,
        token_fallback=None if settings.token else lambda: _api_token(args, settings),
    )
    if not settings.fallback_to_direct or args.mode == "api" or args.api_url is not None:
        return http
    try:
        # Probe before the command runs, so a fallback never repeats half of a command.
        await http.health()
        return http
    except DaemonUnreachable as exc:
        await http.close()
        backend = await open_direct(args, settings, base_url)
        print(
            f"wheel: wheeld is not running at {exc.base_url}; using direct mode on {backend.where}"
            " (fallback_to_direct: true)",
            file=err,
        )
        return backend


def exit_code(status: int) -> int:
    """The exit status of an API error: 1 for 4xx (the request), 4 for 5xx (the server)."""
    return 4 if status >= 500 else 1


def _report(exc: BaseException, err: TextIO, verbose: bool) -> int:
    """One line for the person; details with --verbose. Returns the exit status."""
    if isinstance(exc, WheeldError):
        print(f"error: {exc.code}: {exc.message}", file=err)
        if verbose and exc.details:
            print(f"details: {json.dumps(exc.details, ensure_ascii=False, default=str)}", file=err)
        return exit_code(exc.status)
    if isinstance(exc, BackendError):
        print(f"error: {exc}", file=err)
        if verbose and isinstance(exc, DaemonUnreachable) and exc.reason:
            print(f"details: {exc.reason}", file=err)
        return exc.exit_code
    if isinstance(exc, UsageError):
        print(f"wheel: {exc}", file=err)
        return 2
    print(
        f"error: internal error: {type(exc).__name__}: {exc}"
        + ("" if verbose else " (run with --verbose for the traceback)"),
        file=err,
    )
    if verbose:
        traceback.print_exception(exc, file=err)
    return 4


async def run(
    argv: Sequence[str] | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    backend: Backend | None = None,
    parsed: argparse.Namespace | None = None,
) -> int:
    """Run one `wheel` command; returns its exit status. `backend` replaces the one the options choose;
    `parsed` is `argv` already parsed (by `main`)."""
    out, err = out or sys.stdout, err or sys.stderr
    args = parsed
    if args is None:
        args = parse(argv, out)
        if isinstance(args, int):
            return args
    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        print(f"wheel: {exc}", file=err)
        return 2
    opened: Backend | None = None
    try:
        if backend is None:
            backend = opened = await open_backend(args, settings, err)
        ctx = Context(
            backend,
            out,
            err,
            as_json=args.json,
            verbose=args.verbose,
            portfolio_ref=args.portfolio or settings.default_portfolio or None,
        )
        return await args.handler(ctx, args) or 0
    except BrokenPipeError:
        raise  # the reader went away (`wheel history | head`): main() ends quietly
    except Exception as exc:  # the top of the CLI: every failure becomes one line and an exit status
        return _report(exc, err, args.verbose)
    finally:
        if opened is not None:
            try:
                await opened.close()
            except Exception as exc:  # closing must not hide the command's own outcome
                print(f"wheel: while closing: {type(exc).__name__}: {exc}", file=err)


def parse(argv: Sequence[str] | None, out: TextIO) -> argparse.Namespace | int:
    """The parsed arguments, or the exit status when nothing more is to be done: --help, --version, a usage
    error (argparse printed it), `completion` (printed here)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    if args.command == "completion":  # needs no daemon and no configuration
        out.write(completion_script(parser, args.shell))
        return 0
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `wheel` console script (asyncio is imported only once a command runs)."""
    args = parse(argv, sys.stdout)
    if isinstance(args, int):
        return args
    import asyncio

    try:
        return asyncio.run(run(argv, parsed=args))
    except KeyboardInterrupt:
        print("wheel: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Python's advice: point stdout at devnull so the flush at exit does not complain again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
