"""systemd's notify protocol (sd_notify(3)) without a dependency: READY, WATCHDOG, STOPPING, STATUS.

Under `Type=notify` systemd passes a datagram socket in `$NOTIFY_SOCKET` (a path, or `@name` in the
abstract namespace) and, with `WatchdogSec=`, the interval in `$WATCHDOG_USEC`. Outside systemd
every call is a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


class Notifier:
    """Sends state lines to systemd's notify socket; does nothing when there is none."""

    def __init__(self, address: str | None, watchdog_usec: int | None = None) -> None:
        self.address = address
        self.watchdog_usec = watchdog_usec
        self._watchdog_task: asyncio.Task[None] | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Notifier:
        """The notifier systemd set up for this process (`NOTIFY_SOCKET`, `WATCHDOG_USEC`, `WATCHDOG_PID`)."""
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET") or None
        watchdog: int | None = None
        pid = env.get("WATCHDOG_PID", "")
        # WATCHDOG_PID names the process the watchdog is for: a child that inherited it must not ping.
        if env.get("WATCHDOG_USEC", "").isdigit() and (not pid or pid == str(os.getpid())):
            watchdog = int(env["WATCHDOG_USEC"]) or None
        return cls(address, watchdog)

    @property
    def enabled(self) -> bool:
        """True when running under a systemd that listens."""
        return self.address is not None

    def _socket_address(self) -> str | bytes:
        assert self.address is not None
        if self.address.startswith("@"):
            return b"\0" + self.address[1:].encode()  # abstract namespace
        return self.address

    def notify(self, *lines: str) -> bool:
        """Send `KEY=value` lines in one datagram; False if there is no socket or sending failed."""
        if self.address is None:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.setblocking(False)  # never stall the event loop on a full socket queue
                sock.sendto("\n".join(lines).encode(), self._socket_address())
        except OSError as exc:
            log.warning("systemd notification %s failed: %s", lines[0].split("=", 1)[0], exc)
            return False
        return True

    def ready(self, status: str = "") -> bool:
        """Tell systemd the service is up (start-up is complete, the socket listens)."""
        return self.notify("READY=1", *([f"STATUS={status}"] if status else []))

    def stopping(self, status: str = "") -> bool:
        """Tell systemd the service is shutting down."""
        return self.notify("STOPPING=1", *([f"STATUS={status}"] if status else []))

    @property
    def watchdog_interval(self) -> float | None:
        """Seconds between keep-alive pings (half the watchdog timeout), or None without a watchdog."""
        if self.address is None or not self.watchdog_usec:
            return None
        return self.watchdog_usec / 2 / 1_000_000

    async def watchdog(self) -> None:
        """Ping WATCHDOG=1 at half the timeout for as long as the event loop runs (cancel to stop).

        It runs on the loop that serves requests and jobs: when that loop is stuck, the pings stop
        and systemd restarts the service.
        """
        interval = self.watchdog_interval
        if interval is None:
            return
        while True:
            self.notify("WATCHDOG=1")
            await asyncio.sleep(interval)

    def start_watchdog(self) -> None:
        """Run the watchdog as a task on the running loop (nothing when systemd wants no pings)."""
        if self.watchdog_interval is not None and self._watchdog_task is None:
            self._watchdog_task = asyncio.get_running_loop().create_task(self.watchdog(), name="sd_notify.watchdog")

    async def stop_watchdog(self) -> None:
        """Cancel the watchdog task, if any, and wait for it."""
        task, self._watchdog_task = self._watchdog_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
