"""The domain stays pure: it imports only the standard library's value modules, itself and our named errors,
and reads no clock."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "wheeld" / "domain"
MODULES = sorted(DOMAIN.rglob("*.py"))
# Standard-library modules that do I/O, read the clock or run the event loop.
IMPURE_STDLIB = {"asyncio", "io", "logging", "os", "pathlib", "random", "shutil", "socket", "sqlite3", "subprocess"}
IMPURE_STDLIB |= {"sys", "threading", "time", "urllib", "http", "json", "tempfile"}
# Calls that read the current time or date.
CLOCK_READS = {"now", "utcnow", "today", "monotonic", "perf_counter"}


def _imports(tree: ast.Module) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def test_the_domain_has_modules() -> None:
    assert len(MODULES) > 10


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(DOMAIN)))
def test_a_domain_module_imports_nothing_impure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for name in _imports(tree):
        top = name.split(".")[0]
        if top == "wheeld":
            # wheeld.errors is the named-error hierarchy every layer shares.
            assert name.startswith("wheeld.domain") or name == "wheeld.errors", f"{path.name} imports {name}"
        else:
            assert top in sys.stdlib_module_names or top == "__future__", f"{path.name} imports {name}"
            assert top not in IMPURE_STDLIB, f"{path.name} imports {name}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(DOMAIN)))
def test_a_domain_module_reads_no_clock(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    reads = [
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CLOCK_READS
    ]
    assert reads == [], f"{path.name} calls {reads}"
