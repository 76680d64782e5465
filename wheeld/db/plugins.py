"""SQL for plugins: their stored settings (`plugins`) and each plugin's key-value store (`plugin_kv`)."""

from __future__ import annotations

import json
from typing import Any

import aiosqlite

from wheeld.db.connection import execute, fetch_all, fetch_one


async def stored_configs(conn: aiosqlite.Connection) -> dict[str, dict[str, Any]]:
    """Every plugin's settings set over the API, by plugin name."""
    rows = await fetch_all(conn, "SELECT name, config FROM plugins ORDER BY name")
    return {row["name"]: json.loads(row["config"]) for row in rows}


async def stored_config(conn: aiosqlite.Connection, name: str) -> dict[str, Any]:
    """One plugin's settings set over the API ({} when none)."""
    row = await fetch_one(conn, "SELECT config FROM plugins WHERE name = ?", (name,))
    return {} if row is None else json.loads(row["config"])


async def ensure_plugin(conn: aiosqlite.Connection, name: str, now: str) -> None:
    """Record a plugin as known (registered once), keeping what is stored for it."""
    await execute(
        conn,
        "INSERT INTO plugins (name, config, created_at, updated_at) VALUES (?, '{}', ?, ?)"
        " ON CONFLICT (name) DO NOTHING",
        (name, now, now),
    )


async def save_config(conn: aiosqlite.Connection, name: str, config: dict[str, Any], now: str) -> None:
    """Store a plugin's API-set settings (a JSON object), creating its row if needed."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"))
    await execute(
        conn,
        "INSERT INTO plugins (name, config, created_at, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at",
        (name, text, now, now),
    )


async def kv_get(conn: aiosqlite.Connection, plugin: str, key: str) -> str | None:
    """The JSON text stored under a plugin's key, or None."""
    row = await fetch_one(conn, "SELECT value FROM plugin_kv WHERE plugin = ? AND key = ?", (plugin, key))
    return None if row is None else str(row["value"])


async def kv_set(conn: aiosqlite.Connection, plugin: str, key: str, value: str, now: str) -> None:
    """Store JSON text under a plugin's key (replacing what was there)."""
    await execute(
        conn,
        "INSERT INTO plugin_kv (plugin, key, value, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (plugin, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        (plugin, key, value, now),
    )


async def kv_delete(conn: aiosqlite.Connection, plugin: str, key: str) -> int:
    """Remove a plugin's key; returns rows deleted."""
    return await execute(conn, "DELETE FROM plugin_kv WHERE plugin = ? AND key = ?", (plugin, key))
