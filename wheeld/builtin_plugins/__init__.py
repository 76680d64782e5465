"""The built-in plugins: `earnings_alert`, `volatility_spike` and `premium_target` (FR-27).

Each module here is a symbolic link to the file of the same name in the repository's `plugins/`
directory (as `wheeld/schema.sql` links to `schema.sql`): one copy of the code, readable as an example
at the top of the repository and installed inside the package (wheels and the zipapp copy the files).
They load like any plugin and are always listed; `plugins.enabled` turns them on.
"""
