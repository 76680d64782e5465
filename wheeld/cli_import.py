"""`wheeld import-broker`: bring a broker's transaction history into wheeld and print what it did.

`schwab-csv FILE` reads Schwab's export: through the running daemon's API when one serves this
database, in-process otherwise. `schwab --since DATE` asks Schwab's API (with the token stored by
`wheeld auth schwab`) and needs the daemon stopped, as `migrate-legacy` does. Exit 0 when done,
1 when refused (nothing is written then), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from wheeld.app import Container, schwab_settings
from wheeld.config import Config
from wheeld.db.migrations import NotAWheeldDatabase, SchemaTooNew
from wheeld.domain.broker_plan import Shares, parse_shares
from wheeld.errors import WheeldError
from wheeld.http.schemas.imports import ImportReport
from wheeld.marketdata.base import ProviderError
from wheeld.marketdata.schwab import SchwabProvider
from wheeld.running_daemon import daemon_base_url, daemon_serving

COMMAND = "import-broker"


class Refused(Exception):
    """The import did not run: the message says why (and nothing was written)."""


def add_parser(sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register `import-broker schwab-csv|schwab` on the `wheeld` parser."""
    parser = sub.add_parser(
        COMMAND,
        help="import a broker's transaction history (Schwab CSV export or API) into wheels and trades",
        description="Turn the broker's record into wheels and trades in one transaction: sales to open, buy-backs,"
        " rolls, expirations and assignments (also partial ones). Run it with --dry-run first; running it again"
        " imports nothing twice.",
    )
    sources = parser.add_subparsers(dest="source", required=True, metavar="SOURCE")
    from_csv = sources.add_parser("schwab-csv", help="Schwab's transaction history export (History → Export)")
    from_csv.add_argument("file", type=Path, metavar="FILE", help="the CSV file Schwab exported")
    from_api = sources.add_parser("schwab", help="Schwab's API (after `wheeld auth schwab`)")
    from_api.add_argument("--since", type=date.fromisoformat, required=True, metavar="YYYY-MM-DD")
    from_api.add_argument("--until", type=date.fromisoformat, metavar="YYYY-MM-DD", help="default: today")
    for each in (from_csv, from_api):
        common(each)
        each.add_argument("--portfolio", metavar="NAME", help="the portfolio to import into (default: the default)")
        each.add_argument("--dry-run", action="store_true", help="print what would be done; write nothing")
        each.add_argument("--json", action="store_true", help="print the report as the API's JSON")
        each.add_argument(
            "--shares",
            action="append",
            metavar="SYMBOL=COUNT@COST",
            help="shares held from before the export, for covered calls (repeatable), e.g. KO=300@52.10",
        )


