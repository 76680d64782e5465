"""The composition root: config → database → services (→ market data, scheduler) in one container.

The server, the CLI's direct mode and the tests all build wheeld through `Container`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from wheeld.clock import Clock
from wheeld.config import Config
from wheeld.db.connection import Database
from wheeld.logs import RedactingFilter, set_level
from wheeld.services.configuration import ConfigService
from wheeld.services.portfolios import PortfolioService
from wheeld.services.system import SystemService
from wheeld.services.trades import TradeService
from wheeld.services.wheels import WheelService

log = logging.getLogger(__name__)


@dataclass
class Container:
    """Everything a running wheeld is made of, built once and shared."""

    settings: ConfigService
    clock: Clock
    db: Database
    portfolios: PortfolioService
    system: SystemService
    wheels: WheelService
    trades: TradeService
    redactor: RedactingFilter | None = None
    _started: bool = field(default=False, repr=False)

    @property
    def config(self) -> Config:
        """The live configuration."""
        return self.settings.config

    @classmethod
    def build(
        cls, config: Config, clock: Clock | None = None, redactor: RedactingFilter | None = None
    ) -> Container:
        """Wire the parts together (nothing is opened yet)."""
        clock = clock or Clock()
        db = Database(config.database_path, busy_timeout_ms=config["database.busy_timeout_ms"])
        container = cls(
            settings=ConfigService(config),
            clock=clock,
            db=db,
            portfolios=PortfolioService(db, clock),
            system=SystemService(db, clock),
            wheels=WheelService(db, clock),
            trades=TradeService(db, clock),
            redactor=redactor,
        )
        container.settings.on_change(container._apply_live)
        return container

    def _apply_live(self, config: Config, changes: dict[str, Any]) -> None:
        if "server.log_level" in changes:
            set_level(config["server.log_level"])
        if self.redactor is not None:
            self.redactor.add_secrets(config.secrets())

    async def start(self) -> None:
        """Open the database (migrating it) and start background parts."""
        if self._started:
            return
        await self.db.open()
        if self.db.backup_path is not None:
            log.info("schema migrated from v%s; backup at %s", self.db.migrated_from, self.db.backup_path)
        self._started = True

    async def stop(self) -> None:
        """Stop background parts and close the database."""
        if not self._started:
            return
        await self.db.close()
        self._started = False
