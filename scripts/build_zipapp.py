"""Build dist/wheeld.pyz with shiv from the settings in shiv.toml (`make zipapp`).

shiv reads no configuration file, so this script does: it copies the project's sources to a clean
directory (so stale `build/` files never reach the wheel), pip-installs them with the pinned
dependencies into a staging site-packages, removes what records the build machine's paths, and runs
shiv's command line with the options of shiv.toml's [shiv] table. The same inputs give the same
bytes: `--if-stale` skips the build when the inputs have not changed since the last one.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "shiv.toml"
# What setuptools reads to build wheeld; README.md is inside the package metadata.
SOURCES = (
    "wheeld",
    "plugins",
    "pyproject.toml",
    "setup.py",
    "MANIFEST.in",
    "scripts/fetch_redoc.py",
    "README.md",
    "schema.sql",
    "constraints.txt",
)
SKIPPED = {"__pycache__", ".pytest_cache", ".ruff_cache"}
MAIN = ROOT / "scripts" / "zipapp_main.py"
# shiv's command line with our __main__.py in place of its own (which only calls its bootstrap).
SHIV_WITH_OUR_MAIN = """
import sys
from pathlib import Path
import shiv.builder
from shiv.cli import main
text = Path(sys.argv.pop(1)).read_text(encoding="utf-8")
shiv.builder.MAIN_TEMPLATE = text.replace("{", "{{").replace("}", "}}")
main()
"""
REDOC_BUNDLE = ROOT / "wheeld" / "http" / "static" / "redoc" / "redoc.standalone.js"


def source_files() -> Iterator[tuple[str, Path]]:
    """(path relative to the project, file) of every build input, in a stable order, symlinks followed."""
    names = [*SOURCES, *(p.name for p in ROOT.glob("LICEN[CS]E*"))]
    for name in sorted(set(names)):
        top = ROOT / name
        if top.is_file():
            yield name, top
        elif top.is_dir():
            for directory, subdirs, files in os.walk(top, followlinks=True):
                subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED and not d.endswith(".egg-info"))
                for file in sorted(files):
                    if not file.endswith(".pyc"):
                        path = Path(directory, file)
                        yield str(path.relative_to(ROOT)), path


def source_date_epoch(settings: dict[str, Any]) -> int:
    """Timestamp of the archive's files: $SOURCE_DATE_EPOCH, else the last commit's time, else shiv.toml's."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), "log", "-1", "--format=%ct"], capture_output=True, text=True, timeout=10
        )
    except OSError:
        done = None
    if done is not None and done.returncode == 0 and done.stdout.strip().isdigit():
        return int(done.stdout.strip())
    return int(settings["reproducible"]["source_date_epoch"])


def inputs_digest(epoch: int) -> str:
    """SHA-256 over every input of the build: sources, build settings, this script, interpreter, epoch."""
    digest = hashlib.sha256(f"{sys.version}|{sys.platform}|{epoch}".encode())
    fixed = [("shiv.toml", SETTINGS), ("scripts/build_zipapp.py", Path(__file__)), ("scripts/zipapp_main.py", MAIN)]
    for name, path in [*source_files(), *fixed]:
        digest.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def copy_sources(dest: Path) -> None:
    """A clean copy of the build inputs (symlinked files, e.g. wheeld/schema.sql, become real files)."""
    for name, path in source_files():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def pip_install(settings: dict[str, Any], source: Path, staging: Path, work: Path) -> None:
    """Install the project and its pinned dependencies into `staging`."""
    build_constraints = work / "build-constraints.txt"
    build_constraints.write_text("".join(f"{line}\n" for line in settings["build_constraints"]))
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-input",
        "--disable-pip-version-check",
        "--no-compile",  # shiv packs no .pyc; the pyz compiles at first extraction
        "--target",
        str(staging),
        "--constraint",
        str(ROOT / settings["constraints"]),
        "--build-constraint",
        str(build_constraints),
        *settings["requirements"],
    ]
    environ = {k: v for k, v in os.environ.items() if k != "PIP_REQUIRE_VIRTUALENV"}
    subprocess.run(command, cwd=source, env=environ, check=True)


