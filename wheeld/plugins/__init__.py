"""Plugins: user automation on the scheduler (FR-24..FR-27). Write one by subclassing `Plugin`.

The public API of a plugin is `Plugin` (what it declares and the hooks wheeld calls) and
`PluginContext` (what a run may read and do); see docs/plugins.md.
"""

from wheeld.plugins.base import Plugin, PluginResult, cron, every
from wheeld.plugins.context import PluginContext, PluginStore

__all__ = ["Plugin", "PluginContext", "PluginResult", "PluginStore", "cron", "every"]
