"""Fetch the pinned third-party UI assets from the npm registry, verify them, ship them as package data.

The table ASSETS lists each one: ReDoc's standalone bundle (for /redoc) and uPlot (the dashboard's
charts). They are third-party, so they are never committed: every build (`make`, `pip install .`, the wheel, the
zipapp: setup.py's build hook calls `fetch_all`) fetches these exact versions and refuses any archive or
file whose SHA-256 differs from the pin. A verified archive is kept in the download cache
(`$WHEELD_ASSET_CACHE`, else `.cache/assets/` here), so a rebuild needs no network; `WHEELD_NPM_REGISTRY`
names a mirror of the npm registry (the checksums still decide).
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "wheeld" / "http" / "static"
REGISTRY = os.environ.get("WHEELD_NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")


@dataclass(frozen=True)
class Asset:
    """One pinned npm package: its archive's checksum and the members shipped, each with its own."""

    name: str
    version: str
    sha256: str
    # archive member -> (file name under dest, SHA-256 of that file; "" = covered by the archive's)
    members: dict[str, tuple[str, str]]
    dest: Path

    @property
    def url(self) -> str:
        """The tarball in the npm registry."""
        return f"{REGISTRY}/{self.name}/-/{self.name}-{self.version}.tgz"


ASSETS = (
    Asset(
        name="redoc",
        version="2.5.4",
        sha256="44922df4d0eb45c1b066c09ec251e6bd9bd7ded16bc69e87613337b9d911a56e",
        members={
            "package/bundles/redoc.standalone.js": ("redoc.standalone.js", ""),
            "package/bundles/redoc.standalone.js.LICENSE.txt": ("LICENSE.txt", ""),
            "package/LICENSE": ("LICENSE", ""),
        },
        dest=STATIC / "redoc",
    ),
    Asset(
        name="uplot",
        version="1.6.32",
        sha256="4b8a8191e425658e3ea8c8c1314b0fc679c861ee3a1af2b20c7b16ba50b5133d",
        members={
            "package/dist/uPlot.esm.js": (
                "uPlot.esm.js",
                "5dd9b3281aa64b461b42d9945f6adb2649d346502b12281a9ae0d46599a80eba",
            ),
            "package/dist/uPlot.min.css": (
                "uPlot.min.css",
                "df630c6a8d6f8eeaff264b50f73ce5b114f646ffd9a0bb74f049b0a00135fa04",
            ),
            "package/LICENSE": ("LICENSE", "8f989229699b4fe2f1a0432d0e9edc338a8a911e250e2d1b01ecd770a5f5b1bd"),
        },
        dest=STATIC / "vendor" / "uplot",
    ),
)


def cache_dir() -> Path:
    """Where verified archives are kept between builds."""
    return Path(os.environ.get("WHEELD_ASSET_CACHE") or ROOT / ".cache" / "assets")


def _archive(asset: Asset) -> bytes:
    """The asset's archive: from the cache when it holds the pinned one, else downloaded (and then cached)."""
    cached = cache_dir() / f"{asset.name}-{asset.version}.tgz"
    if cached.is_file():
        blob = cached.read_bytes()
        if hashlib.sha256(blob).hexdigest() == asset.sha256:
            return blob
    with urllib.request.urlopen(asset.url, timeout=60) as response:
        blob = response.read()
    if hashlib.sha256(blob).hexdigest() == asset.sha256:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_bytes(blob)
        except OSError:
            pass  # a read-only cache only costs a download next time
    return blob


def fetch_asset(asset: Asset) -> int:
    """Download, verify and unpack one asset unless its pinned version is already there; 0 on success."""
    stamp = asset.dest / "VERSION"
    if stamp.is_file() and stamp.read_text().strip() == f"{asset.version} {asset.sha256}":
        return 0
    blob = _archive(asset)
    digest = hashlib.sha256(blob).hexdigest()
    if digest != asset.sha256:
        print(f"{asset.name} {asset.version}: checksum mismatch ({digest} != {asset.sha256})", file=sys.stderr)
        return 1
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as archive:
        for member, (name, pinned) in asset.members.items():
            extracted = archive.extractfile(member)
            if extracted is None:
                print(f"{asset.name} {asset.version}: {member} missing from the archive", file=sys.stderr)
                return 1
            content = extracted.read()
            if pinned and hashlib.sha256(content).hexdigest() != pinned:
                print(f"{asset.name} {asset.version}: {member} checksum mismatch", file=sys.stderr)
                return 1
            files[name] = content
    asset.dest.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (asset.dest / name).write_bytes(content)
    stamp.write_text(f"{asset.version} {asset.sha256}\n")
    print(f"{asset.name} {asset.version} installed into {asset.dest}")
    return 0


def fetch_all() -> int:
    """Fetch every asset in ASSETS; 0 when all are in place, else 1 (each failure is reported)."""
    return max((fetch_asset(asset) for asset in ASSETS), default=0)


def main() -> int:
    """The command-line entry: fetch every pinned asset."""
    return fetch_all()


if __name__ == "__main__":
    sys.exit(main())