def run(args: argparse.Namespace, config: Config, *, schwab_transport: httpx.AsyncBaseTransport | None = None) -> int:
    """Run the command; returns the exit code. `schwab_transport` reroutes Schwab's HTTP (tests)."""
    try:
        shares = parse_shares(",".join(args.shares or []))
    except WheeldError as exc:
        print(f"wheeld: {exc.message}", file=sys.stderr)
        return 2
    try:
        report = asyncio.run(run_import(args, config, shares, schwab_transport))
    except Refused as exc:
        print(f"wheeld: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("wheeld: interrupted; nothing was written", file=sys.stderr)
        return 130
    print(json.dumps(report, indent=2) if args.json else render_report(report))
    return 0


def _refusal(message: str, details: dict[str, Any]) -> Refused:
    lines = [message]
    lines += [f"  line {c['line']}: {c['reason']}" for c in details.get("conflicts", [])]
    return Refused("\n".join(lines))


async def run_import(
    args: argparse.Namespace,
    config: Config,
    shares: dict[str, Shares],
    transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, Any]:
    """The import the arguments ask for; returns its report (the API's JSON) or raises Refused."""
    holder = await daemon_serving(config)
    if args.source == "schwab-csv":
        try:
            text = args.file.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise Refused(f"cannot read {args.file}: {exc}") from None
        if holder is not None:
            return await _through_daemon(config, text, args, shares)
        return await _in_process(
            config, args, lambda c: c.imports.import_schwab_csv(text, args.portfolio, args.dry_run, shares)
        )
    if holder is not None:
        raise Refused(f"{holder}. Stop it first (systemctl --user stop wheeld), import, then start it again.")
    transactions = await _schwab_transactions(config, args.since, args.until, transport)
    return await _in_process(
        config, args, lambda c: c.imports.import_schwab_api(transactions, args.portfolio, args.dry_run, shares)
    )


async def _schwab_transactions(
    config: Config, since: date, until: date | None, transport: httpx.AsyncBaseTransport | None
) -> list[Any]:
    settings = schwab_settings(config)
    store = settings.token_store(config.data_dir)
    if not settings.api_key or not settings.app_secret or not store.exists():
        raise Refused("no Schwab token: set external_apis.schwab.app_key and app_secret, run `wheeld auth schwab`")
    from wheeld.clock import Clock

    clock = Clock()
    end = until or clock.today_ny()
    if since > end:
        raise Refused(f"--since {since} is after {end}")
    provider = SchwabProvider(settings.api_key, settings.app_secret, store, clock, transport=transport)
    try:
        return await provider.get_transactions(since, end)
    except ProviderError as exc:
        raise Refused(str(exc)) from None
    finally:
        await provider.close()


async def _in_process(config: Config, args: argparse.Namespace, call: Callable[[Container], Any]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="wheeld-dry-run-") as scratch:
        if args.dry_run and not config.database_path.exists():
            # A dry run leaves no trace: not even a fresh, empty database where none was.
            config = config.replace({"database.path": str(Path(scratch) / "wheeld.db")})
        container = Container.build(config)
        try:
            await container.start()
        except (SchemaTooNew, NotAWheeldDatabase) as exc:
            raise Refused(str(exc)) from None
        try:
            return dict(ImportReport().dump(await call(container)))
        except WheeldError as exc:
            raise _refusal(exc.message, exc.details) from None
        finally:
            await container.stop()


async def _through_daemon(
    config: Config, text: str, args: argparse.Namespace, shares: dict[str, Shares]
) -> dict[str, Any]:
    base, token = daemon_base_url(config), config["server.api_token"]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    params: dict[str, str] = {"source": "schwab-csv", "dry_run": "true" if args.dry_run else "false"}
    if shares:
        params["shares"] = ",".join(f"{s}={v.count}@{v.cost_cents / 100:.2f}" for s, v in shares.items())
    async with aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=120)) as session:
        if args.portfolio is not None:
            async with session.get(f"{base}/api/v1/portfolios", params={"page_size": "500"}) as response:
                listed = (await response.json()).get("data") or []
            match = [p for p in listed if p.get("name") == args.portfolio or str(p.get("id")) == args.portfolio]
            if not match:
                raise Refused(f"no portfolio named {args.portfolio!r}")
            params["portfolio_id"] = str(match[0]["id"])
        async with session.post(
            f"{base}/api/v1/imports", params=params, data=text.encode(), headers={"Content-Type": "text/csv"}
        ) as response:
            body = await response.json(content_type=None)
    if "error" in body:
        raise _refusal(body["error"]["message"], body["error"].get("details") or {})
    return dict(body["data"])


def _money(value: float) -> str:
    return f"{value:,.2f}"


def render_report(report: dict[str, Any]) -> str:
    """The report as text: each row's step, the totals, then broker against wheeld per symbol."""
    period = report["period"]
    title = f"Schwab import ({report['source']}), {period['start']} to {period['end']}"
    if report["dry_run"]:
        title += "  (DRY RUN)"
    else:
        title += f"  (import {report['id']})" if report["id"] is not None else "  (nothing new to import)"
    lines = [title]
    for row in report["rows"]:
        note = f"  {row['reason']}" if row["reason"] else ""
        trade = f" → trade {row['trade_id']}" if row["trade_id"] else ""
        lines.append(f"  line {row['line']:>4}  {row['step']:<16} {row['action']:<20} {row['symbol']}{trade}{note}")
    totals = report["totals"]
    lines.append(
        f"Rows: {totals['rows']}; opened {totals['open']}, settled {totals['settle']}, rolled {totals['roll']},"
        f" matched {totals['match']}, skipped {totals['skip']}, conflicts {totals['conflict']},"
        f" already imported {totals['already_imported']}"
    )
    lines += ["", "Reconciliation (net option premium after fees; open contracts):"]
    lines.append(f"  {'symbol':<8} {'broker':>12} {'wheeld':>12} {'open b/w':>9}")
    for r in report["reconciliation"]:
        opened = f"{r['broker_open_contracts']}/{r['wheeld_open_contracts']}"
        flag = "ok" if r["ok"] else "DIFFERS"
        lines.append(
            f"  {r['symbol']:<8} {_money(r['broker_net_premium']):>12} {_money(r['wheeld_net_premium']):>12}"
            f" {opened:>9}  {flag}"
        )
    if report["dry_run"]:
        lines += ["", "Dry run: nothing was written. Run it again without --dry-run to import."]
    if totals["conflict"]:
        lines.append("Conflicts: a real run refuses them (see the lines above); --shares covers an uncovered call.")
    return "\n".join(lines)
