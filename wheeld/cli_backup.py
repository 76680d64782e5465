"""`wheeld backup DEST`: an online, consistent copy of the database (the daemon may keep running).

Exit 0 with a one-line summary on stdout; 1 when the backup cannot be made (nothing is left at DEST
then, and an existing DEST is untouched); 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from wheeld.config import Config
from wheeld.db.backup import BackupError, backup_database

COMMAND = "backup"


def add_parser(sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register `backup` on the `wheeld` parser."""
    parser = sub.add_parser(
        COMMAND,
        help="copy the database to DEST while the daemon runs (SQLite backup API, mode 0600)",
        description="Copy the database to DEST with SQLite's backup API: consistent even while the daemon"
        " writes, read-only on the database, private (0600), integrity-checked. Restore: stop the daemon,"
        " copy DEST to the database path, start it (see docs/deploy.md).",
    )
    common(parser)
    parser.add_argument("dest", type=Path, metavar="DEST", help="the backup file to write")
    parser.add_argument("--force", action="store_true", help="replace DEST if it exists")


def run(args: argparse.Namespace, config: Config) -> int:
    """Run the command; returns the exit code."""
    try:
        result = backup_database(
            config.database_path,
            args.dest.expanduser(),
            force=args.force,
            busy_timeout_ms=config["database.busy_timeout_ms"],
        )
    except (BackupError, OSError) as exc:
        print(f"wheeld backup: {exc}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{n} {table}" for table, n in result.counts.items())
    print(
        f"backed up {config.database_path} to {result.path}: {result.size_bytes} bytes,"
        f" schema v{result.schema_version}, {counts}; integrity ok"
    )
    return 0
