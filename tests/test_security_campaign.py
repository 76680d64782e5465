"""NFR-10/11 against the real process: with every secret configured, a realistic run full of errors leaves
no secret in any log, stderr, printed config or the database; everything it writes is private.

Two runs on one data directory, under umask 000 (the worst case), logging at DEBUG to a small rotated
file: first on the simulated market with an ITM position whose alert goes to a webhook that refuses
connections, a live change of the API token, refused hosts, origins and tokens; then on Schwab and
Finnhub, whose calls all fail (no Schwab token; Finnhub through a proxy that is not there), so their
errors, retries and URLs (Finnhub's carries its key) reach the log.
"""

from __future__ import annotations

import secrets
import signal
import stat
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import SUMMARY_LINES
from tests.daemon_process import Daemon, clean_environ, free_port, request

UMASK_000 = ("sh", "-c", 'umask 000 && exec "$@"', "sh", sys.executable, "-m", "wheeld")
LOG_MAX_BYTES = 20_000  # small, so the run's log rotates several times
LOG_BACKUPS = 50  # and every rotated file is kept: the scan sees the whole run


def secret(name: str) -> str:
    return f"{name}-{secrets.token_hex(12)}"


class Secrets:
    """Every secret this run configures, and the places they travel."""

    def __init__(self) -> None:
        self.api_token = secret("apitoken")
        self.new_api_token = secret("rotated")
        self.schwab_key = secret("schwabkey")
        self.schwab_secret = secret("schwabsecret")
        self.finnhub_key = secret("finnhubkey")
        self.hook_token = secret("hooktoken")
        self.webhook_url = f"http://127.0.0.1:{free_port()}/hooks/{self.hook_token}"
        self.new_hook_token = secret("newhook")

    def values(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if isinstance(v, str)} | {"webhook path": self.hook_token}


def config_file(path: Path, s: Secrets) -> None:
    path.write_text(
        f"""
server:
  api_token: {s.api_token}
  log_level: DEBUG
  log_format: json
  log_file: wheeld.log
  log_max_bytes: {LOG_MAX_BYTES}
  log_backup_count: {LOG_BACKUPS}
market_data:
  max_retries: 1
  timeout_seconds: 2
external_apis:
  finnhub:
    api_key: {s.finnhub_key}
notifiers:
  webhook_url: ${{WEBHOOK_URL}}
  webhook_retries: 1
  webhook_timeout_seconds: 1
  min_severity: LOW
"""
    )


