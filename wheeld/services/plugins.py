"""Plugins as jobs (FR-25, FR-26): discovery at start-up, registration, settings, and the management API.

A plugin's schedule, gate, timeout and `enabled` flag live on its job, `plugin:<name>`, so the plugins
API and the jobs API can never disagree; the `plugins` table keeps its settings set over the API.
Registration follows `insert_default_jobs`: the plugin's defaults are written once, and what a user
changes afterwards (schedule, enabled, settings) survives restarts and upgrades.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import marshmallow

from wheeld.clock import utc_iso_fixed
from wheeld.config import Config
from wheeld.db import plugins as repo
from wheeld.errors import Conflict, InvalidState, NotFound, ValidationError
from wheeld.plugins.base import Plugin, PluginResult, run_plugin
from wheeld.plugins.context import PluginContext, PluginServices
from wheeld.plugins.discovery import Discovered, default_directory, discover
from wheeld.scheduler.jobs import JobContext, JobHandler, JobSpec, JobState, validate_job_changes
from wheeld.scheduler.triggers import parse_trigger
from wheeld.services.jobs import JobService
from wheeld.services.listing import Page, Paged

log = logging.getLogger(__name__)
JOB_PREFIX = "plugin:"
# Fields of PATCH /plugins/{name} that change the plugin's job (`schedule` is the job's trigger).
JOB_FIELDS = ("enabled", "market_hours_only", "timeout_seconds")
PLUGIN_STATUSES = ("enabled", "disabled", "broken", "missing")
MISSING_ERROR = "not found in the built-ins, the plugins directory or any wheeld.plugins entry point"


def job_id_of(name: str) -> str:
    """The id of a plugin's job."""
    return JOB_PREFIX + name


def job_spec(cls: type[Plugin], *, enabled: bool = True) -> JobSpec:
    """A plugin's job as its class declares it (its defaults)."""
    return JobSpec(
        id=job_id_of(cls.name),
        kind="plugin",
        trigger=parse_trigger(dict(cls.default_schedule)).as_spec(),
        enabled=enabled,
        market_hours_only=cls.market_hours_only,
        timeout_seconds=cls.timeout_seconds,
        description=cls.description[:500],
    )


def _first_problem(messages: Any, path: str = "") -> tuple[str, str]:
    """The first (dotted field, message) of marshmallow's nested error messages."""
    if isinstance(messages, Mapping) and messages:
        key, inner = next(iter(messages.items()))
        field = path if key == "_schema" else f"{path}.{key}" if path else str(key)
        return _first_problem(inner, field)
    if isinstance(messages, list | tuple) and messages:
        return _first_problem(messages[0], path)
    return path, str(messages)


def _json_value(value: Any) -> Any:
    """A value as JSON would carry it (dates and decimals become text)."""
    return json.loads(json.dumps(value, default=str))


def config_keys(cls: type[Plugin]) -> list[dict[str, Any]]:
    """A plugin's settings as documented by its schema: name, type, default, required, description."""
    if cls.config_schema is None:
        return []
    keys = []
    for name, field in cls.config_schema().fields.items():
        default = field.load_default
        if default is marshmallow.missing:
            default = None
        elif callable(default):
            default = default()
        keys.append(
            {
                "name": field.data_key or name,
                "type": type(field).__name__,
                "default": _json_value(default),
                "required": field.required,
                "description": str(field.metadata.get("description", "")),
            }
        )
    return keys


def _schedule(spec: Any) -> dict[str, Any]:
    """A schedule (a job trigger) validated, with errors naming `schedule...` rather than `trigger...`."""
    try:
        return validate_job_changes({"trigger": spec})["trigger"]
    except ValidationError as exc:
        field = "schedule" + str(exc.details.get("field", "trigger")).removeprefix("trigger")
        raise ValidationError.field(field, exc.details.get("value"), str(exc.details.get("constraint"))) from None


