"""The `wheeld` command: serve the API and background jobs, and the maintenance subcommands."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import signal
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from aiohttp import web

from wheeld import __version__, cli_backup, cli_config, cli_import, cli_migrate, cli_notify
from wheeld.app import Container, load_calendar
from wheeld.config import Config, load_config
from wheeld.db.migrations import NotAWheeldDatabase, SchemaTooNew
from wheeld.errors import ConfigError
from wheeld.logs import setup_logging
from wheeld.sd_notify import Notifier

log = logging.getLogger("wheeld")
CLI_COMMAND = "cli"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="YAML config file (default: DATA_DIR/config.yaml if present)")
    parser.add_argument("--data-dir", type=Path, help="data directory (default: $XDG_DATA_HOME/wheeld)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `wheeld` (also used to generate the CLI reference)."""
    parser = argparse.ArgumentParser(prog="wheeld", description="Options wheel strategy daemon.")
    parser.add_argument("--version", action="version", version=f"wheeld {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the API server and background jobs")
    _common(serve)
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8000)")
    check = sub.add_parser("check-config", help="validate the configuration and print it (secrets masked)")
    _common(check)
    auth = sub.add_parser("auth", help="authorize a market-data provider once (stores an encrypted token)")
    auth.add_argument("provider", choices=["schwab"], help="the provider to authorize")
    auth.add_argument("--manual", action="store_true", help="copy-paste flow (no local browser; for a headless box)")
    _common(auth)
    cli_migrate.add_parser(sub, _common)
    cli_backup.add_parser(sub, _common)
    cli_import.add_parser(sub, _common)
    cli_notify.add_parser(sub, _common)
    cli_config.add_parser(sub, _common)
    # Parsed by main() before argparse: everything after `cli` belongs to the `wheel` CLI.
    sub.add_parser(CLI_COMMAND, help="run the `wheel` client CLI (`wheeld cli --help`); how a zipapp reaches it")
    return parser


def resolve_in(data_dir: Path, path: str) -> str:
    """A configured path: absolute as given, relative ones inside the data directory ('' stays '')."""
    if not path:
        return ""
    candidate = Path(path).expanduser()
    return str(candidate if candidate.is_absolute() else data_dir / candidate)


def is_loopback(host: str) -> bool:
    """True for loopback addresses and the name localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def serve(config: Config) -> int:
    """Run the server until SIGTERM/SIGINT; in-flight requests finish, then the database closes."""
    from wheeld.http.app import create_app

    redactor = setup_logging(
        config["server.log_level"],
        config["server.log_format"],
        config.secrets(),
        resolve_in(config.data_dir, config["server.log_file"]),
        config["server.log_max_bytes"],
        config["server.log_backup_count"],
    )
    host, port = config["server.host"], config["server.port"]
    if not is_loopback(host):
        log.warning(
            "LISTENING ON %s, NOT LOOPBACK: anyone who can reach this address can use the API%s",
            host,
            "" if config["server.api_token"] else " (and no server.api_token is set!)",
        )
    from wheeld.clock import Clock

    clock = Clock()
    container = Container.build(config, clock, await load_calendar(clock), redactor=redactor, start_scheduler=True)
    app = create_app(container)
    from wheeld.http.middlewares import AccessLogger

    runner = web.AppRunner(
        app,
        access_log_class=AccessLogger,
        access_log=logging.getLogger("wheeld.access"),
        shutdown_timeout=config["server.shutdown_timeout"],
        handle_signals=False,
    )
    try:
        await runner.setup()
    except (SchemaTooNew, NotAWheeldDatabase) as exc:
        log.error("%s", exc)
        return 1
    except (sqlite3.Error, OSError) as exc:
        log.error("cannot open the database %s: %s", config.database_path, exc)
        return 1
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", host, port, exc.strerror)
        await runner.cleanup()
        return 1
    log.info(
        "wheeld %s listening on http://%s:%s (dashboard at /, docs at /docs, data in %s)",
        __version__,
        host,
        port,
        config.database_path,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # Under systemd (Type=notify): ready once the socket listens, then keep-alive pings from this loop.
    systemd = Notifier.from_environ()
    systemd.ready(f"listening on {host}:{port}")
    systemd.start_watchdog()
    await stop.wait()
    log.info("shutting down")
    systemd.stopping("shutting down")
    await runner.cleanup()
    await systemd.stop_watchdog()
    log.info("stopped")
    return 0


def auth_schwab(config: Config, manual: bool = False) -> int:
    """Run Schwab's OAuth flow once and keep the token encrypted in the data directory."""
    from wheeld.app import schwab_settings
    from wheeld.marketdata.schwab import run_login_flow

    setup_logging(config["server.log_level"], config["server.log_format"], config.secrets())
    settings = schwab_settings(config)
    if not settings.api_key or not settings.app_secret:
        print(
            "wheeld: set external_apis.schwab.app_key and app_secret (config file or "
            "WHEELD_EXTERNAL_APIS__SCHWAB__APP_KEY / __APP_SECRET) first",
            file=sys.stderr,
        )
        return 2
    try:
        run_login_flow(
            settings.api_key,
            settings.app_secret,
            settings.callback_url,
            settings.token_store(config.data_dir),
            manual=manual,
        )
    except Exception as exc:  # the flow talks to a browser and the network: report, never trace
        print(f"wheeld: Schwab authorization failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"Schwab token stored, encrypted, in {settings.token_store(config.data_dir).path}")
    return 0


def run_wheel_cli(argv: Sequence[str]) -> int:
    """`wheeld cli …`: the `wheel` client CLI, so that one zipapp carries both commands."""
    try:
        from wheeld.cli.main import main as wheel_main
    except ModuleNotFoundError as exc:
        if exc.name != "wheeld.cli.main":
            raise
        print("wheeld: this build has no `wheel` CLI", file=sys.stderr)
        return 2
    return int(wheel_main(list(argv)) or 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `wheeld` console script."""
    given = list(sys.argv[1:] if argv is None else argv)
    if given[:1] == [CLI_COMMAND]:
        return run_wheel_cli(given[1:])
    args = build_parser().parse_args(given)
    if args.command == cli_config.COMMAND:  # needs no configuration of its own
        return cli_config.run(args)
    flags = {}
    if args.command == "serve":
        flags = {"server.host": args.host, "server.port": args.port}
    try:
        config = load_config(args.config, data_dir=args.data_dir, flags=flags)
    except ConfigError as exc:
        print(f"wheeld: {exc}", file=sys.stderr)
        return 2
    commands: dict[str, Callable[[], int]] = {
        "check-config": lambda: check_config(config),
        "auth": lambda: auth_schwab(config, manual=args.manual),
        cli_migrate.COMMAND: lambda: cli_migrate.run(args, config),
        cli_backup.COMMAND: lambda: cli_backup.run(args, config),
        cli_import.COMMAND: lambda: cli_import.run(args, config),
        cli_notify.COMMAND: lambda: cli_notify.run(args, config, sys.stdout),
        "serve": lambda: run_serve(config),
    }
    command = commands.get(args.command)
    return command() if command is not None else 2


def check_config(config: Config) -> int:
    """`wheeld check-config`: print the effective configuration, secrets masked."""
    import yaml

    print(yaml.safe_dump(config.masked(), sort_keys=True), end="")
    return 0


def run_serve(config: Config) -> int:
    """`wheeld serve` until stopped; Ctrl-C is a clean stop."""
    try:
        return asyncio.run(serve(config))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
