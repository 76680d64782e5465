"""Pure domain logic: no I/O, no aiohttp, no aiosqlite, no clock reads."""