class PluginService:
    """The plugins found at start-up (or by a rescan), their jobs, and their settings."""

    def __init__(self, services: PluginServices, jobs: JobService, settings: Callable[[], Config]) -> None:
        self._services = services
        self.jobs = jobs
        self._settings = settings
        self._found: list[Discovered] = []

    @property
    def directory(self) -> Path:
        """The plugins directory (`plugins.directory`, default DATA_DIR/plugins)."""
        config = self._settings()
        return default_directory(config.data_dir, config["plugins.directory"])

    async def start(self) -> None:
        """Discover the plugins; give each plugin job its handler; register those `plugins.enabled` names.

        Nothing here stops the daemon: a plugin that cannot load or register is logged and listed.
        """
        self._found = discover(self.directory)
        for entry in self._found:
            if entry.error:
                log.warning("plugin %s (%s %s) not loaded: %s", entry.name, entry.source, entry.location, entry.error)
        states = await self._plugin_jobs()
        await self._sync_handlers(states)
        for name in self._settings()["plugins.enabled"]:
            entry = self._entry(name)
            if entry is None or not entry.ok:
                log.warning("plugins.enabled names %r, which is not a loadable plugin", name)
            elif job_id_of(name) not in states:
                try:
                    await self._register(entry, enabled=True)
                except Exception:
                    log.exception("could not register plugin %s", name)

    async def list(self, page: Page) -> Paged:
        """A page of plugins by name: every one discovered (the built-ins always), broken and missing ones too."""
        items = await self._all()
        return Paged(items[page.offset : page.offset + page.page_size], len(items), page)

    async def get(self, name: str) -> dict[str, Any]:
        """One plugin, or NotFound."""
        entry = self._entry(name)
        state = await self.jobs.store.get_job(job_id_of(name))
        self._require_known(name, entry, state)
        stored = await repo.stored_config(self._services.db.reader, name)
        return self._plugin_dict(name, entry, state, stored)

    async def register(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Register a discovered plugin by `name` or `module` and schedule it at once (POST /plugins).

        A name not found is looked for again in the plugins directory and entry points (a file added
        since start-up), never anywhere else. 404 when still not found, 409 when broken or already on.
        """
        entry = self._find(body)
        if entry is None:
            await self._rescan()
            entry = self._find(body)
        if entry is None:
            wanted = body.get("name") or body.get("module")
            raise NotFound(
                f"no plugin {wanted!r} among the discovered ones", {"name": wanted, "directory": str(self.directory)}
            )
        if not entry.ok:
            raise InvalidState(
                f"plugin {entry.name!r} cannot be registered: {entry.error}", {"name": entry.name, "error": entry.error}
            )
        job_id = job_id_of(entry.name)
        state = await self.jobs.store.get_job(job_id)
        if state is not None and state.spec.enabled:
            raise Conflict(f"plugin {entry.name!r} is already registered and enabled", {"name": entry.name})
        changes: dict[str, Any] = {"enabled": True}
        if body.get("schedule") is not None:
            changes["trigger"] = _schedule(body["schedule"])
        config = await self._checked_config(entry.name, entry, body["config"]) if body.get("config") else None
        if config is not None:
            await self._save_config(entry.name, config)
        if state is None:
            await self._register(entry, enabled=True)
        await self.jobs.update(job_id, changes)
        return await self.get(entry.name)

    async def update(self, name: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Enable or disable a plugin, change its schedule, gate, timeout or settings (PATCH /plugins/{name}).

        Every change is validated before any is stored; settings are checked by the plugin's schema and
        merged over those stored (a key set to null goes back to its default).
        """
        entry = self._entry(name)
        state = await self.jobs.store.get_job(job_id_of(name))
        self._require_known(name, entry, state)
        job_changes = validate_job_changes({key: changes[key] for key in JOB_FIELDS if key in changes})
        if changes.get("schedule") is not None:
            job_changes["trigger"] = _schedule(changes["schedule"])
        config = None
        if changes.get("config") is not None:
            config = await self._checked_config(name, entry, changes["config"])
        # Enabling, or a first job change (which creates the job), needs a plugin that loads.
        if (job_changes.get("enabled") or (job_changes and state is None)) and (entry is None or not entry.ok):
            reason = entry.error if entry is not None else MISSING_ERROR
            raise InvalidState(f"plugin {name!r} cannot be enabled: {reason}", {"name": name, "error": reason})
        if config is not None:
            await self._save_config(name, config)
        # Disabling a plugin never registered changes nothing; any other job change gives it its job.
        if state is None and (job_changes.get("enabled") is True or set(job_changes) - {"enabled"}):
            assert entry is not None  # loadable: checked above
            await self._register(entry, enabled=bool(job_changes.get("enabled", False)))
            state = await self.jobs.store.get_job(job_id_of(name))
        if job_changes and state is not None:
            await self.jobs.update(job_id_of(name), job_changes)
        return await self.get(name)

    async def remove(self, name: str) -> None:
        """Unschedule a plugin (DELETE /plugins/{name}): its job is disabled, its run history and settings kept."""
        state = await self.jobs.store.get_job(job_id_of(name))
        self._require_known(name, self._entry(name), state)
        if state is not None and state.spec.enabled:
            await self.jobs.update(job_id_of(name), {"enabled": False})

    async def run_once(self, name: str) -> PluginResult:
        """Run a plugin once in the calling task, outside the scheduler (no run record, no timeout): for tests."""
        entry = self._loadable(name)
        assert entry.instance is not None
        config = await self._effective_config(entry)
        return await run_plugin(entry.instance, PluginContext(name, config, self._services))

    # --- internals ----------------------------------------------------------------------------------

    def _handler(self, name: str) -> JobHandler:
        async def run(job: JobContext) -> PluginResult:
            # Looked up at each run: a rescan may have replaced the plugin since it was registered.
            entry = self._loadable(name)
            assert entry.instance is not None
            config = await self._effective_config(entry)
            ctx = PluginContext(name, config, self._services, run_id=job.run_id, trigger=job.trigger)
            return await run_plugin(entry.instance, ctx)

        return run

    def _require_known(self, name: str, entry: Discovered | None, state: JobState | None) -> None:
        """NotFound unless the plugin is listed: discovered, with a job, or named by `plugins.enabled`."""
        if entry is None and state is None and name not in self._settings()["plugins.enabled"]:
            raise _not_found(name)

    def _loadable(self, name: str) -> Discovered:
        entry = self._entry(name)
        if entry is None:
            raise _not_found(name)
        if not entry.ok:
            raise InvalidState(f"plugin {name!r} is broken: {entry.error}", {"name": name, "error": entry.error})
        return entry

    def _entry(self, name: str) -> Discovered | None:
        """The plugin of that name: the loaded one, else the first broken one."""
        named = [entry for entry in self._found if entry.name == name]
        return next((entry for entry in named if entry.ok), named[0] if named else None)

    def _find(self, body: Mapping[str, Any]) -> Discovered | None:
        if body.get("name"):
            return self._entry(body["name"])
        module = body.get("module")
        matches = [entry for entry in self._found if entry.module == module]
        loaded = [entry for entry in matches if entry.ok]
        if len(loaded) > 1:
            names = ", ".join(entry.name for entry in loaded)
            raise ValidationError.field("module", module, f"defines several plugins ({names}): give a name instead")
        return loaded[0] if loaded else (matches[0] if matches else None)

    async def _rescan(self) -> None:
        """Discover again (a file added since start-up) and bring the plugin jobs' handlers in line."""
        self._found = discover(self.directory)
        await self._sync_handlers(await self._plugin_jobs())

    async def _plugin_jobs(self) -> dict[str, JobState]:
        return {state.id: state for state in await self.jobs.store.load_jobs() if state.spec.kind == "plugin"}

    async def _sync_handlers(self, states: Mapping[str, JobState]) -> None:
        """Every plugin job gets a handler when its plugin loads, and loses it when not (so it is not scheduled)."""
        for job_id in states:
            entry = self._entry(job_id.removeprefix(JOB_PREFIX))
            handler = self._handler(entry.name) if entry is not None and entry.ok else None
            try:
                await self.jobs.supervisor.set_handler(job_id, handler)
            except Exception:
                log.exception("could not load the handler of job %s", job_id)

    async def _register(self, entry: Discovered, *, enabled: bool) -> None:
        assert entry.plugin_class is not None
        async with self._services.db.transaction(bookkeeping=True) as conn:
            await repo.ensure_plugin(conn, entry.name, utc_iso_fixed(self._services.clock.now()))
        await self.jobs.register(job_spec(entry.plugin_class, enabled=enabled), self._handler(entry.name))

    async def _save_config(self, name: str, config: dict[str, Any]) -> None:
        async with self._services.db.transaction(bookkeeping=True) as conn:
            await repo.save_config(conn, name, config, utc_iso_fixed(self._services.clock.now()))

    def _config_input(self, name: str, stored: Mapping[str, Any]) -> dict[str, Any]:
        """The raw settings: `plugins.config.<name>` from the config file, then those set over the API."""
        from_file = self._settings()["plugins.config"].get(name) or {}
        return {**(from_file if isinstance(from_file, Mapping) else {}), **stored}

    def _load_config(self, entry: Discovered, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Settings validated by the plugin's schema, defaults filled in; ValidationError names `config.<key>`."""
        assert entry.plugin_class is not None
        schema = entry.plugin_class.config_schema
        if schema is None:
            if raw:
                key = next(iter(raw))
                raise ValidationError.field(f"config.{key}", raw[key], "this plugin has no settings")
            return {}
        try:
            return dict(schema().load(dict(raw)))
        except marshmallow.ValidationError as exc:
            field, problem = _first_problem(exc.messages)
            key = field.split(".")[0]
            raise ValidationError.field(f"config.{field}" if field else "config", raw.get(key), problem) from None

    async def _checked_config(self, name: str, entry: Discovered | None, changes: Mapping[str, Any]) -> dict[str, Any]:
        """The stored settings with `changes` merged in (null removes a key), checked; returns what to store."""
        if entry is None or not entry.ok:
            reason = entry.error if entry is not None else MISSING_ERROR
            message = f"the settings of plugin {name!r} cannot be checked: {reason}"
            raise InvalidState(message, {"name": name, "error": reason})
        stored = await repo.stored_config(self._services.db.reader, entry.name)
        merged = {key: value for key, value in {**stored, **changes}.items() if value is not None}
        self._load_config(entry, self._config_input(entry.name, merged))
        return merged

    async def _effective_config(self, entry: Discovered) -> dict[str, Any]:
        stored = await repo.stored_config(self._services.db.reader, entry.name)
        return self._load_config(entry, self._config_input(entry.name, stored))

    async def _all(self) -> list[dict[str, Any]]:
        states = await self._plugin_jobs()
        stored = await repo.stored_configs(self._services.db.reader)
        items = [
            self._plugin_dict(entry.name, entry, states.get(job_id_of(entry.name)), stored.get(entry.name, {}))
            for entry in self._found
        ]
        known = {entry.name for entry in self._found}
        missing = {job_id.removeprefix(JOB_PREFIX) for job_id in states} | set(self._settings()["plugins.enabled"])
        for name in sorted(missing - known):
            items.append(self._plugin_dict(name, None, states.get(job_id_of(name)), stored.get(name, {})))
        order = {source: rank for rank, source in enumerate(("builtin", "directory", "entry_point"))}
        return sorted(items, key=lambda item: (item["name"], order.get(item["source"], 9)))

    def _plugin_dict(
        self, name: str, entry: Discovered | None, state: JobState | None, stored: Mapping[str, Any]
    ) -> dict[str, Any]:
        """A plugin as the API shows it: what it is, whether it runs, its schedule, settings and job."""
        cls = entry.plugin_class if entry is not None else None
        error = entry.error if entry is not None else MISSING_ERROR
        config: dict[str, Any] = {}
        if entry is not None and entry.ok and cls is not None:
            try:
                loaded = self._load_config(entry, self._config_input(name, stored))
                schema = cls.config_schema
                config = _json_value(schema().dump(loaded) if schema is not None else loaded)
            except ValidationError as exc:
                error = f"settings: {exc.message}"
        enabled = state is not None and state.spec.enabled
        if entry is None:
            status = "missing"
        elif error:
            status = "broken"
        else:
            status = "enabled" if enabled else "disabled"
        schedule = cls.default_schedule if cls is not None else None
        default_schedule = dict(schedule) if isinstance(schedule, Mapping) else None
        return {
            "name": name,
            "version": cls.version if cls is not None and isinstance(cls.version, str) else None,
            "description": cls.description if cls is not None and isinstance(cls.description, str) else "",
            "source": entry.source if entry is not None else None,
            "module": entry.module if entry is not None else None,
            "location": entry.location if entry is not None else None,
            "builtin": entry is not None and entry.source == "builtin",
            "status": status,
            "error": error,
            "enabled": enabled,
            "registered": state is not None,
            "job_id": job_id_of(name),
            "default_schedule": default_schedule,
            "schedule": dict(state.spec.trigger) if state is not None else default_schedule,
            "config": config,
            "config_keys": config_keys(cls) if cls is not None and entry is not None and entry.ok else [],
            "job": self.jobs.job_dict(state) if state is not None else None,
        }


def _not_found(name: str) -> NotFound:
    return NotFound(f"no plugin {name!r}", {"name": name})
