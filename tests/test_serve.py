"""The real daemon in a subprocess: starts healthy, writes survive a restart, SIGTERM/SIGINT stop it cleanly."""

from __future__ import annotations

import signal
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.daemon_process import Daemon, request


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
