"""Fetch the pinned ReDoc standalone bundle from the npm registry, verify it, ship it as package data.

The bundle is third-party and large, so it is never committed: the build fetches this exact
version and refuses anything whose SHA-256 differs.
"""

from __future__ import annotations

import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "2.5.4"
URL = f"https://registry.npmjs.org/redoc/-/redoc-{VERSION}.tgz"
SHA256 = "44922df4d0eb45c1b066c09ec251e6bd9bd7ded16bc69e87613337b9d911a56e"
MEMBERS = {
    "package/bundles/redoc.standalone.js": "redoc.standalone.js",
    "package/bundles/redoc.standalone.js.LICENSE.txt": "LICENSE.txt",
    "package/LICENSE": "LICENSE",
}
DEST = Path(__file__).resolve().parent.parent / "wheeld" / "http" / "static" / "redoc"


def main() -> int:
    """Download, verify and unpack the bundle unless the pinned version is already there."""
    stamp = DEST / "VERSION"
    if stamp.is_file() and stamp.read_text().strip() == f"{VERSION} {SHA256}":
        return 0
    with urllib.request.urlopen(URL, timeout=60) as response:
        blob = response.read()
    digest = hashlib.sha256(blob).hexdigest()
    if digest != SHA256:
        print(f"redoc {VERSION}: checksum mismatch ({digest} != {SHA256})", file=sys.stderr)
        return 1
    DEST.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as archive:
        for member, name in MEMBERS.items():
            extracted = archive.extractfile(member)
            if extracted is None:
                print(f"redoc {VERSION}: {member} missing from the archive", file=sys.stderr)
                return 1
            (DEST / name).write_bytes(extracted.read())
    stamp.write_text(f"{VERSION} {SHA256}\n")
    print(f"redoc {VERSION} installed into {DEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