def environ(s: Secrets, provider: str) -> dict[str, str]:
    """Secrets through the environment, as systemd's EnvironmentFile gives them; a proxy that is not there."""
    dead_proxy = f"http://127.0.0.1:{free_port()}"
    return {
        "WEBHOOK_URL": s.webhook_url,
        "WHEELD_EXTERNAL_APIS__SCHWAB__APP_KEY": s.schwab_key,
        "WHEELD_EXTERNAL_APIS__SCHWAB__APP_SECRET": s.schwab_secret,
        "WHEELD_MARKET_DATA__PROVIDER": provider,
        # Nothing leaves the machine: every proxy-aware client (requests, httpx) fails at once.
        **{name: dead_proxy for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")},
        "NO_PROXY": "",
        "no_proxy": "",
    }


def call(port: int, method: str, path: str, token: str, body: Any = None, **headers: str) -> tuple[int, Any]:
    return request(port, method, path, body, {"Authorization": f"Bearer {token}", **headers})


def wait_for_run(port: int, token: str, job: str) -> dict[str, Any]:
    status, body = call(port, "POST", f"/api/v1/jobs/{job}/run", token)
    assert status == 202, body
    run_id, deadline = body["data"]["run_id"], time.monotonic() + 20
    while time.monotonic() < deadline:
        status, body = call(port, "GET", f"/api/v1/jobs/{job}/runs", token)
        run = next(r for r in body["data"] if r["id"] == run_id)
        if run["status"] != "running":
            return run
        time.sleep(0.05)
    pytest.fail(f"{job} run {run_id} did not finish")


def simulated_run(port: int, s: Secrets) -> None:
    """Refused requests, trades, a HIGH alert whose webhook fails, and the token changed live."""
    assert request(port, "GET", "/api/v1/portfolios")[0] == 401
    assert call(port, "GET", "/api/v1/portfolios", s.api_token[:-1] + "x")[0] == 401
    assert request(port, "GET", f"/api/v1/portfolios?api_token={s.api_token}")[0] == 401
    # A token pasted into a path reaches the access log: redacted there.
    assert call(port, "GET", f"/api/v1/portfolios/{s.api_token}", s.api_token)[0] == 404
    assert call(port, "GET", "/api/v1/portfolios", s.api_token, Host="evil.example")[0] == 403
    assert call(port, "POST", "/api/v1/portfolios", s.api_token, {"name": "x"}, Origin="https://evil.example")[0] == 403
    status, body = call(port, "POST", "/api/v1/portfolios", s.api_token, {"name": "Income"})
    assert status == 201, body
    status, body = call(
        port, "POST", f"/api/v1/portfolios/{body['data']['id']}/wheels", s.api_token, {"symbol": "AAPL"}
    )
    assert status == 201, body
    wheel = body["data"]["id"]
    tomorrow = (datetime.now(ZoneInfo("America/New_York")).date() + timedelta(days=1)).isoformat()
    put = {"direction": "put", "strike": 5000, "expiration_date": tomorrow, "contracts": 1, "total_premium": 120}
    status, body = call(port, "POST", f"/api/v1/wheels/{wheel}/trades", s.api_token, put)
    assert status == 201, body
    assert call(port, "POST", f"/api/v1/trades/{body['data']['id']}/settle", s.api_token, {"outcome": "x"})[0] == 400
    run = wait_for_run(port, s.api_token, "risk_monitor")
    assert run["status"] == "success", run
    status, body = call(port, "GET", "/api/v1/alerts", s.api_token)
    deliveries = [d for alert in body["data"] for d in alert["deliveries"] if d["channel"] == "webhook"]
    assert deliveries and all(d["status"] == "failed" for d in deliveries), body
    # A client echoing a secret back in a bad value, then a new token and webhook applied live.
    bad = {"notifiers": {"webhook_url": f"ftp://hooks.example/{s.new_hook_token}"}}
    assert call(port, "POST", "/api/v1/config/validate", s.api_token, bad)[0] in (200, 400)
    change = {"server": {"api_token": s.new_api_token}}
    status, body = call(port, "PUT", "/api/v1/config", s.api_token, change)
    assert status == 200, body
    assert call(port, "GET", "/api/v1/portfolios", s.api_token)[0] == 401
    assert call(port, "GET", "/api/v1/portfolios", s.new_api_token)[0] == 200


def broker_run(port: int, s: Secrets) -> None:
    """Every market-data call fails: quotes, chains, the refresh job; health degrades."""
    token = s.new_api_token
    status, body = call(port, "GET", "/api/v1/positions", token)
    assert status in (200, 502), body
    status, body = call(port, "POST", "/api/v1/portfolios/1/wheels", token, {"symbol": "KO"})
    assert status == 201, body
    status, body = call(port, "GET", f"/api/v1/wheels/{body['data']['id']}/recommendation", token)
    assert status == 502, body
    wait_for_run(port, token, "price_refresh")
    status, body = request(port, "GET", "/api/v1/health")
    assert body["data"]["status"] == "degraded", body


def check_config_output(home: Path, data_dir: Path, config: Path, s: Secrets) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "wheeld", "check-config", "--data-dir", str(data_dir), "--config", str(config)],
        env=clean_environ(home, environ(s, "schwab")),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_no_secret_in_any_log_and_every_file_private(tmp_path: Path, pytestconfig: pytest.Config) -> None:
    s = Secrets()
    etc = tmp_path / "etc"
    etc.mkdir()
    config = etc / "config.yaml"
    config_file(config, s)
    daemon = Daemon(
        tmp_path, command=UMASK_000, env=environ(s, "simulated"), args=["--config", str(config)], startup_timeout=20
    )
    try:
        daemon.start()
        simulated_run(daemon.port, s)
        assert daemon.stop(signal.SIGTERM) == 0
        daemon.env = environ(s, "schwab")
        daemon.healthy = {"ok", "degraded"}
        daemon.start()
        broker_run(daemon.port, s)
        assert daemon.stop(signal.SIGTERM) == 0
    finally:
        daemon.kill()
    printed = check_config_output(daemon.home, daemon.data_dir, config, s)

    logs = list(daemon.data_dir.glob("wheeld.log*"))
    assert 3 <= len(logs) <= 1 + LOG_BACKUPS, logs  # rotated by size
    assert all(log.stat().st_size <= LOG_MAX_BYTES for log in logs)
    texts = {log.name: log.read_text(encoding="utf-8") for log in logs}
    # Nothing rotated away: both starts and both stops are there.
    assert sum(text.count(" listening on http") for text in texts.values()) == 2
    assert sum(text.count('"message": "stopped"') for text in texts.values()) == 2
    texts["stderr"] = daemon.stderr
    texts["check-config"] = printed
    texts.update({p.name: p.read_bytes().decode("latin-1") for p in daemon.data_dir.glob("wheeld.db*")})
    leaks = {(name, where) for name, value in s.values().items() for where, text in texts.items() if value in text}
    assert leaks == set()
    everything = "".join(texts.values())
    assert "[REDACTED]" in everything  # the run did log what needed redacting
    assert "finnhub" in everything.lower() and "notifier webhook (webhook) failed" in everything

    # Everything it wrote is its user's only, though the umask allowed anything.
    assert stat.S_IMODE(daemon.data_dir.stat().st_mode) == 0o700
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in daemon.data_dir.iterdir()}
    assert modes and set(modes.values()) == {0o600}, modes
    assert stat.S_IMODE(config.stat().st_mode) == 0o600  # rewritten by PUT /api/v1/config
    lines = sum(text.count("\n") for name, text in texts.items() if name.startswith("wheeld.log") or name == "stderr")
    pytestconfig.stash.setdefault(SUMMARY_LINES, []).append(
        f"security: {len(s.values())} secrets, 0 found in {lines} log lines ({len(logs)} files after rotation, DEBUG),"
        " stderr, check-config or the database; every file 0600 under umask 000"
    )
