"""Plugin requests and responses (FR-25, FR-26)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from wheeld.http.schemas.common import PageQuery, WholeNumber
from wheeld.http.schemas.jobs import Job, StrictBoolean, Trigger
from wheeld.plugins.base import NAME_PATTERN
from wheeld.plugins.discovery import SOURCES
from wheeld.scheduler.jobs import MAX_TIMEOUT_SECONDS, MIN_TIMEOUT_SECONDS
from wheeld.services.plugins import PLUGIN_STATUSES

NAME_RULE = "must be a lower-case letter, then up to 63 of a-z, 0-9 and _"
# Module names: dotted Python names (built-ins, entry points) or a plugin file's stem; never a path.
MODULE_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,99}(\.[A-Za-z_][A-Za-z0-9_]{0,99}){0,9}$"


def _name_field(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Regexp(NAME_PATTERN, error=NAME_RULE), **kwargs)


class PluginNamePath(Schema):
    """`{name}` of a plugin."""

    name = _name_field(required=True, metadata={"description": "Plugin name, e.g. earnings_alert"})


class PluginConfigKey(Schema):
    """One setting a plugin takes, from its schema."""

    name = fields.String(required=True, metadata={"example": "days"})
    type = fields.String(required=True, metadata={"description": "The marshmallow field type", "example": "Integer"})
    default = fields.Raw(allow_none=True, required=True, metadata={"example": 7})
    required = fields.Boolean(required=True)
    description = fields.String(required=True)


class Plugin(Schema):
    """A plugin: where it comes from, whether it runs, its schedule (its job's trigger, else the default),
    settings, and its job (null until it is first registered)."""

    name = fields.String(required=True, metadata={"example": "earnings_alert"})
    version = fields.String(allow_none=True, required=True, metadata={"example": "1.0.0"})
    description = fields.String(required=True)
    source = fields.String(
        allow_none=True,
        required=True,
        validate=validate.OneOf(SOURCES),
        metadata={"description": "builtin, directory (a file of the plugins directory) or entry_point; null: missing"},
    )
    module = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "What POST /plugins accepts as `module`: module path, file stem or entry-point name"},
    )
    location = fields.String(allow_none=True, required=True, metadata={"description": "The file or entry point"})
    builtin = fields.Boolean(required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(PLUGIN_STATUSES),
        metadata={
            "description": "enabled (its job is scheduled); disabled (never registered, or disabled or removed);"
            " broken (failed to import or validate, or bad settings: see `error`); missing (its job or"
            " plugins.enabled names it, but no source has it)"
        },
    )
    error = fields.String(allow_none=True, required=True)
    enabled = fields.Boolean(required=True)
    registered = fields.Boolean(required=True, metadata={"description": "Whether it has a job (and run history)"})
    job_id = fields.String(required=True, metadata={"example": "plugin:earnings_alert"})
    default_schedule = fields.Nested(Trigger, allow_none=True, required=True)
    schedule = fields.Nested(Trigger, allow_none=True, required=True)
    config = fields.Dict(required=True, metadata={"description": "Effective settings, defaults filled in"})
    config_keys = fields.List(fields.Nested(PluginConfigKey), required=True)
    job = fields.Nested(Job, allow_none=True, required=True)


class PluginCreate(Schema):
    """Register a discovered plugin by `name` or by `module` (exactly one), and schedule it at once."""

    name = _name_field(metadata={"description": "A discovered plugin's name"})
    module = fields.String(
        validate=validate.Regexp(MODULE_PATTERN, error="must be a module name (letters, digits, _ and dots)"),
        metadata={"description": "A discovered module: a plugin file's stem, an entry point's name, a built-in module"},
    )
    schedule = fields.Nested(Trigger, metadata={"description": "Instead of the plugin's default schedule"})
    config = fields.Dict(keys=fields.String(), metadata={"description": "Settings, checked against its schema"})

    @validates_schema
    def _name_or_module(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("name" in data) == ("module" in data):
            raise ValidationError("give exactly one of name and module", "name")


class PluginUpdate(Schema):
    """Changes to a plugin; they are stored and survive restarts."""

    enabled = StrictBoolean(metadata={"description": "false unschedules it (like DELETE), true schedules it"})
    schedule = fields.Nested(Trigger, metadata={"description": "Its job's trigger (validated)"})
    market_hours_only = StrictBoolean()
    timeout_seconds = WholeNumber(minimum=MIN_TIMEOUT_SECONDS, maximum=MAX_TIMEOUT_SECONDS)
    config = fields.Dict(
        keys=fields.String(),
        metadata={"description": "Settings merged over the stored ones and checked by its schema; null resets a key"},
    )


class PluginListQuery(PageQuery):
    """Paging of the plugin list (ordered by name)."""
