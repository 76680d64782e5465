"""Health and system information (FR-31, FR-32)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from wheeld import __version__
from wheeld.clock import Clock, utc_iso
from wheeld.db import portfolios as portfolio_repo
from wheeld.db.connection import Database

StatusProbe = Callable[[], Awaitable[dict[str, Any]]]


class SystemService:
    """Answers health checks and system info from the parts the container registers."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.started_at = clock.monotonic()
        self.probes: dict[str, StatusProbe] = {}
        self.active_jobs: Callable[[], list[str]] = list

    def add_probe(self, name: str, probe: StatusProbe) -> None:
        """Register a component whose status health reports (scheduler, market data …)."""
        self.probes[name] = probe

    async def health(self) -> tuple[dict[str, Any], bool]:
        """Overall status and each component's; the flag is False when the database is unreachable."""
        db_ok = await self.db.ping()
        components: dict[str, Any] = {"database": {"status": "ok" if db_ok else "down"}}
        for name, probe in self.probes.items():
            try:
                components[name] = await probe()
            except Exception as exc:  # a failing probe degrades health, it never breaks it
                components[name] = {"status": "down", "detail": f"{type(exc).__name__}: {exc}"}
        statuses = {c.get("status") for c in components.values()}
        if not db_ok:
            overall = "down"
        elif statuses - {"ok", "disabled"}:
            overall = "degraded"
        else:
            overall = "ok"
        return {
            "status": overall,
            "version": __version__,
            "checked_at": utc_iso(self.clock.now()),
            "components": components,
        }, db_ok

    async def info(self) -> dict[str, Any]:
        """Version, uptime, database size, counts and active jobs."""
        counts = await portfolio_repo.counts(self.db.reader)
        return {
            "version": __version__,
            "uptime_seconds": round(self.clock.monotonic() - self.started_at, 3),
            "db_path": str(self.db.path),
            "db_size_bytes": self.db.size_bytes(),
            "schema_version": await self._schema_version(),
            "counts": counts,
            **counts,
            "active_jobs": self.active_jobs(),
        }

    async def _schema_version(self) -> int:
        row = await self.db.fetch_one("PRAGMA user_version")
        return int(row[0]) if row else 0
