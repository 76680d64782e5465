"""The zipapp: dist/wheeld.pyz runs from an empty directory with no network and serves the API and both docs UIs.

The pyz is built once per session, and only when its inputs changed since the last build (about 15 s).
Its first start unpacks it; the test skips the byte-compiling that follows in production
(SHIV_COMPILE_PYC=0 saves 10 s or more, and imports work the same without it). Where the test may
create a network namespace (root), the daemon runs in one with nothing but loopback, and the HTTP
checks run inside it too.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import SUMMARY_LINES
from tests.daemon_process import clean_environ, free_port
from wheeld import __version__

ROOT = Path(__file__).resolve().parent.parent
BUILD_TIMEOUT = 300
START_TIMEOUT = 120  # the first start unpacks the pyz
REDOC_BUNDLE = ROOT / "wheeld" / "http" / "static" / "redoc" / "redoc.standalone.js"
UPLOT_BUNDLE = ROOT / "wheeld" / "http" / "static" / "vendor" / "uplot" / "uPlot.esm.js"


@pytest.fixture(scope="session")
def zipapp() -> Path:
    """dist/wheeld.pyz, rebuilt unless it was built from the current inputs."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_zipapp.py"), "--if-stale"],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return ROOT / "dist" / "wheeld.pyz"


def base_python() -> str:
    """The interpreter under the test's venv: nothing installed in the venv can stand in for the pyz's own."""
    return getattr(sys, "_base_executable", "") or sys.executable


def network_namespace() -> list[str]:
    """A command prefix that runs a process in a new network namespace with loopback up; [] if not allowed."""
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if not unshare or not ip or not shutil.which("nsenter"):
        return []
    if subprocess.run([unshare, "--net", "true"], capture_output=True).returncode != 0:
        return []
    return [unshare, "--net", "--", "sh", "-c", f'{ip} link set lo up && exec "$@"', "sh"]


def enter(pid: int, isolated: bool) -> list[str]:
    """The prefix that runs a command in `pid`'s network namespace (once it has its own)."""
    if not isolated:
        return []
    ours, deadline = os.readlink("/proc/self/ns/net"), time.monotonic() + 10
    while os.readlink(f"/proc/{pid}/ns/net") == ours:  # unshare has not switched yet
        assert time.monotonic() < deadline, "the daemon never got its own network namespace"
        time.sleep(0.01)
    return ["nsenter", "-t", str(pid), "-n", "--"]


def run_pyz(zipapp: Path, environ: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [base_python(), "-I", "-S", str(zipapp), *args], env=environ, cwd=cwd, capture_output=True, text=True
    )


def test_zipapp_holds_the_schema_migrations_and_ui_assets(zipapp: Path) -> None:
    with zipfile.ZipFile(zipapp) as archive:
        names = set(archive.namelist())
        inside = "site-packages/wheeld/"
        # wheeld/schema.sql is a symlink in the source tree: the archive holds its content.
        assert archive.read(inside + "schema.sql") == (ROOT / "schema.sql").read_bytes()
        for migration in (ROOT / "wheeld" / "db" / "migrations").glob("*.sql"):
            assert archive.read(f"{inside}db/migrations/{migration.name}") == migration.read_bytes()
        assert archive.read(inside + "http/static/redoc/redoc.standalone.js") == REDOC_BUNDLE.read_bytes()
        assert archive.read(inside + "http/static/vendor/uplot/uPlot.esm.js") == UPLOT_BUNDLE.read_bytes()
        assert inside + "http/static/dashboard/app.js" in names
        assert "site-packages/aiohttp_apispec/static/swagger-ui-bundle.js" in names
        environment = json.loads(archive.read("environment.json"))
    assert environment["entry_point"] == "wheeld.cli_daemon:main"
    assert environment["compile_pyc"] and environment["reproducible"] and environment["root"] is None
    # What would tie the bytes to the build machine was left out: console scripts, pip's source URL.
    assert not [n for n in names if n.startswith("site-packages/bin/") or n.endswith("/direct_url.json")]


