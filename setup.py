"""The build hook: every build (`pip install .`, the wheel, the zipapp) fetches the pinned browser assets.

The metadata is in pyproject.toml; this file only adds a `build_py` that runs scripts/fetch_redoc.py's
`fetch_all` (pinned versions, SHA-256 checked, cached) before the package data are collected, so the
ReDoc bundle is in every install without being committed.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class build_py_with_assets(build_py):
    """build_py that first fetches the third-party assets into wheeld/http/static/."""

    def run(self) -> None:
        spec = importlib.util.spec_from_file_location("fetch_redoc", HERE / "scripts" / "fetch_redoc.py")
        assert spec is not None and spec.loader is not None
        fetcher = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = fetcher  # its dataclasses look their module up there
        spec.loader.exec_module(fetcher)
        if fetcher.fetch_all() != 0:
            raise SystemExit("the pinned browser assets could not be fetched (see above)")
        # The package data were listed before the fetch: list them again.
        self.__dict__.pop("data_files", None)
        super().run()


setup(cmdclass={"build_py": build_py_with_assets})
