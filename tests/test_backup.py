"""`wheeld backup DEST`: an online copy of a live daemon's database that restores into a working daemon."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.daemon_process import Daemon, clean_environ, request
from wheeld.cli_daemon import main


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Daemon]:
    running = Daemon(tmp_path / "live")
    yield running
    running.kill()


def seed(port: int) -> tuple[list[int], int]:
    """A portfolio with three wheels in different states; returns their ids and a fourth wheel's."""
    status, body = request(port, "POST", "/api/v1/portfolios", {"name": "Income", "default_capital": 50000})
    assert status == 201, body
    portfolio = body["data"]["id"]
    wheels = []
    for symbol in ("AAPL", "KO", "MSFT", "BUSY"):
        status, body = request(port, "POST", f"/api/v1/portfolios/{portfolio}/wheels", {"symbol": symbol})
        assert status == 201, body
        wheels.append(body["data"]["id"])
    put = {"direction": "put", "strike": 150, "expiration_date": "2026-12-18", "contracts": 1, "total_premium": 210}
    status, body = request(port, "POST", f"/api/v1/wheels/{wheels[0]}/trades", put)
    assert status == 201, body
    status, body = request(port, "POST", f"/api/v1/wheels/{wheels[1]}/trades", {**put, "strike": 60})
    assert status == 201, body
    assigned = {"outcome": "assigned", "stock_price_at_expiry": 55}
    status, body = request(port, "POST", f"/api/v1/trades/{body['data']['id']}/settle", assigned)
    assert status == 200, body
    return wheels[:3], wheels[3]


def stream_writes(port: int, wheel_id: int, stop: threading.Event, acknowledged: list[int]) -> None:
    """Record and expire puts on one wheel until `stop`: the daemon is busy writing during the backup."""
    put = {"direction": "put", "strike": 10, "expiration_date": "2026-12-18", "contracts": 1, "total_premium": 5}
    while not stop.is_set():
        status, body = request(port, "POST", f"/api/v1/wheels/{wheel_id}/trades", put)
        assert status == 201, body
        status, settled = request(
            port,
            "POST",
            f"/api/v1/trades/{body['data']['id']}/settle",
            {"outcome": "expired", "stock_price_at_expiry": 11},
        )
        assert status == 200, settled
        acknowledged.append(body["data"]["id"])


def listing(port: int, path: str) -> dict[int, dict[str, Any]]:
    status, body = request(port, "GET", f"{path}?page_size=500")
    assert status == 200, body
    return {item["id"]: item for item in body["data"]}


def run_backup(home: Path, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wheeld", "backup", "--data-dir", str(data_dir), *args],
        env=clean_environ(home),
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_online_backup_restores_into_a_working_daemon(live: Daemon, tmp_path: Path) -> None:
    live.start()
    settled_wheels, busy_wheel = seed(live.port)
    before = listing(live.port, "/api/v1/trades")
    stop, acknowledged = threading.Event(), []
    writer = threading.Thread(target=stream_writes, args=(live.port, busy_wheel, stop, acknowledged))
    writer.start()
    try:
        while len(acknowledged) < 5 and writer.is_alive():  # the backup runs while writes are streaming
            writer.join(0.01)
        assert writer.is_alive(), "the writer stopped before the backup"
        dest = tmp_path / "backups" / "wheeld-backup.db"
        dest.parent.mkdir()
        done = run_backup(live.home, live.data_dir, str(dest))
    finally:
        stop.set()
        writer.join()
    assert done.returncode == 0, done.stderr
    assert f"to {dest}:" in done.stdout and "integrity ok" in done.stdout and "1 portfolios" in done.stdout
    assert file_mode(dest) == 0o600
    assert sorted(p.name for p in dest.parent.iterdir()) == ["wheeld-backup.db"]  # one file, no -wal, no leftovers
    conn = sqlite3.connect(dest)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()
    after = listing(live.port, "/api/v1/trades")
    live_wheels = listing(live.port, "/api/v1/wheels")
    assert live.stop(signal.SIGTERM) == 0

    # Restore: the backup file becomes a fresh data directory's database.
    restored = Daemon(tmp_path / "restored")
    restored.data_dir.mkdir(parents=True)
    shutil.copyfile(dest, restored.data_dir / "wheeld.db")
    try:
        restored.start()
        trades = listing(restored.port, "/api/v1/trades")
        # Everything written before the backup is there, and nothing that the live database did not hold.
        assert before.keys() <= trades.keys() <= after.keys()
        assert all(trades[i] == after[i] for i in before)
        # Streamed trades are whole: the last one may still be open in the copy (settled after it).
        for i in trades.keys() - before.keys():
            assert trades[i]["wheel_id"] == busy_wheel and trades[i]["total_premium"] == after[i]["total_premium"]
            assert trades[i]["outcome"] == after[i]["outcome"] or trades[i]["outcome"] == "open"
        assert len(trades) > len(before)  # streamed writes landed in the copy too
        wheels = listing(restored.port, "/api/v1/wheels")
        assert all(wheels[i] == live_wheels[i] for i in settled_wheels)
        status, body = request(restored.port, "POST", "/api/v1/portfolios", {"name": "After restore"})
        assert status == 201, body
        assert file_mode(restored.data_dir / "wheeld.db") == 0o600
        assert restored.stop(signal.SIGTERM) == 0
    finally:
        restored.kill()


def test_backup_refuses_to_overwrite_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "data"
    dest = tmp_path / "copy.db"
    assert main(["backup", "--data-dir", str(data_dir), str(dest)]) == 1
    assert "no database at" in capsys.readouterr().err
    assert not dest.exists()

    data_dir.mkdir()
    conn = sqlite3.connect(data_dir / "wheeld.db")
    conn.executescript("CREATE TABLE portfolios (id); CREATE TABLE wheels (id); CREATE TABLE trades (id);")
    conn.execute("PRAGMA user_version = 5")
    conn.commit()
    conn.close()
    dest.write_bytes(b"an older backup")
    assert main(["backup", "--data-dir", str(data_dir), str(dest)]) == 1
    assert "exists; pass --force" in capsys.readouterr().err
    assert dest.read_bytes() == b"an older backup"

    assert main(["backup", "--data-dir", str(data_dir), str(dest), "--force"]) == 0
    assert "schema v5, 0 portfolios, 0 wheels, 0 trades; integrity ok" in capsys.readouterr().out
    assert file_mode(dest) == 0o600
    assert not list(tmp_path.glob(".copy.db.*"))  # no partial copy left behind

    assert main(["backup", "--data-dir", str(data_dir), str(tmp_path / "no-such-dir" / "x.db")]) == 1
    assert "does not exist" in capsys.readouterr().err
