"""Discovery: the built-ins, files of the plugins directory, entry points; every broken plugin listed, none fatal."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugins.conftest import PROBE, Distribute, WritePlugin
from wheeld.plugins.discovery import Discovered, default_directory, discover

BUILTINS = ["earnings_alert", "premium_target", "volatility_spike"]


def by_name(found: list[Discovered]) -> dict[str, Discovered]:
    """Discovered entries by name (the last one when a name repeats)."""
    return {entry.name: entry for entry in found}


def test_the_builtins_load_from_the_package() -> None:
    found = [entry for entry in discover(None) if entry.source == "builtin"]
    assert [entry.name for entry in found] == BUILTINS
    assert all(entry.ok and entry.module == f"wheeld.builtin_plugins.{entry.name}" for entry in found)


def test_the_directory_defaults_to_plugins_in_the_data_dir(tmp_path: Path) -> None:
    assert default_directory(tmp_path, "") == tmp_path / "plugins"
    assert default_directory(tmp_path, "mine") == tmp_path / "mine"
    assert default_directory(tmp_path, "/opt/wheeld-plugins") == Path("/opt/wheeld-plugins")


def test_a_file_may_define_several_plugins_and_private_bases(plugin_dir: Path, write_plugin: WritePlugin) -> None:
    write_plugin(
        "pair",
        """
        from wheeld.plugins import Plugin, cron

        class _Base(Plugin):
            default_schedule = cron("0 9 * * 1-5")

            async def execute(self, ctx):
                return self.name

        class First(_Base):
            name = "first"

        class Second(_Base):
            name = "second"
        """,
    )
    write_plugin("_notes", "raise RuntimeError('files starting with _ are never imported')")
    found = [entry for entry in discover(plugin_dir) if entry.source == "directory"]
    assert [(entry.name, entry.module, entry.ok) for entry in found] == [
        ("first", "pair", True),
        ("second", "pair", True),
    ]
    assert found[0].location == str(plugin_dir / "pair.py")


BROKEN = [
    ("syntax", "def broken(:\n", "SyntaxError: "),
    ("imports", "import wheeld_no_such_module\n", "ModuleNotFoundError: No module named 'wheeld_no_such_module'"),
    ("exits", "raise SystemExit(3)\n", "SystemExit: 3"),
    ("empty", "X = 1\n", "defines no Plugin subclass"),
    (
        "schedule",
        "from wheeld.plugins import Plugin, every\n"
        "class P(Plugin):\n    name = 'schedule'\n    default_schedule = every(seconds=5)\n"
        "    async def execute(self, ctx): pass\n",
        "default_schedule: trigger.seconds: must be between 60 and",
    ),
    (
        "cron",
        "from wheeld.plugins import Plugin, cron\n"
        "class P(Plugin):\n    name = 'cron'\n    default_schedule = cron('0 0 30 2 *')\n"
        "    async def execute(self, ctx): pass\n",
        "never matches a real date",
    ),
    (
        "badname",
        "from wheeld.plugins import Plugin\nclass P(Plugin):\n    name = 'Bad Name'\n"
        "    async def execute(self, ctx): pass\n",
        "name 'Bad Name': must be a lower-case letter",
    ),
    (
        "blocking",
        "from wheeld.plugins import Plugin\nclass P(Plugin):\n    name = 'blocking'\n"
        "    def execute(self, ctx): pass\n",
        "execute: must be an async method",
    ),
    (
        "noexecute",
        "from wheeld.plugins import Plugin\nclass P(Plugin):\n    name = 'noexecute'\n",
        "execute: not implemented",
    ),
    (
        "schema",
        "from wheeld.plugins import Plugin\nclass P(Plugin):\n    name = 'schema'\n    config_schema = dict\n"
        "    async def execute(self, ctx): pass\n",
        "config_schema: must be a marshmallow Schema class",
    ),
    (
        "init",
        "from wheeld.plugins import Plugin\nclass P(Plugin):\n    name = 'init'\n"
        "    def __init__(self):\n        raise ValueError('no key')\n    async def execute(self, ctx): pass\n",
        "could not be created: ValueError: no key",
    ),
]


@pytest.mark.parametrize(("stem", "source", "error"), BROKEN, ids=[row[0] for row in BROKEN])
def test_a_broken_plugin_is_listed_with_its_error(
    plugin_dir: Path, write_plugin: WritePlugin, stem: str, source: str, error: str
) -> None:
    write_plugin(stem, source)
    write_plugin("probe", PROBE)
    found = by_name(discover(plugin_dir))
    assert found["probe"].ok  # the good one beside it loads
    broken = found[stem]
    assert not broken.ok and broken.source == "directory" and broken.module == stem
    assert error in (broken.error or ""), broken.error


def test_a_syntax_error_names_the_file_and_line(plugin_dir: Path, write_plugin: WritePlugin) -> None:
    write_plugin("typo", "from wheeld.plugins import Plugin\n\nclass P(Plugin)\n    name = 'typo'\n")
    assert by_name(discover(plugin_dir))["typo"].error == "SyntaxError: expected ':' (typo.py, line 3)"


def test_files_writable_by_anyone_are_refused(plugin_dir: Path, write_plugin: WritePlugin) -> None:
    path = write_plugin("probe", PROBE)
    path.chmod(0o666)
    entry = by_name(discover(plugin_dir))["probe"]
    assert not entry.ok and "writable by every user" in (entry.error or "")


def test_a_name_taken_twice_is_an_error_on_the_later_one(plugin_dir: Path, write_plugin: WritePlugin) -> None:
    write_plugin(
        "copy",
        """
        from wheeld.plugins import Plugin

        class MyEarnings(Plugin):
            name = "earnings_alert"

            async def execute(self, ctx):
                return None
        """,
    )
    found = [entry for entry in discover(plugin_dir) if entry.name == "earnings_alert"]
    assert [(entry.source, entry.ok) for entry in found] == [("builtin", True), ("directory", False)]
    assert found[1].error == "name 'earnings_alert' is already taken by builtin wheeld.builtin_plugins.earnings_alert"


def test_entry_points_name_a_class_or_a_module(distribute: Distribute) -> None:
    distribute("probe-pkg", PROBE, "probe = probe_pkg:Probe")
    distribute("more-pkg", PROBE.replace('"probe"', '"more_probe"'), "more = more_pkg")
    found = by_name(discover(None))
    assert (found["probe"].source, found["probe"].module, found["probe"].location, found["probe"].ok) == (
        "entry_point",
        "probe",
        "probe_pkg:Probe",
        True,
    )
    assert (found["more_probe"].module, found["more_probe"].ok) == ("more", True)


def test_an_entry_point_that_fails_is_listed(distribute: Distribute) -> None:
    distribute("bad-pkg", "import wheeld_missing_dependency\n", "bad = bad_pkg:Plugin")
    distribute("odd-pkg", "VALUE = 3\n", "odd = odd_pkg:VALUE")
    found = by_name(discover(None))
    assert found["bad"].error == "ModuleNotFoundError: No module named 'wheeld_missing_dependency' (bad_pkg.py, line 1)"
    assert found["odd"].error == "is neither a Plugin subclass nor a module"
