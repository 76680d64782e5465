"""Is a wheeld daemon serving this database? Asked over HTTP, at the configured address, before writing to it.

The daemon owns its database: a command that writes behind its back would leave its caches stale
(they only see the daemon's own writes). SQLite's locking keeps the file itself consistent, so this
check is about freshness and intent, and it can only see a daemon listening where the configuration
says; one started with another `--port` goes unnoticed.
"""

from __future__ import annotations

import os
from pathlib import Path

import aiohttp

from wheeld.config import Config

_ANY_ADDRESS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def daemon_base_url(config: Config) -> str:
    """The URL at which this configuration's daemon answers (a wildcard bind is reached on loopback)."""
    host = _ANY_ADDRESS.get(config["server.host"], config["server.host"])
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{config['server.port']}"


def _same_file(reported: str, ours: Path) -> bool:
    theirs = Path(reported)
    if theirs.exists() and ours.exists():
        return os.path.samefile(theirs, ours)
    return theirs.resolve() == ours.resolve()


async def daemon_serving(config: Config, timeout: float = 2.0) -> str | None:
    """A sentence naming the running daemon that serves `config`'s database, or None if none answers for it."""
    base = daemon_base_url(config)
    token = config["server.api_token"]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
            session.get(f"{base}/api/v1/system/info", headers=headers) as response,
        ):
            status = response.status
            body = await response.json(content_type=None)
    except (TimeoutError, aiohttp.ClientError, ValueError):
        return None  # nothing there, or not an HTTP JSON service
    if not isinstance(body, dict):
        return None
    data, error = body.get("data"), body.get("error")
    if status == 200 and isinstance(data, dict) and isinstance(data.get("db_path"), str):
        if _same_file(data["db_path"], config.database_path):
            return f"a wheeld daemon at {base} is serving {config.database_path}"
        return None
    if isinstance(error, dict) and "code" in error:
        # It speaks wheeld's envelope but will not say which database it has (a token we lack, a Host
        # check): assume the worst.
        return f"a wheeld daemon answers at {base} but would not say which database it serves ({error['code']})"
    return None
