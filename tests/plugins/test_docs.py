"""Meta-tests: the plugin interface, docs/plugins.md and the shipped example plugins agree.

Like Datasette's hookspec tests, these fail when a public attribute or method of `Plugin`, of the
context or of its store lacks a docstring or a mention in the guide, when a built-in's setting is not
documented, when the repository's `plugins/` and the packaged built-ins differ, or when the guide's
worked example and its test stop working.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import re
from pathlib import Path
from typing import Any

import pytest

import wheeld.plugins
from wheeld.plugins import Plugin, PluginContext, PluginStore
from wheeld.plugins.discovery import discover

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
BUILTINS = [entry for entry in discover(None) if entry.source == "builtin"]


def public(cls: type) -> list[str]:
    """Public names a class defines or inherits from wheeld (not from object)."""
    return sorted(name for name in dir(cls) if not name.startswith("_"))


def attribute_docstrings(cls: type) -> dict[str, str]:
    """PEP 257 attribute docstrings: the string right after each class-level assignment."""
    tree = ast.parse(inspect.getsource(cls))
    body = tree.body[0].body  # type: ignore[attr-defined]
    found: dict[str, str] = {}
    for statement, following in itertools.pairwise(body):
        target = statement.target if isinstance(statement, ast.AnnAssign) else None
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
        if (
            isinstance(target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            found[target.id] = following.value.value
    return found


def section(heading: str) -> str:
    """The guide's text under a `## ` or `### ` heading, up to the next heading of that level or above."""
    level = heading.split(" ")[0]
    body = GUIDE.index(heading + "\n") + len(heading) + 1
    end = re.search(rf"^#{{1,{len(level)}}} ", GUIDE[body:], re.M)
    return GUIDE[body : body + end.start()] if end else GUIDE[body:]


def test_every_plugin_attribute_and_hook_is_documented() -> None:
    docstrings = attribute_docstrings(Plugin)
    text = section("## The Plugin class")
    problems = []
    for name in public(Plugin):
        member = getattr(Plugin, name)
        doc = inspect.getdoc(member) if callable(member) else docstrings.get(name)
        if not (doc or "").strip():
            problems.append(f"Plugin.{name}: no docstring")
        if not re.search(rf"`(async )?{name}\b", text):
            problems.append(f"Plugin.{name}: not in docs/plugins.md's 'The Plugin class'")
    assert problems == []


@pytest.mark.parametrize(("cls", "prefix"), [(PluginContext, "ctx."), (PluginStore, "ctx.store.")])
def test_every_public_context_method_is_documented(cls: type, prefix: str) -> None:
    problems = []
    for name in public(cls):
        if not (inspect.getdoc(getattr(cls, name)) or "").strip():
            problems.append(f"{cls.__name__}.{name}: no docstring")
        if not re.search(rf"`(await )?{re.escape(prefix)}{name}\b", GUIDE):
            problems.append(f"{cls.__name__}.{name}: `{prefix}{name}` not in docs/plugins.md")
    assert problems == []


def test_the_package_exports_are_documented() -> None:
    for name in wheeld.plugins.__all__:
        member = getattr(wheeld.plugins, name)
        assert f"`{name}" in GUIDE, f"wheeld.plugins.{name} not in docs/plugins.md"
        if inspect.isfunction(member) or inspect.isclass(member):
            assert (inspect.getdoc(member) or "").strip(), f"wheeld.plugins.{name}: no docstring"


@pytest.mark.parametrize("entry", BUILTINS, ids=[entry.name for entry in BUILTINS])
def test_every_builtin_and_its_settings_are_documented(entry: Any) -> None:
    assert entry.ok and entry.plugin_class is not None
    text = section(f"### {entry.name}")
    schema = entry.plugin_class.config_schema
    assert schema is not None
    for key, field in schema().fields.items():
        row = re.search(rf"^\| `{key}` \| ([^|]+) \|", text, re.M)
        assert row is not None, f"{entry.name}.{key}: no row in its table"
        default = field.load_default
        shown = row.group(1).strip()
        assert shown in (str(default), str(default).lower(), f"{default:g}" if isinstance(default, float) else ""), (
            f"{entry.name}.{key}: the table says {shown}, the schema {default}"
        )
        assert (field.metadata.get("description") or "").strip(), f"{entry.name}.{key}: no description"


def test_the_repository_plugins_are_the_packaged_builtins() -> None:
    """`plugins/` (examples to copy) and `wheeld/builtin_plugins/` (what is installed) hold the same code."""
    examples = {path.name: path.read_bytes() for path in (ROOT / "plugins").glob("*.py")}
    packaged = {
        path.name: path.read_bytes()
        for path in (ROOT / "wheeld" / "builtin_plugins").glob("*.py")
        if not path.name.startswith("_")
    }
    assert examples == packaged
    assert sorted(name.removesuffix(".py") for name in packaged) == sorted(entry.name for entry in BUILTINS)


def code_block(containing: str) -> str:
    """The guide's ```python block that contains `containing`."""
    blocks = re.findall(r"```python\n(.*?)```", GUIDE, re.S)
    (found,) = [block for block in blocks if containing in block]
    return found


async def test_the_worked_example_and_its_test_run(tmp_path: Path) -> None:
    """The guide's one-file plugin, tested exactly as the guide says."""
    example = tmp_path / "idle_cash.py"
    example.write_text(code_block("class IdleCash(Plugin)"), encoding="utf-8")
    namespace: dict[str, Any] = {"__file__": str(tmp_path / "test_idle_cash.py"), "__name__": "guide_test"}
    exec(compile(code_block("async def test_idle_cash"), "docs/plugins.md", "exec"), namespace)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    await namespace["test_idle_cash_reminds_once_after_three_days"](data_dir)
