"""Reading, validating, applying and persisting the configuration over the API (FR-33)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from wheeld import config as cfg
from wheeld.errors import ConfigError, InvalidState, ValidationError

Applier = Callable[[cfg.Config, dict[str, Any]], None]


class ConfigService:
    """The live configuration: masked reads, validated updates, atomic persistence."""

    def __init__(self, config: cfg.Config) -> None:
        self.config = config
        self._appliers: list[Applier] = []
        self._lock = asyncio.Lock()

    def on_change(self, applier: Applier) -> None:
        """Register a callback applying changed keys live (log level, thresholds, TTLs …)."""
        self._appliers.append(applier)

    def masked(self) -> dict[str, Any]:
        """The effective configuration with secrets masked."""
        return self.config.masked()

    def _changes(self, body: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(body, Mapping):
            raise ValidationError.field("body", None, "must be an object of config sections")
        flat = cfg.flatten(body)
        # A masked secret sent back unchanged means "keep it".
        flat = {
            k: v
            for k, v in flat.items()
            if not (k in cfg.KEYS_BY_NAME and cfg.KEYS_BY_NAME[k].secret and v == cfg.MASK)
        }
        try:
            checked = cfg.validate_values(flat, "request")
            cfg.check_market_hours({**dict(self.config), **checked})
        except ConfigError as exc:
            raise ValidationError(
                str(exc), {"field": exc.key, "value": flat.get(exc.key), "constraint": exc.problem}
            ) from None
        changes = {k: v for k, v in checked.items() if self.config[k] != v}
        for name, value in changes.items():
            if cfg.KEYS_BY_NAME[name].path:
                raise ValidationError.field(
                    name, value, "a file path: set it in the config file, the environment or a flag, not over the API"
                )
        return changes

    def _plan(self, body: Mapping[str, Any]) -> tuple[dict[str, Any], str, Path]:
        """The changes, the file text that would hold them and its path, checked as the next start reads it:
        the same YAML, `${VAR}` expansion and WHEELD_* variables, so a 200 never leaves a daemon that
        cannot start. Changes carry the values the next start will use (`${VAR}` expanded)."""
        changes = self._changes(body)
        path = self.config.file or (self.config.data_dir / "config.yaml")
        if not changes:
            return changes, "", path
        try:
            tree = cfg.read_file(path) if path.is_file() else {}
        except ConfigError as exc:  # edited by hand since start-up: the user's to fix, not ours
            raise InvalidState(f"cannot update the config file: {exc.problem}", {"file": str(path)}) from None
        try:
            text = cfg.render_file(cfg.merge_into_file_tree(tree, changes))
            cfg.config_from_file_text(text, path, self.config.data_dir, self.config.environ)
            from_file = cfg.file_layer_values(text, path, self.config.environ)
        except ConfigError as exc:
            raise ValidationError(
                f"the daemon could not start with this change: config {exc.key}: {exc.problem}",
                {"field": exc.key, "value": _raw(body, exc.key), "constraint": exc.problem},
            ) from None
        expanded = {name: from_file.get(name, value) for name, value in changes.items()}
        return {k: v for k, v in expanded.items() if self.config[k] != v}, text, path

    def validate(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Check proposed changes without applying them (the same checks as an update)."""
        try:
            changes, _, _ = self._plan(body)
        except ValidationError as exc:
            return {
                "valid": False,
                "errors": [{"key": exc.details.get("field"), "problem": exc.details.get("constraint")}],
                "changed": [],
                "restart_required": [],
            }
        return {
            "valid": True,
            "errors": [],
            "changed": sorted(changes),
            "restart_required": cfg.diff_restart_keys(changes),
        }

    async def update(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Validate, persist atomically to the config file, apply what can be applied live."""
        async with self._lock:
            changes, text, path = self._plan(body)
            overridden = sorted(k for k in changes if self.config.sources.get(k) in ("environment", "flags"))
            if changes:
                try:
                    await asyncio.to_thread(cfg.write_file_atomically, path, text)
                except OSError as exc:  # a read-only or vanished directory: nothing changed, say why
                    raise InvalidState(
                        f"cannot write the config file {path}: {exc.strerror or exc}", {"file": str(path)}
                    ) from None
                self.config = self.config.replace(changes)
                self.config.file = path
                live = {k: v for k, v in changes.items() if not cfg.KEYS_BY_NAME[k].restart}
                for applier in self._appliers:
                    applier(self.config, live)
            return {
                "config": self.masked(),
                "changed": sorted(changes),
                "restart_required": cfg.diff_restart_keys(changes),
                "overridden_at_start": overridden,
                "file": str(path),
            }


def _raw(body: Mapping[str, Any], key: str) -> Any:
    """The value the request gave for a dotted key (for the error's details), else None."""
    value = cfg.flatten(body).get(key) if isinstance(body, Mapping) else None
    return value if isinstance(value, str | int | float | bool) else None
