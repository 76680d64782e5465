"""`wheeld migrate-legacy`: import the old CLI's trades.db into wheeld and print the reconciliation report.

Progress goes to stderr, the report to stdout. Exit 0 when the import (or the dry run) reconciles,
1 when it cannot run or does not reconcile (nothing is written then), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wheeld.app import Container
from wheeld.config import Config
from wheeld.db.migrations import NotAWheeldDatabase, SchemaTooNew
from wheeld.domain.money import format_money
from wheeld.running_daemon import daemon_base_url, daemon_serving
from wheeld.services.legacy_import import (
    LegacyImportError,
    LegacyImportService,
    MigrationReport,
    ReconciliationFailed,
    WheelReconciliation,
)

COMMAND = "migrate-legacy"


def add_parser(sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register `migrate-legacy` on the `wheeld` parser."""
    parser = sub.add_parser(
        COMMAND,
        help="import the old CLI's trades.db (read-only) into wheeld",
        description="Import the old wheel CLI's database (never modified) into wheeld in one transaction,"
        " then print a reconciliation report. Run it again: it imports nothing twice. See docs/migration.md.",
    )
    common(parser)
    parser.add_argument("path", type=Path, metavar="PATH", help="the old database, e.g. ~/.wheel_strategy/trades.db")
    parser.add_argument(
        "--portfolio",
        metavar="NAME",
        help="import every wheel into this portfolio (created if missing); by default the old file's"
        " portfolios are matched by name, wheels without one go to the default portfolio",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="do everything, print the report, then roll back: nothing is written"
    )
    parser.add_argument(
        "--source-timezone",
        metavar="ZONE",
        help="time zone the old tool ran in, for its zone-less timestamps (default: this machine's)",
    )


def run(args: argparse.Namespace, config: Config) -> int:
    """Run the command; returns the exit code."""
    source_tz = None
    if args.source_timezone:
        try:
            source_tz = ZoneInfo(args.source_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            print(
                f"wheeld: unknown time zone {args.source_timezone!r} (use a name like America/New_York)",
                file=sys.stderr,
            )
            return 2
    try:
        return asyncio.run(_migrate(args, config, source_tz))
    except KeyboardInterrupt:
        # The transaction rolls back on the way out: the import is all or nothing.
        print("wheeld: interrupted; nothing was written", file=sys.stderr)
        return 130


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def _migrate(args: argparse.Namespace, config: Config, source_tz: ZoneInfo | None) -> int:
    holder = await daemon_serving(config)
    if holder is not None:
        print(
            f"wheeld: {holder}. The daemon owns its database: stop it first (systemctl --user stop wheeld,"
            " or Ctrl-C the `wheeld serve`), run migrate-legacy, then start it again.",
            file=sys.stderr,
        )
        return 1
    with tempfile.TemporaryDirectory(prefix="wheeld-dry-run-") as scratch:
        if args.dry_run and not config.database_path.exists():
            # A dry run leaves no trace: not even a fresh, empty database where none was.
            config = config.replace({"database.path": str(Path(scratch) / "wheeld.db")})
        return await _import(args, config, source_tz)


async def _import(args: argparse.Namespace, config: Config, source_tz: ZoneInfo | None) -> int:
    container = Container.build(config)
    try:
        await container.start()
    except (SchemaTooNew, NotAWheeldDatabase) as exc:
        print(f"wheeld: {exc}", file=sys.stderr)
        return 1
    try:
        service = LegacyImportService(container.db, container.clock)
        report = await service.migrate(args.path, args.portfolio, args.dry_run, source_tz, _progress)
    except ReconciliationFailed as exc:
        print(render_report(exc.report, config))
        print(f"wheeld: {exc}", file=sys.stderr)
        return 1
    except LegacyImportError as exc:
        print(f"wheeld: {exc}", file=sys.stderr)
        return 1
    finally:
        await container.stop()
    print(render_report(report, config))
    return 0


def _table(rows: list[WheelReconciliation], total: WheelReconciliation) -> list[str]:
    header = (
        "legacy wheel",
        "symbol",
        "portfolio",
        "trades old",
        "trades new",
        "premium old",
        "premium new",
        "left out",
        "",
    )
    body = [
        (
            r.legacy_wheel_id,
            r.symbol,
            ", ".join(sorted(r.portfolios)) or "-",
            str(r.legacy_trades),
            str(r.wheeld_trades),
            format_money(r.legacy_premium_cents),
            format_money(r.wheeld_premium_cents),
            str(r.excluded_trades),
            "ok" if r.ok else "MISMATCH",
        )
        for r in [*rows, total]
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    numeric = {3, 4, 5, 6, 7}

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(header), *(line(b) for b in body[:-1]), "-" * len(line(header)), line(body[-1])]


def render_report(report: MigrationReport, config: Config) -> str:
    """The report as text: what the old file holds, what was imported, the reconciliation, the warnings."""
    counts = report.legacy_counts
    legacy = ", ".join(f"{v} {k}" for k, v in counts.items() if v is not None)
    lines = [
        f"Legacy database: {report.source_path}" + ("  (DRY RUN)" if report.dry_run else ""),
        f"  holds {legacy}",
    ]
    for table, columns in report.missing_columns.items():
        lines.append(f"  older schema: {table} has no {', '.join(columns)}")
    lines += [
        f"Portfolios: created {', '.join(report.portfolios_created) or 'none'};"
        f" reused {', '.join(report.portfolios_reused) or 'none'}",
        f"Wheels: {report.wheels_imported} imported ({report.wheels_archived} archived),"
        f" {report.wheels_skipped} already imported (skipped)",
        f"Trades: {report.trades_imported} imported, {report.trades_skipped} already imported (skipped),"
        f" {report.trades_not_imported} not imported",
    ]
    if report.legacy_counts.get("position_snapshots") is not None:
        lines.append(
            f"Position snapshots: {report.snapshots_imported} imported, {report.snapshots_skipped} already imported"
            f" (skipped), {report.snapshots_not_imported} not imported"
        )
    lines += [
        "",
        "Reconciliation (old file → wheeld; premium in dollars):",
        *_table(report.reconciliation, report.total),
    ]
    if report.warnings:
        lines += ["", f"Warnings ({len(report.warnings)}): imported as said, check them:"]
        lines += [f"  - {w}" for w in report.warnings]
    lines.append("")
    if not report.ok:
        lines.append("The figures do not reconcile: the transaction was rolled back, nothing was written.")
    elif report.dry_run:
        lines.append("Dry run: all of the above ran in a transaction that was rolled back; nothing was written.")
        lines.append("Run the same command without --dry-run to import.")
    else:
        lines.append("Imported and reconciled. Start the daemon (wheeld serve) and check, e.g.:")
        lines.append(f"  curl -s {daemon_base_url(config)}/api/v1/portfolios")
    return "\n".join(lines)