def test_zipapp_serves_the_api_and_docs_offline(zipapp: Path, tmp_path: Path, pytestconfig: pytest.Config) -> None:
    home, cwd, data_dir = tmp_path / "home", tmp_path / "run", tmp_path / "data"
    home.mkdir()
    cwd.mkdir()
    environ = clean_environ(home, {"SHIV_ROOT": str(tmp_path / "shiv"), "SHIV_COMPILE_PYC": "0"})
    # What an older version left in the cache: the first start of this one removes it.
    (tmp_path / "shiv" / "wheeld.pyz_0123abcd" / "site-packages").mkdir(parents=True)
    (tmp_path / "shiv" / ".wheeld.pyz_0123abcd_lock").touch()
    port, netns = free_port(), network_namespace()
    command = [
        *netns,
        base_python(),
        "-I",
        "-S",
        str(zipapp),
        "serve",
        "--data-dir",
        str(data_dir),
        "--port",
        str(port),
    ]
    with (tmp_path / "stderr").open("wb") as stderr:
        daemon = subprocess.Popen(command, env=environ, cwd=cwd, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr)
    try:
        probe = subprocess.run(
            [
                *enter(daemon.pid, bool(netns)),
                sys.executable,
                "-m",
                "tests.http_probe",
                str(port),
                str(START_TIMEOUT),
                "/docs",
                "/redoc",
                "/openapi.json",
                "/",
                "/static/vendor/uplot/uPlot.esm.js",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT + 30,
        )
        log = (tmp_path / "stderr").read_text(errors="replace")
        assert probe.returncode == 0, probe.stderr + log
        report = json.loads(probe.stdout)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=15) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    pages = report["pages"]
    assert json.loads(pages["/api/v1/health"]["text"])["data"]["status"] == "ok"
    # Swagger UI and ReDoc load nothing from elsewhere: every asset they name is served by wheeld.
    for html in ("/docs", "/redoc", "/"):
        assert pages[html]["status"] == 200 and pages[html]["content_type"].startswith("text/html")
        assert [a for a in pages[html]["assets"] if urlsplit(a).netloc or ":" in a] == []
    assert {path: page["status"] for path, page in pages.items() if page["status"] != 200} == {}
    assert any(a.startswith("/static/swagger/swagger-ui-bundle.js") for a in pages["/docs"]["assets"])
    bundle = pages["/static/redoc/redoc.standalone.js"]
    assert bundle["content_type"].startswith("application/javascript")
    assert bundle["sha256"] == hashlib.sha256(REDOC_BUNDLE.read_bytes()).hexdigest()
    # The dashboard too: its page, modules and the pinned chart library, all from inside the pyz.
    assert "/static/dashboard/app.js" in pages["/"]["assets"]
    assert pages["/static/vendor/uplot/uPlot.esm.js"]["sha256"] == hashlib.sha256(UPLOT_BUNDLE.read_bytes()).hexdigest()
    spec = json.loads(pages["/openapi.json"]["text"])
    assert spec["openapi"] == "3.0.3" and "/api/v1/health" in spec["paths"]
    # Its data went where it was told, privately; the home directory stayed untouched.
    assert stat.S_IMODE((data_dir / "wheeld.db").stat().st_mode) == 0o600
    assert list(home.iterdir()) == []
    said = (tmp_path / "stderr").read_text(errors="replace")
    assert "Traceback" not in said
    # The first start says what it does while it unpacks, and keeps one version in the cache.
    progress = [line for line in said.splitlines() if line.startswith("wheeld.pyz: ")]
    assert progress[0].startswith("wheeld.pyz: first start of this version: unpacking ")
    assert progress[1:11] == [f"wheeld.pyz: unpacked {n}%" for n in range(10, 101, 10)]
    assert progress[11].startswith("wheeld.pyz: ready in ")
    assert [p.name for p in (tmp_path / "shiv").iterdir() if "0123abcd" in p.name] == []

    # The same file is the `wheel` CLI (`wheeld.pyz cli …`) and knows its version.
    version = run_pyz(zipapp, environ, cwd, "--version")
    assert version.returncode == 0 and version.stdout.strip() == f"wheeld {__version__}", version
    assert version.stderr == ""  # unpacked once: later starts are silent
    cli = run_pyz(zipapp, environ, cwd, "cli", "--help")
    if (ROOT / "wheeld" / "cli" / "main.py").exists():
        assert cli.returncode == 0 and "usage" in cli.stdout.lower(), cli
    else:
        assert cli.returncode == 2 and "no `wheel` CLI" in cli.stderr, cli
    where = "in a network namespace with only loopback" if netns else "with the host's network"
    pytestconfig.stash.setdefault(SUMMARY_LINES, []).append(
        f"zipapp: {zipapp.stat().st_size / 1e6:.1f} MB, healthy {report['seconds_to_healthy']:.1f} s after its"
        f" first start (unpacking included, byte-compiling skipped), {where}"
    )


def other_pythons() -> list[str]:
    """CPython interpreters of another minor version than the build's that really run (pyenv's shims may not)."""
    found = []
    for minor in (12, 13):
        pyenv = sorted(Path("/root/.pyenv/versions").glob(f"3.{minor}.*/bin/python"))
        for candidate in (*pyenv, shutil.which(f"python3.{minor}")):
            if candidate and subprocess.run([str(candidate), "-c", ""], capture_output=True).returncode == 0:
                found.append(str(candidate))
                break
    return found


@pytest.mark.parametrize(
    "python", other_pythons() or [pytest.param("", marks=pytest.mark.skip("no CPython 3.12/3.13 here"))]
)
def test_another_python_fails_at_once_naming_the_right_one(zipapp: Path, tmp_path: Path, python: str) -> None:
    started = time.monotonic()
    done = subprocess.run(
        [python, str(zipapp), "--version"],
        env=clean_environ(tmp_path, {"SHIV_ROOT": str(tmp_path / "shiv")}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    took = time.monotonic() - started
    wanted = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and f"run it with python{wanted}" in done.stderr, done.stderr
    assert not (tmp_path / "shiv").exists()  # failed before unpacking anything
    assert took < 10  # at once (a second or less on an idle box), not after 234 MB of unpacking
