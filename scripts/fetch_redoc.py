"""Fetch the pinned third-party browser assets from the npm registry, verify them, ship them as package data.

The bundles are third-party and large, so they are never committed: every build (`make`, `pip install .`,
the wheel, the zipapp: setup.py's build hook calls `fetch_all`) fetches these exact versions and refuses
anything whose SHA-256 differs. A verified tarball is kept in the download cache (`$WHEELD_ASSET_CACHE`,
else `.cache/assets/` here), so a rebuild needs no network.

To add an asset, add an entry to ASSETS: nothing else changes.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "wheeld" / "http" / "static"
# An npm registry mirror may stand in for the public one (the checksums still decide).
REGISTRY = os.environ.get("WHEELD_NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")


class Asset(NamedTuple):
    """One npm package tarball: its pinned version and checksum, and the files taken from it."""

    package: str
    version: str
    sha256: str
    members: dict[str, str]  # path inside the tarball -> file name in the destination directory
    dest: str  # directory under wheeld/http/static/

    @property
    def url(self) -> str:
        """The tarball's address in the npm registry."""
        return f"{REGISTRY}/{self.package}/-/{self.package}-{self.version}.tgz"


ASSETS: tuple[Asset, ...] = (
    Asset(
        package="redoc",
        version="2.5.4",
        sha256="44922df4d0eb45c1b066c09ec251e6bd9bd7ded16bc69e87613337b9d911a56e",
        members={
            "package/bundles/redoc.standalone.js": "redoc.standalone.js",
            "package/bundles/redoc.standalone.js.LICENSE.txt": "LICENSE.txt",
            "package/LICENSE": "LICENSE",
        },
        dest="redoc",
    ),
)
# Where setup.py's hook and the tests look for the bundle ReDoc needs.
DEST = STATIC / "redoc"


class AssetError(Exception):
    """A download failed its checksum or lacked a file."""


def cache_dir() -> Path:
    """Where verified tarballs are kept between builds."""
    return Path(os.environ.get("WHEELD_ASSET_CACHE") or ROOT / ".cache" / "assets")


def _tarball(asset: Asset) -> bytes:
    cached = cache_dir() / f"{asset.package}-{asset.version}.tgz"
    if cached.is_file():
        blob = cached.read_bytes()
        if hashlib.sha256(blob).hexdigest() == asset.sha256:
            return blob
    with urllib.request.urlopen(asset.url, timeout=60) as response:
        blob = response.read()
    digest = hashlib.sha256(blob).hexdigest()
    if digest != asset.sha256:
        raise AssetError(f"{asset.package} {asset.version}: checksum mismatch ({digest} != {asset.sha256})")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(blob)
    except OSError:
        pass  # a read-only cache only costs a download next time
    return blob


def fetch(asset: Asset, static: Path = STATIC) -> bool:
    """Install one asset under `static` unless its pinned version is there; True when it wrote files."""
    dest = static / asset.dest
    stamp = dest / "VERSION"
    if stamp.is_file() and stamp.read_text().strip() == f"{asset.version} {asset.sha256}":
        return False
    with tarfile.open(fileobj=io.BytesIO(_tarball(asset)), mode="r:gz") as archive:
        files = {}
        for member, name in asset.members.items():
            extracted = archive.extractfile(member)
            if extracted is None:
                raise AssetError(f"{asset.package} {asset.version}: {member} missing from the archive")
            files[name] = extracted.read()
    dest.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (dest / name).write_bytes(data)
    stamp.write_text(f"{asset.version} {asset.sha256}\n")
    return True


def fetch_all(static: Path = STATIC) -> list[str]:
    """Install every asset under `static`; returns the ones it (re)installed."""
    return [f"{asset.package} {asset.version}" for asset in ASSETS if fetch(asset, static)]


def main() -> int:
    """Fetch every asset into the source tree (`make assets`)."""
    try:
        installed = fetch_all()
    except (AssetError, OSError) as exc:
        print(f"fetch_redoc: {exc}", file=sys.stderr)
        return 1
    for name in installed:
        print(f"{name} installed into {STATIC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
