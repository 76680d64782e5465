"""The real daemon in a subprocess, for tests that need a process: its own data dir, home and free port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

STARTUP_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(
    port: int, method: str, path: str, body: Any = None, headers: Mapping[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    """One JSON request to the daemon: (status, decoded body)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        method=method,
        headers={**({"Content-Type": "application/json"} if data else {}), **(headers or {})},
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def clean_environ(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The test's environment without WHEELD_* settings, with `home` as HOME and XDG data home."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("WHEELD_")}
    environ.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"), **(extra or {}))
    return environ


class Daemon:
    """`python -m wheeld serve` (or `command`) on a free port with its own data dir and home.

    Its stderr goes to a file (a pipe nobody reads would fill up and stall a busy daemon); `stderr`
    holds everything it wrote, over every start, once it has stopped.
    """

    def __init__(
        self,
        tmp_path: Path,
        *,
        command: Sequence[str] = (sys.executable, "-m", "wheeld"),
        env: Mapping[str, str] | None = None,
        args: Sequence[str] = (),
        startup_timeout: float = STARTUP_TIMEOUT,
        healthy: Collection[str] = ("ok",),
    ) -> None:
        self.data_dir = tmp_path / "data"
        self.home = tmp_path / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.command = list(command)
        self.env = dict(env or {})
        self.args = list(args)
        self.startup_timeout = startup_timeout
        # Health statuses that count as started ("degraded" too when a provider is meant to fail).
        self.healthy = set(healthy)
        self.stderr_path = tmp_path / "daemon.stderr"
        self.process: subprocess.Popen[bytes] | None = None
        self.stderr = ""
        self.cwd = tmp_path

    def start(self, *, wait: bool = True) -> float:
        """Start it and (with `wait`) wait for a healthy answer; returns the seconds that took."""
        started = time.monotonic()
        with self.stderr_path.open("ab") as stderr:
            self.process = subprocess.Popen(
                [
                    *self.command,
                    "serve",
                    "--data-dir",
                    str(self.data_dir),
                    "--port",
                    str(self.port),
                    *self.args,
                ],
                env=clean_environ(self.home, self.env),
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        if not wait:
            return 0.0
        deadline = started + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.kill()
                pytest.fail(f"wheeld exited early ({code}): {self.stderr}")
            try:
                status, body = request(self.port, "GET", "/api/v1/health")
            except (ConnectionError, urllib.error.URLError, TimeoutError):
                time.sleep(0.02)
                continue
            assert status == 200 and body["data"]["status"] in self.healthy, body
            return time.monotonic() - started
        self.kill()
        pytest.fail(f"wheeld was not healthy within {self.startup_timeout}s: {self.stderr}")

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
        self.kill()  # reads stderr
        return code

    def kill(self) -> None:
        """Make sure the process is gone (SIGKILL if it still runs) and its stderr read."""
        process, self.process = self.process, None
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.wait()
        if self.stderr_path.exists():
            self.stderr = self.stderr_path.read_text(encoding="utf-8", errors="replace")
