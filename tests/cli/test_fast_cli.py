"""The `wheel` CLI as a fast, scriptable tool: API mode imports nothing of the server, the environment names
the daemon and its token, trades can be back-dated, and bash completes commands and options."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, Daemon
from tests.daemon_process import Daemon as DaemonProcess
from tests.daemon_process import clean_environ

ON_THE_DAEMONS_LOOP = pytest.mark.asyncio(loop_scope="module")
SERVER_MODULES = (
    "aiohttp",
    "marshmallow",
    "aiosqlite",
    "yaml",
    "wheeld.app",
    "wheeld.http",
    "wheeld.services",
    "wheeld.db",
    "wheeld.config",
    "wheeld.cli.direct_backend",
    "wheeld.marketdata",
)
PROBE = """
import json, sys
from wheeld.cli.main import main
code = main(sys.argv[1:])
loaded = sorted({name.split(".")[0] if not name.startswith("wheeld") else name for name in sys.modules})
print(json.dumps({"code": code, "modules": loaded}), file=sys.stderr)
"""


def test_the_page_size_limit_is_the_apis() -> None:
    from wheeld.cli.http_backend import MAX_PAGE_SIZE
    from wheeld.services.listing import MAX_PAGE_SIZE as API_LIMIT

    assert MAX_PAGE_SIZE == API_LIMIT


def test_api_mode_imports_nothing_of_the_server(tmp_path: Path) -> None:
    """`wheel list` against a real daemon process, with WHEEL_API_URL and WHEEL_API_TOKEN from the environment."""
    token = "cli-token-0123456789"
    daemon = DaemonProcess(tmp_path, env={"WHEELD_SERVER__API_TOKEN": token})
    daemon.start()
    try:
        environ = clean_environ(
            daemon.home, {"WHEEL_API_URL": f"http://127.0.0.1:{daemon.port}", "WHEEL_API_TOKEN": token}
        )
        runs = {}
        for argv in (["portfolio", "create", "Fast", "--capital", "1000"], ["--json", "list"], ["--help"]):
            done = subprocess.run(
                [sys.executable, "-c", PROBE, *argv], env=environ, capture_output=True, text=True, timeout=60
            )
            runs[argv[-1]] = (done.stdout, json.loads(done.stderr.strip().splitlines()[-1]))
    finally:
        daemon.stop(signal.SIGTERM)
    assert runs["1000"][1]["code"] == 0 and "Created portfolio 'Fast'" in runs["1000"][0]
    out, probe = runs["list"]
    assert probe["code"] == 0 and json.loads(out) == []
    for _, (_, seen) in runs.items():
        loaded = [m for m in seen["modules"] if m.startswith(SERVER_MODULES)]
        assert loaded == []


@ON_THE_DAEMONS_LOOP
async def test_wheel_api_url_is_honoured_and_flag_wins(daemon: Daemon, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.cli.conftest import wheel

    monkeypatch.setenv("WHEEL_API_URL", daemon.url)
    assert (await wheel("--json", "health")).code == 0
    monkeypatch.setenv("WHEEL_API_URL", "http://127.0.0.1:9")
    refused = await wheel("health")
    assert refused.code == 3 and "http://127.0.0.1:9" in refused.err
    assert (await wheel("--api-url", daemon.url, "health")).code == 0
    monkeypatch.setenv("WHEEL_API_URL", "ftp://nowhere")
    bad = await wheel("health")
    assert bad.code == 2 and "WHEEL_API_URL: must be an http:// or https:// URL" in bad.err


@ON_THE_DAEMONS_LOOP
@pytest.mark.parametrize(
    ("when", "stored"),
    [
        ("2026-07-01", "2026-07-01T16:00:00Z"),  # noon in New York during daylight saving time (UTC-4)
        ("2026-11-20", "2026-11-20T17:00:00Z"),  # noon in New York in standard time (UTC-5)
        ("2026-11-20T09:45", "2026-11-20T14:45:00Z"),  # 09:45 New York = 14:45 UTC
        ("2026-11-20T09:45:00+00:00", "2026-11-20T09:45:00Z"),  # an explicit offset is kept
    ],
)
async def test_record_opened_at_back_dates(cli: Cli, when: str, stored: str) -> None:
    if cli.mode != "api":
        pytest.skip("the same body goes to the services in direct mode; once is enough")
    symbol = f"BD{abs(hash(when)) % 1000}"
    await cli.ok("init", symbol, "--capital", "20000")
    trade = await cli.data(
        "record", symbol, "put", "--strike", "100", "--expiration", "2026-12-18", "--premium", "1", "--opened-at", when
    )
    assert trade["opened_at"] == stored


@ON_THE_DAEMONS_LOOP
async def test_record_opened_at_refuses_nonsense(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    result = await cli(
        "record",
        "AAPL",
        "put",
        "--strike",
        "1",
        "--expiration",
        "2026-12-18",
        "--premium",
        "1",
        "--opened-at",
        "yesterday",
    )
    assert result.code == 2 and "not a date YYYY-MM-DD" in capsys.readouterr().err


def complete(script: str, *words: str) -> list[str]:
    """What bash offers for `words` (the last one being completed) with `script` loaded."""
    line = " ".join(words)
    program = (
        f"{script}\nCOMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _wheel; printf '%s\\n' \"${{COMPREPLY[@]}}\""
    )
    done = subprocess.run(["bash", "-c", program], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return [w for w in done.stdout.splitlines() if w]


@ON_THE_DAEMONS_LOOP
@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
async def test_bash_completion_from_the_parser() -> None:
    from tests.cli.conftest import wheel

    result = await wheel("completion", "bash")
    assert result.code == 0
    script = result.out
    assert sorted(complete(script, "wheel", "rec")) == ["recommend", "record"]
    assert complete(script, "wheel", "record", "AAPL", "--ex") == ["--expiration"]
    assert complete(script, "wheel", "record", "AAPL", "--opened") == ["--opened-at"]
    assert complete(script, "wheel", "--portfolio", "Income", "init", "--prof") == ["--profile"]
    assert "set-default" in complete(script, "wheel", "portfolio", "")
    assert complete(script, "wheel", "completion", "") == ["--help", "bash", "zsh"]
    zsh = await wheel("completion", "zsh")
    assert zsh.out.startswith("autoload -U +X bashcompinit && bashcompinit\n") and "complete -F _wheel wheel" in zsh.out