def strip_build_paths(staging: Path) -> None:
    """Remove what records where the build ran, so another checkout or machine builds the same bytes.

    `bin/` holds console scripts whose shebang names the build's interpreter (the pyz has its own
    entry point) and `direct_url.json` the path of the source copy; RECORD lines naming them go too.
    """
    removed: set[str] = set()
    scripts = staging / "bin"
    if scripts.is_dir():
        removed.update(f"../../bin/{p.name}" for p in scripts.iterdir())
        shutil.rmtree(scripts)
    for direct_url in staging.glob("*.dist-info/direct_url.json"):
        removed.add(f"{direct_url.parent.name}/direct_url.json")
        direct_url.unlink()
    for record in staging.glob("*.dist-info/RECORD"):
        lines = record.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if line.split(",", 1)[0] not in removed]
        if kept != lines:
            record.write_text("".join(kept), encoding="utf-8")


def shiv_options(settings: dict[str, Any]) -> list[str]:
    """shiv's command-line options for the [shiv] table (output_file is handled by the caller)."""
    options: list[str] = []
    for key, value in settings.items():
        if key == "output_file":
            continue
        flag = "--" + key.replace("_", "-")
        if key == "compressed":
            options.append("--compressed" if value else "--uncompressed")
        elif value is True:
            options.append(flag)
        elif isinstance(value, str):
            options.extend([flag, value])
        elif value is not False:
            raise SystemExit(f"shiv.toml: unsupported value for {key}: {value!r}")
    return options


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build(settings: dict[str, Any], output: Path, epoch: int) -> None:
    """Stage the site-packages and let shiv pack them into `output` (replaced atomically)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    with tempfile.TemporaryDirectory(prefix="wheeld-zipapp-") as tmp:
        work = Path(tmp)
        copy_sources(work / "src")
        pip_install(settings["pip"], work / "src", work / "site-packages", work)
        strip_build_paths(work / "site-packages")
        main_py = work / "__main__.py"
        wanted = f"WANTED = ({sys.version_info.major}, {sys.version_info.minor})"
        main_py.write_text(MAIN.read_text(encoding="utf-8").replace("WANTED = (3, 11)", wanted), encoding="utf-8")
        command = [
            sys.executable,
            "-c",
            SHIV_WITH_OUR_MAIN,
            str(main_py),
            "--site-packages",
            str(work / "site-packages"),
            "--output-file",
            str(partial),
            *shiv_options(settings["shiv"]),
        ]
        environ = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}
        try:
            subprocess.run(command, env=environ, check=True, stdout=subprocess.DEVNULL)
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    """Build the zipapp (or report it up to date); prints its path, size and SHA-256."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="where to write the pyz (default: shiv.toml's output_file)")
    parser.add_argument("--if-stale", action="store_true", help="do nothing when the inputs are unchanged")
    args = parser.parse_args(argv)
    settings = tomllib.loads(SETTINGS.read_text(encoding="utf-8"))
    output = (args.output or ROOT / settings["shiv"]["output_file"]).resolve()
    if subprocess.run([sys.executable, str(ROOT / "scripts" / "fetch_redoc.py")]).returncode != 0:
        return 1  # the pinned assets are fetched here too, so the inputs' digest covers them
    if not REDOC_BUNDLE.is_file():
        print(f"build_zipapp: {REDOC_BUNDLE} is missing", file=sys.stderr)
        return 1
    # Files are created 0644/0755 whatever the caller's umask: their modes are part of the archive.
    os.umask(0o022)
    epoch = source_date_epoch(settings)
    digest = inputs_digest(epoch)
    stamp = output.with_name(output.name + ".inputs")
    if args.if_stale and output.is_file() and stamp.is_file() and stamp.read_text().strip() == digest:
        print(f"{output} is up to date")
        return 0
    stamp.unlink(missing_ok=True)
    build(settings, output, epoch)
    checksum = sha256_of(output)
    output.with_name(output.name + ".sha256").write_text(f"{checksum}  {output.name}\n")
    stamp.write_text(digest + "\n")
    size = output.stat().st_size
    print(f"{output}: {size / 1e6:.1f} MB, sha256 {checksum} (SOURCE_DATE_EPOCH={epoch})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
