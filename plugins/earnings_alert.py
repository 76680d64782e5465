"""Built-in plugin `earnings_alert`: an alert when a followed symbol reports earnings within N days (FR-27).

Followed symbols are every active wheel's (so every open position's) and, unless turned off, the
watchlist's. Each report is announced once: the alert's key names the symbol and the date, and the
store remembers what was announced, so a cleared or acknowledged alert is not raised again. The alert
is HIGH when an open short option on the symbol expires on or after the report (its premium is exposed
to the move), else the configured severity. Copy this file to start your own plugin (and rename it).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from marshmallow import Schema, fields, validate

from wheeld.plugins import Plugin, PluginContext, cron

NOTIFIED = "notified"  # store key: {"SYMBOL:YYYY-MM-DD": alert id} of the reports announced


class EarningsAlertConfig(Schema):
    """Settings of earnings_alert."""

    days = fields.Integer(
        strict=True,
        load_default=7,
        validate=validate.Range(min=1, max=90),
        metadata={"description": "Alert when a report is at most this many calendar days away."},
    )
    include_watchlist = fields.Boolean(
        load_default=True, metadata={"description": "Follow the watchlist's symbols too, not only the wheels'."}
    )
    severity = fields.String(
        load_default="MEDIUM",
        validate=validate.OneOf(["LOW", "MEDIUM", "HIGH"]),
        metadata={"description": "Severity of the alert when no open option is exposed to the report."},
    )


def exposed_trades(positions: list[dict[str, Any]], symbol: str, report: date) -> list[dict[str, Any]]:
    """The open short options on `symbol` still open on the report date (they expire on or after it)."""
    return [p for p in positions if p["symbol"] == symbol and date.fromisoformat(p["expiration_date"]) >= report]


class EarningsAlert(Plugin):
    """Alerts before earnings reports of the symbols you wheel or watch."""

    name = "earnings_alert"
    version = "1.0.0"
    description = "Alert when a wheel's or watchlist symbol reports earnings within N days (once per report)"
    default_schedule = cron("0 8 * * 1-5")  # before the open, on weekdays
    market_hours_only = False
    timeout_seconds = 120
    config_schema = EarningsAlertConfig

    async def execute(self, ctx: PluginContext) -> dict[str, Any]:
        """Announce every report inside the window that was not announced yet; forget past ones."""
        today = ctx.today()
        horizon = today + timedelta(days=ctx.config["days"])
        symbols = await ctx.symbols(include_watchlist=ctx.config["include_watchlist"])
        notified: dict[str, int] = await ctx.store.get(NOTIFIED, {})
        # Reports in the past are over: their alerts no longer describe anything coming.
        for event_key in [k for k in notified if date.fromisoformat(k.split(":", 1)[1]) < today]:
            await ctx.clear_alert(f"earnings:{event_key}")
            del notified[event_key]
        events = await ctx.earnings(symbols, today, horizon) if symbols else []
        positions = await ctx.open_positions() if events else []
        raised = 0
        for event in events:
            event_key = f"{event.symbol}:{event.day.isoformat()}"
            if event_key in notified:
                continue
            days_until = (event.day - today).days
            exposed = exposed_trades(positions, event.symbol, event.day)
            when = "today" if days_until == 0 else f"in {days_until} day{'s' if days_until != 1 else ''}"
            hour = {"bmo": " before the open", "amc": " after the close"}.get(event.hour or "", "")
            message = f"{event.symbol} reports earnings {when} ({event.day.isoformat()}{hour})"
            if exposed:
                message += f"; {len(exposed)} open option{'s' if len(exposed) != 1 else ''} expiring after it"
            alert, created = await ctx.alert(
                f"earnings:{event_key}",
                message,
                kind="earnings",
                severity="HIGH" if exposed else ctx.config["severity"],
                symbol=event.symbol,
                details={
                    "earnings_date": event.day.isoformat(),
                    "hour": event.hour,
                    "days_until": days_until,
                    "exposed_trade_ids": [p["trade_id"] for p in exposed],
                    "source": event.source,
                },
            )
            notified[event_key] = alert["id"]
            raised += int(created)
        await ctx.store.set(NOTIFIED, notified)
        return {"symbols": len(symbols), "reports": len(events), "alerts_raised": raised}
