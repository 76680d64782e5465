"""systemd notifications: READY once the API listens, WATCHDOG pings at half the timeout, STOPPING at shutdown."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.daemon_process import Daemon, request
from wheeld.sd_notify import Notifier


@pytest.fixture
def notify_socket() -> Iterator[tuple[socket.socket, str]]:
    """A datagram socket standing in for systemd's, at a short path (sun_path holds 108 bytes)."""
    directory = tempfile.mkdtemp(prefix="sdn-", dir="/tmp")
    path = os.path.join(directory, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(10)
    yield sock, path
    sock.close()
    shutil.rmtree(directory)


def received(sock: socket.socket) -> dict[str, str]:
    """The next datagram as KEY=value pairs."""
    return dict(line.split("=", 1) for line in sock.recv(4096).decode().splitlines())


def test_no_notify_socket_is_a_no_op() -> None:
    notifier = Notifier.from_environ({})
    assert not notifier.enabled
    assert notifier.ready("up") is False
    assert notifier.stopping() is False
    assert notifier.watchdog_interval is None


@pytest.mark.parametrize(
    ("environ", "interval"),
    [
        ({"WATCHDOG_USEC": "30000000"}, 15.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}, 15.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, None),  # the watchdog is another process's
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "soon"}, None),
        ({}, None),
    ],
)
def test_watchdog_interval_is_half_the_timeout(environ: dict[str, str], interval: float | None) -> None:
    assert Notifier.from_environ({"NOTIFY_SOCKET": "/run/systemd/notify", **environ}).watchdog_interval == interval


def test_abstract_namespace_socket() -> None:
    name = f"wheeld-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(b"\0" + name.encode())
        sock.settimeout(5)
        assert Notifier.from_environ({"NOTIFY_SOCKET": f"@{name}"}).ready("listening")
        assert received(sock) == {"READY": "1", "STATUS": "listening"}


def test_a_vanished_socket_does_not_raise(tmp_path: Path) -> None:
    assert Notifier(str(tmp_path / "gone")).notify("WATCHDOG=1") is False


def test_serve_notifies_ready_watchdog_and_stopping(tmp_path: Path, notify_socket: tuple[socket.socket, str]) -> None:
    sock, path = notify_socket
    # 0.2 s watchdog: a ping every 0.1 s.
    daemon = Daemon(tmp_path, env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"})
    try:
        daemon.start(wait=False)
        ready = received(sock)
        assert ready["READY"] == "1" and f":{daemon.port}" in ready["STATUS"]
        # READY came after the socket listens: the API answers at once, no retry.
        status, body = request(daemon.port, "GET", "/api/v1/health")
        assert status == 200 and body["data"]["status"] == "ok"
        assert received(sock) == {"WATCHDOG": "1"}
        assert received(sock) == {"WATCHDOG": "1"}
        assert daemon.process is not None
        daemon.process.send_signal(signal.SIGTERM)
        while (message := received(sock)).get("WATCHDOG") == "1":
            continue
        assert message == {"STOPPING": "1", "STATUS": "shutting down"}
        assert daemon.process.wait(timeout=5) == 0
    finally:
        daemon.kill()
    assert "Traceback" not in daemon.stderr
