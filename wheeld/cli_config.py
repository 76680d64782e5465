"""`wheeld config example`: every configuration key, with its documentation and default, as a YAML file.

The output is a valid configuration (every value is the default), so it may be saved as
`DATA_DIR/config.yaml` and edited; keys one leaves alone may as well be deleted.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import yaml

from wheeld.config import KEYS, Key

COMMAND = "config"
HEADER = """\
# wheeld configuration: every key with what it does and its default (`wheeld config example`).
# Save as $XDG_DATA_HOME/wheeld/config.yaml (~/.local/share/wheeld/config.yaml) or pass --config FILE.
# Precedence: command-line flags > WHEELD_SECTION__KEY environment variables > this file > the defaults.
# ${ENV_VAR} and ${ENV_VAR:-default} are replaced from the environment: keep secrets out of the file.
# "restart" marks keys read at start-up only; PUT /api/v1/config applies the others live.
"""


def add_parser(sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register `config example` on the `wheeld` parser."""
    parser = sub.add_parser(COMMAND, help="configuration helpers: `wheeld config example` prints every key")
    actions = parser.add_subparsers(dest="config_action", required=True, metavar="ACTION")
    actions.add_parser(
        "example",
        help="print a commented example configuration: every key, its documentation and default",
        description="Print every configuration key as YAML, each with its documentation and default value.",
    )


def _comment(key: Key, indent: str) -> list[str]:
    notes = [note for note, on in (("restart", key.restart), ("secret", key.secret)) if on]
    if key.choices:
        notes.append("one of " + ", ".join(str(c) for c in key.choices))
    if key.minimum is not None or key.maximum is not None:
        notes.append(
            f"{key.minimum if key.minimum is not None else '…'} to {key.maximum if key.maximum is not None else '…'}"
        )
    text = key.doc + (f" ({'; '.join(notes)})" if notes else "")
    lines, line = [], ""
    for word in text.split():
        if line and len(indent) + 2 + len(line) + 1 + len(word) > 100:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return [f"{indent}# {part}" for part in lines]


def _value(name: str, value: Any, indent: str) -> list[str]:
    dumped = yaml.safe_dump({name: value}, default_flow_style=False, sort_keys=False, allow_unicode=True, width=100)
    return [f"{indent}{line}" for line in dumped.rstrip("\n").splitlines()]


def example() -> str:
    """The example configuration text."""
    out = [HEADER]
    section = middle = None
    for key in KEYS:
        parts = key.name.split(".")
        if parts[0] != section:
            section, middle = parts[0], None
            out.append(f"{section}:")
        indent = "  "
        if len(parts) == 3:  # external_apis.schwab.app_key: the middle level opens once
            if parts[1] != middle:
                middle = parts[1]
                out.append(f"  {middle}:")
            indent = "    "
        out += _comment(key, indent)
        out += _value(parts[-1], key.default, indent)
    return "\n".join(out) + "\n"


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit code."""
    print(example(), end="")
    return 0
