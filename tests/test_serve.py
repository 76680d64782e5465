"""The real daemon in a subprocess: starts healthy, writes survive a restart, SIGTERM/SIGINT stop it cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

STARTUP_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(port: int, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"} if data else {},
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


class Daemon:
    """`python -m wheeld serve` on a free port with its own data dir and home."""

    def __init__(self, tmp_path: Path) -> None:
        self.data_dir = tmp_path / "data"
        self.home = tmp_path / "home"
        self.home.mkdir(exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen[str] | None = None
        self.stderr = ""

    def start(self) -> None:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("WHEELD_")}
        environ.update(HOME=str(self.home), XDG_DATA_HOME=str(self.home / ".local" / "share"))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wheeld", "serve", "--data-dir", str(self.data_dir), "--port", str(self.port)],
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.kill()
                pytest.fail(f"wheeld exited early ({code}): {self.stderr}")
            try:
                status, body = request(self.port, "GET", "/api/v1/health")
            except (ConnectionError, urllib.error.URLError, TimeoutError):
                time.sleep(0.05)
                continue
            assert status == 200 and body["data"]["status"] == "ok", body
            return
        self.kill()
        pytest.fail(f"wheeld was not healthy within {STARTUP_TIMEOUT}s: {self.stderr}")

    def stop(self, sig: signal.Signals) -> int:
        """Send `sig`; the exit code (the daemon must stop within STOP_TIMEOUT)."""
        assert self.process is not None
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"wheeld did not stop within {STOP_TIMEOUT}s of {sig.name}")
        code = self.process.returncode
        self.kill()  # collects stderr
        return code

    def kill(self) -> None:
        """Make sure the process is gone and its stderr read."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        _, self.stderr = process.communicate()


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    running = Daemon(tmp_path)
    yield running
    running.kill()


def test_serve_write_stop_restart(daemon: Daemon) -> None:
    daemon.start()
    status, body = request(daemon.port, "POST", "/api/v1/portfolios", {"name": "Income", "default_capital": 25000})
    assert status == 201, body
    created = body["data"]
    status, body = request(daemon.port, "GET", "/api/v1/nope")
    assert status == 404 and body["error"]["code"] == "NOT_FOUND"

    assert daemon.stop(signal.SIGTERM) == 0
    assert "listening on http://127.0.0.1:" in daemon.stderr
    assert "stopped" in daemon.stderr
    assert "Traceback" not in daemon.stderr
    db = daemon.data_dir / "wheeld.db"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert not Path(f"{db}-wal").exists() or stat.S_IMODE(Path(f"{db}-wal").stat().st_mode) == 0o600
    # Nothing was written to the real home: the data directory is the one given.
    assert not (daemon.home / ".local" / "share" / "wheeld").exists()

    daemon.start()
    status, body = request(daemon.port, "GET", f"/api/v1/portfolios/{created['id']}")
    assert status == 200 and body["data"] == created
    status, body = request(daemon.port, "GET", "/api/v1/system/info")
    assert body["data"]["portfolios"] == 1 and body["data"]["db_path"] == str(db)
    assert daemon.stop(signal.SIGINT) == 0
    assert "Traceback" not in daemon.stderr
