"""`wheeld notify-test`: send a test message through every configured notifier, and say how each went.

Exit 0 when every notifier took it, 1 when one failed or none is configured, 2 for bad arguments.
The daemon need not run: this reads the same configuration and sends from this process.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Callable
from typing import Any, TextIO

from wheeld.config import Config
from wheeld.services.notifiers import Delivery, Notifier, NotifierSettings

COMMAND = "notify-test"


def add_parser(sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register `notify-test` on the `wheeld` parser."""
    parser = sub.add_parser(
        COMMAND,
        help="send a test message through each configured notifier (webhook, ntfy, slack)",
        description="Send one test alert through every notifier in notifiers.webhook_url and"
        " notifiers.channels, whatever its min_severity, and print how each delivery went.",
    )
    common(parser)
    parser.add_argument(
        "--severity", choices=["LOW", "MEDIUM", "HIGH"], default="HIGH", help="severity of the test alert"
    )


def test_alert(severity: str) -> dict[str, Any]:
    """The alert sent: shaped like the API's alerts, so every notifier formats it as it would a real one."""
    return {
        "id": "test",
        "kind": "test",
        "severity": severity,
        "message": "a test from `wheeld notify-test`: if you read this, alerts reach you here",
        "details": {},
    }


async def send(config: Config, severity: str) -> list[Delivery]:
    """Deliver the test alert through every notifier (not to the log); returns each delivery."""
    notifier = Notifier(lambda: NotifierSettings.from_config(config), logger=logging.getLogger("wheeld.notify-test"))
    try:
        deliveries = await notifier.deliver(test_alert(severity), every_severity=True)
    finally:
        await notifier.close()
    return [d for d in deliveries if d.channel != "log"]


def run(args: argparse.Namespace, config: Config, out: TextIO) -> int:
    """Run the command; returns the exit code."""
    deliveries = asyncio.run(send(config, args.severity))
    if not deliveries:
        print(
            "no notifier is configured: set notifiers.webhook_url, or notifiers.channels (see `wheeld config example`)",
            file=out,
        )
        return 1
    for d in deliveries:
        outcome = "sent" if d.status == "sent" else f"{d.status}: {d.error}"
        print(f"{d.notifier} ({d.channel}): {outcome} ({d.attempts} attempt{'s' if d.attempts != 1 else ''})", file=out)
    return 0 if all(d.status == "sent" for d in deliveries) else 1
