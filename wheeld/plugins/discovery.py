"""Finding plugins (FR-25): the built-ins, `*.py` files of the plugins directory, and `wheeld.plugins` entry points.

Discovery never raises for a plugin's sake: a module that fails to import, or a class that fails
validation, becomes a `Discovered` entry with its `error`, and the daemon carries on. Only those three
sources are ever loaded; nothing names a module or a path from outside (NFR-12).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
import pkgutil
import stat
import sys
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import Literal

from wheeld.plugins.base import NAME_PATTERN, Plugin, plugin_problem

log = logging.getLogger(__name__)

Source = Literal["builtin", "directory", "entry_point"]
SOURCES: tuple[Source, ...] = ("builtin", "directory", "entry_point")
ENTRY_POINT_GROUP = "wheeld.plugins"
BUILTIN_PACKAGE = "wheeld.builtin_plugins"
# Files of the plugins directory are imported under this prefix, apart from every installed module.
DIRECTORY_MODULE_PREFIX = "wheeld_plugin_files."


@dataclass(frozen=True)
class Discovered:
    """One plugin found (or one that could not be loaded, with its `error`)."""

    name: str
    source: Source
    module: str  # what POST /api/v1/plugins accepts as `module`: the module path, file stem or entry-point name
    location: str  # the file or the entry point's value, for people reading the listing
    plugin_class: type[Plugin] | None = None
    error: str | None = None
    instance: Plugin | None = None  # the one instance runs use, made when it loaded

    @property
    def ok(self) -> bool:
        """Whether the plugin loaded and validated."""
        return self.instance is not None and self.error is None


def default_directory(data_dir: Path, configured: str) -> Path:
    """The plugins directory: `plugins.directory` (relative to the data directory), else DATA_DIR/plugins."""
    return data_dir / Path(configured).expanduser() if configured else data_dir / "plugins"


def discover(directory: Path | None) -> list[Discovered]:
    """Every plugin from the built-ins, then the directory, then entry points; a name seen twice is an error."""
    found: list[Discovered] = []
    taken: dict[str, Discovered] = {}
    sources = (
        _guarded("builtin", _builtins()),
        _guarded("directory", _directory(directory)),
        _guarded("entry_point", _entry_points()),
    )
    for entry in (entry for source in sources for entry in source):
        first = taken.get(entry.name)
        if entry.ok and first is not None:
            entry = _broken(entry, f"name {entry.name!r} is already taken by {first.source} {first.module}")
        elif entry.ok:
            taken[entry.name] = entry
        found.append(entry)
    return found


def _broken(entry: Discovered, error: str) -> Discovered:
    return Discovered(entry.name, entry.source, entry.module, entry.location, entry.plugin_class, error)


def _guarded(source: Source, entries: Iterator[Discovered]) -> Iterator[Discovered]:
    """A source's entries; a fault of the source itself (a corrupt installed package) is logged, not raised."""
    try:
        yield from entries
    except Exception:
        log.exception("discovering %s plugins failed", source)


def _error_text(exc: BaseException) -> str:
    # The last frame is where a plugin author looks first (the file and line of a syntax or import error).
    if isinstance(exc, SyntaxError):
        return f"SyntaxError: {exc.msg} ({Path(exc.filename or '?').name}, line {exc.lineno})"
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" ({Path(frames[-1].filename).name}, line {frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def plugin_classes(module: ModuleType) -> list[type[Plugin]]:
    """The Plugin subclasses a module defines (not those it imports), in definition order; `_Named` ones are bases."""
    return [
        member
        for member in vars(module).values()
        if inspect.isclass(member)
        and issubclass(member, Plugin)
        and member is not Plugin
        and member.__module__ == module.__name__
        and not member.__name__.startswith("_")
    ]


def _entries(
    classes: Iterable[type[Plugin]], fallback: str, source: Source, module: str, location: str
) -> Iterator[Discovered]:
    """One entry per class (broken ones with their problem), or one error entry when there is none."""
    empty = True
    for cls in classes:
        empty = False
        problem = plugin_problem(cls)
        # A name the API could not address (`plugin:Bad Name`) is listed under its module instead.
        label = cls.name if isinstance(cls.name, str) and NAME_PATTERN.match(cls.name) else fallback
        instance = None
        if problem is None:
            try:
                instance = cls()
            except Exception as exc:
                problem = f"could not be created: {_error_text(exc)}"
        yield Discovered(label, source, module, location, cls, problem, instance)
    if empty:
        yield Discovered(fallback, source, module, location, None, "defines no Plugin subclass")


def _builtins() -> Iterator[Discovered]:
    package = importlib.import_module(BUILTIN_PACKAGE)
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module_name = f"{BUILTIN_PACKAGE}.{info.name}"
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:  # a packaging fault, but still never the daemon's end
            yield Discovered(info.name, "builtin", module_name, module_name, None, _error_text(exc))
            continue
        yield from _entries(plugin_classes(module), info.name, "builtin", module_name, module_name)


def _directory(directory: Path | None) -> Iterator[Discovered]:
    if directory is None or not directory.is_dir():
        return
    # Files starting with _ or . are skipped: a place for notes or disabled plugins.
    for path in sorted(p for p in directory.glob("*.py") if not p.name.startswith(("_", "."))):
        stem = path.stem
        refused = _unsafe(directory) or _unsafe(path)
        if refused:
            yield Discovered(stem, "directory", stem, str(path), None, refused)
            continue
        try:
            module = _load_file(path)
        except (Exception, SystemExit) as exc:
            yield Discovered(stem, "directory", stem, str(path), None, _error_text(exc))
            continue
        yield from _entries(plugin_classes(module), stem, "directory", stem, str(path))


def _unsafe(path: Path) -> str | None:
    """Why a file or directory must not be loaded: other users could have put code in it."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror}"
    if mode & stat.S_IWOTH:
        return f"{path} is writable by every user: refused (chmod o-w)"
    return None


def _load_file(path: Path) -> ModuleType:
    """Import one plugin file afresh under a private module name (a rescan replaces the old module)."""
    module_name = DIRECTORY_MODULE_PREFIX + path.stem
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    # Registered before it runs: dataclasses and typing look a class's module up while it is defined.
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def _entry_points() -> Iterator[Discovered]:
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        yield from _from_entry_point(point)


def _from_entry_point(point: EntryPoint) -> Iterator[Discovered]:
    """An entry point names a Plugin subclass (`pkg.mod:MyPlugin`) or a module holding some (`pkg.mod`)."""
    try:
        target = point.load()
    except (Exception, SystemExit) as exc:
        yield Discovered(point.name, "entry_point", point.name, point.value, None, _error_text(exc))
        return
    if inspect.isclass(target) and issubclass(target, Plugin):
        classes = [target]
    elif inspect.ismodule(target):
        classes = plugin_classes(target)
    else:
        problem = "is neither a Plugin subclass nor a module"
        yield Discovered(point.name, "entry_point", point.name, point.value, None, problem)
        return
    yield from _entries(classes, point.name, "entry_point", point.name, point.value)
