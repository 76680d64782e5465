"""`wheeld config example`: every key, documented, with its default; the output is itself a valid config."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests.daemon_process import clean_environ
from wheeld.cli_config import example
from wheeld.config import KEYS, load_config


def test_every_key_with_its_doc_and_default(tmp_path: Path) -> None:
    text = example()
    tree = yaml.safe_load(text)
    for key in KEYS:
        node = tree
        for part in key.name.split("."):
            node = node[part]
        assert node == key.default, key.name
        assert key.doc.split()[0] in text, key.name
    # Loaded as a configuration file it changes nothing.
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_config(path, data_dir=tmp_path, environ={})
    defaults = load_config(None, data_dir=tmp_path, environ={})
    assert loaded.masked() == defaults.masked()


def test_the_command_prints_it(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "wheeld", "config", "example"],
        env=clean_environ(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == example()
    assert "# Notifiers by name" in done.stdout and "  channels: {}" in done.stdout
