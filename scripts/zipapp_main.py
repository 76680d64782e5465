# The __main__.py of dist/wheeld.pyz (scripts/build_zipapp.py puts it in place of shiv's two lines).
# It runs before anything is unpacked: a wrong interpreter fails at once with one line; the first start
# shows its progress; older unpacked versions of this pyz are removed from the cache. Then shiv's own
# bootstrap runs as usual. No braces in this file: shiv formats it as a template.
import sys

WANTED = (3, 11)  # replaced by the build with the interpreter the dependencies were built for
if sys.implementation.name != "cpython" or sys.version_info[:2] != WANTED:
    wanted = "%d.%d" % WANTED
    found = "%s %s" % (sys.implementation.name, sys.version.split()[0])
    sys.exit(
        "wheeld.pyz: needs CPython %s (its compiled dependencies are built for it), not %s: run it with python%s"
        % (wanted, found, wanted)
    )

import shutil
import time

import _bootstrap
from _bootstrap.environment import Environment


class _Progress:
    """The archive, reporting every tenth of the files extracted (shiv itself says nothing for many seconds)."""

    def __init__(self, archive, total, compiling):
        self._archive, self._total, self._done, self._shown = archive, total, 0, 0
        self._compiling = compiling

    def infolist(self):
        return self._archive.infolist()

    def extract(self, name, path):
        self._done += 1
        tenth = self._done * 10 // self._total
        if tenth > self._shown:
            self._shown = tenth
            then = "; byte-compiling (once) ..." if tenth == 10 and self._compiling else ""
            sys.stderr.write("wheeld.pyz: unpacked %d%%%s\n" % (tenth * 10, then))
            sys.stderr.flush()
        return self._archive.extract(name, path)


def _prune(target):
    """Remove what older builds of this pyz unpacked beside `target` (one version is kept: this one)."""
    prefix = target.name.rsplit("_", 1)[0] + "_"
    for entry in target.parent.iterdir():
        name = entry.name.lstrip(".")
        if name.startswith(prefix) and not name.startswith(target.name):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def _first_start():
    with _bootstrap.current_zipfile() as archive:
        if archive is None:
            return
        env = Environment.from_json(archive.read("environment.json").decode())
        target = _bootstrap.cache_path(archive, env.root, env.build_id)
        if (target / "site-packages").exists() and not env.force_extract:
            return
        files = sum(1 for info in archive.infolist() if info.filename.startswith("site-packages"))
        sys.stderr.write("wheeld.pyz: first start of this version: unpacking %d files into %s\n" % (files, target))
        started = time.monotonic()
        _bootstrap.extract_site_packages(
            _Progress(archive, files, env.compile_pyc), target, env.compile_pyc, env.compile_workers, env.force_extract
        )
        sys.stderr.write("wheeld.pyz: ready in %.1f s (later starts skip this)\n" % (time.monotonic() - started))
    _prune(target)


_first_start()
_bootstrap.bootstrap()
