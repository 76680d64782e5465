"""The notifiers an operator configures (`notifiers.channels`, `notifiers.webhook_url`), read into values.

Pure parsing with no I/O, so the configuration can check a value before anything starts; the senders
are in `wheeld.services.notifiers`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

KINDS = ("webhook", "ntfy", "slack")
SEVERITIES = ("LOW", "MEDIUM", "HIGH")
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
_URL = re.compile(r"^https?://[^\s/]+")
_TOPIC = re.compile(r"^[-_A-Za-z0-9]{1,64}$")  # ntfy's own rule for topic names
_TAG = re.compile(r"^[-_A-Za-z0-9]{1,40}$")
# Per kind: the keys it needs and the keys it may have.
_REQUIRED = {"webhook": ("url",), "slack": ("url",), "ntfy": ("topic",)}
_ALLOWED = {
    "webhook": {"kind", "url", "min_severity"},
    "slack": {"kind", "url", "min_severity"},
    "ntfy": {"kind", "server", "topic", "token", "tags", "min_severity"},
}
NTFY_SERVER = "https://ntfy.sh"


@dataclass(frozen=True)
class Channel:
    """One notifier: where it sends, in which service's format, and from which severity on."""

    name: str
    kind: str
    url: str  # webhook and slack: the URL to POST to; ntfy: the server
    topic: str = ""
    token: str = ""
    tags: tuple[str, ...] = ()
    min_severity: str | None = None  # None: notifiers.min_severity

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never appear in a log line or an error: the URL (it may embed a token) and the token."""
        return tuple(s for s in (self.url if self.kind != "ntfy" else "", self.token) if s)


def parse_channels(value: Mapping[str, Any]) -> tuple[Channel, ...]:
    """`notifiers.channels` ({name: {kind, …}}) as channels; ValueError naming the notifier and key."""
    channels = []
    for name, spec in value.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"notifier name {name!r}: 1-40 letters, digits, '.', '_' or '-'")
        if not isinstance(spec, Mapping):
            raise ValueError(f"{name}: must be a mapping like {{kind: ntfy, topic: wheel-alerts}}")
        channels.append(_channel(name, spec))
    return tuple(channels)


def _text(name: str, spec: Mapping[str, Any], key: str, default: str = "") -> str:
    value = spec.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"{name}.{key}: must be text, got {value!r}")
    return value.strip()


def _channel(name: str, spec: Mapping[str, Any]) -> Channel:
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValueError(f"{name}.kind: must be one of {', '.join(KINDS)}, got {kind!r}")
    unknown = sorted(set(spec) - _ALLOWED[kind])
    if unknown:
        raise ValueError(f"{name}: unknown key {unknown[0]!r} for a {kind} notifier; known: {sorted(_ALLOWED[kind])}")
    for key in _REQUIRED[kind]:
        if not _text(name, spec, key):
            raise ValueError(f"{name}.{key}: required for a {kind} notifier")
    severity = spec.get("min_severity")
    if severity is not None and severity not in SEVERITIES:
        raise ValueError(f"{name}.min_severity: must be one of {', '.join(SEVERITIES)}, got {severity!r}")
    url = _text(name, spec, "server", NTFY_SERVER) if kind == "ntfy" else _text(name, spec, "url")
    if not _URL.match(url):
        raise ValueError(f"{name}.{'server' if kind == 'ntfy' else 'url'}: must be an http:// or https:// URL")
    topic = _text(name, spec, "topic")
    if kind == "ntfy" and not _TOPIC.match(topic):
        raise ValueError(f"{name}.topic: 1-64 letters, digits, '-' or '_'")
    tags = spec.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and _TAG.match(t) for t in tags):
        raise ValueError(f"{name}.tags: must be a list of short words (ntfy tags or emoji short codes)")
    return Channel(
        name=name,
        kind=kind,
        url=url.rstrip("/") if kind == "ntfy" else url,
        topic=topic,
        token=_text(name, spec, "token"),
        tags=tuple(tags),
        min_severity=severity,
    )


def configured_channels(channels: Mapping[str, Any], webhook_url: str) -> tuple[Channel, ...]:
    """Every configured notifier: `notifiers.webhook_url` (a shorthand for one webhook) and the named ones."""
    found = parse_channels(channels)
    if webhook_url and "webhook" not in {c.name for c in found}:
        found = (Channel(name="webhook", kind="webhook", url=webhook_url), *found)
    return found


def channels_problem(value: Any) -> str | None:
    """The configuration check of `notifiers.channels`: None when fine, else what is wrong."""
    try:
        parse_channels(value)
    except ValueError as exc:
        return str(exc)
    return None
