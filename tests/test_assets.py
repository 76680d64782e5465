"""Third-party browser assets: fetched pinned and checksummed by every build, never committed.

The wheel test builds wheeld from a clean copy of the sources that has no bundle, the way `pip install .`
does (pip wheel, isolated build, the pinned setuptools): the build hook fetches ReDoc into the package
data. The tarball comes from the download cache (`.cache/assets/`, filled by `make install`); only when
the cache lacks it does the hook fetch it from the npm registry, a package registry. About 10 s.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import tomllib
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIP_WHEEL = (sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--disable-pip-version-check")
REDOC = ROOT / "wheeld" / "http" / "static" / "redoc" / "redoc.standalone.js"


def load_fetcher() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fetch_redoc_under_test", ROOT / "scripts" / "fetch_redoc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def registry() -> Iterator[tuple[str, dict[str, bytes], list[str]]]:
    """A local fake npm registry: serves `files[path]`, records each path asked for."""
    files: dict[str, bytes] = {}
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", files, asked
    server.shutdown()
    server.server_close()


def tarball(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_fetch_verifies_caches_and_skips(
    registry: tuple[str, dict[str, bytes], list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, files, asked = registry
    monkeypatch.setenv("WHEELD_NPM_REGISTRY", url)
    monkeypatch.setenv("WHEELD_ASSET_CACHE", str(tmp_path / "cache"))
    fetcher = load_fetcher()
    code = b"export const chart = 1;\n"
    blob = tarball({"package/dist/chart.js": code})
    dest = tmp_path / "static" / "chart"
    asset = fetcher.Asset(
        name="chart",
        version="1.0.0",
        sha256=hashlib.sha256(blob).hexdigest(),
        members={"package/dist/chart.js": ("chart.js", hashlib.sha256(code).hexdigest())},
        dest=dest,
    )
    files["/chart/-/chart-1.0.0.tgz"] = blob
    assert fetcher.fetch_asset(asset) == 0
    assert (dest / "chart.js").read_bytes() == code
    assert fetcher.fetch_asset(asset) == 0  # the pinned version is there: nothing asked
    (dest / "VERSION").unlink()
    assert fetcher.fetch_asset(asset) == 0  # reinstalled from the cache
    assert asked == ["/chart/-/chart-1.0.0.tgz"]


def test_fetch_refuses_a_wrong_checksum(
    registry: tuple[str, dict[str, bytes], list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, files, _ = registry
    monkeypatch.setenv("WHEELD_NPM_REGISTRY", url)
    monkeypatch.setenv("WHEELD_ASSET_CACHE", str(tmp_path / "cache"))
    fetcher = load_fetcher()
    files["/chart/-/chart-1.0.0.tgz"] = tarball({"package/dist/chart.js": b"tampered"})
    asset = fetcher.Asset(
        name="chart",
        version="1.0.0",
        sha256="0" * 64,
        members={"package/dist/chart.js": ("chart.js", "")},
        dest=tmp_path / "static" / "chart",
    )
    assert fetcher.fetch_asset(asset) == 1
    assert "checksum mismatch" in capsys.readouterr().err
    assert not (tmp_path / "static").exists() and not (tmp_path / "cache").exists()


def test_a_wheel_built_from_clean_sources_ships_redoc(tmp_path: Path) -> None:
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "redoc")
    shutil.copytree(ROOT / "wheeld", source / "wheeld", ignore=ignore)
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "scripts/fetch_redoc.py"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, source / name)
    assert not (source / "wheeld" / "http" / "static" / "redoc").exists()
    settings = tomllib.loads((ROOT / "shiv.toml").read_text(encoding="utf-8"))
    constraints = tmp_path / "build-constraints.txt"
    constraints.write_text("".join(f"{line}\n" for line in settings["pip"]["build_constraints"]))
    done = subprocess.run(
        [*PIP_WHEEL, "--build-constraint", str(constraints), "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "WHEELD_ASSET_CACHE": str(ROOT / ".cache" / "assets")},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = (tmp_path / "dist").glob("wheeld-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        bundle = archive.read("wheeld/http/static/redoc/redoc.standalone.js")
        names = set(archive.namelist())
    assert bundle == REDOC.read_bytes()
    assert {"wheeld/http/static/redoc/LICENSE", "wheeld/http/static/redoc/VERSION"} <= names
