"""The market's time zone: New York, where a session's date and the 4 p.m. settlement are read."""

from __future__ import annotations

from zoneinfo import ZoneInfo

# The one definition; `wheeld.clock` and every layer above take it from here.
NEW_YORK = ZoneInfo("America/New_York")
