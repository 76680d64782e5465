"""The `wheel` CLI: the old tool's commands over the daemon's API, or in direct mode over its database."""
