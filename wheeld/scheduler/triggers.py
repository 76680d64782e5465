"""When a job is due: interval and cron triggers, parsed from their stored specs, as pure functions.

Specs are JSON objects stored with each job:

- ``{"type": "interval", "seconds": N}`` — every N seconds of elapsed time, N from
  ``MIN_INTERVAL_SECONDS`` (60) to ``MAX_INTERVAL_SECONDS`` (31 days). Ticks lie on a fixed grid
  (anchored on the previous due time, or on the Unix epoch when there is none), so they never
  drift and a 5-minute job lands on :00, :05, … — in New York that puts a tick on 09:30.
- ``{"type": "cron", "expression": "m h dom mon dow"}`` — five standard cron fields evaluated in
  America/New_York wall time. Across daylight-saving changes it behaves like Vixie cron: a time
  skipped when clocks go forward runs at the first instant after the gap (02:30 → 03:00 EDT);
  in the hour repeated when clocks go back, a fixed-time job runs once (the first pass), while a
  job whose minute or hour field starts with ``*`` runs in both passes (it means "every …").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from croniter import CroniterError, croniter

from wheeld.clock import NEW_YORK
from wheeld.errors import ValidationError

# A minute matches cron's own granularity and keeps run history bounded (1,440 rows a day at most);
# nothing in wheeld needs fresher data than the 5-minute quote cache gives.
MIN_INTERVAL_SECONDS = 60
# Anything rarer than monthly is clearer as a cron expression.
MAX_INTERVAL_SECONDS = 31 * 24 * 3600

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# A fixed-time expression has at most 60 matches inside one repeated hour.
_MAX_SKIPPED_MATCHES = 120


@dataclass(frozen=True)
class IntervalTrigger:
    """Due every `seconds` seconds of elapsed time, on a fixed grid."""

    seconds: int

    def as_spec(self) -> dict[str, Any]:
        """The JSON spec this trigger was parsed from (normalized)."""
        return {"type": "interval", "seconds": self.seconds}


@dataclass(frozen=True)
class CronTrigger:
    """Due at the times a five-field cron expression names, in New York wall time."""

    expression: str

    def as_spec(self) -> dict[str, Any]:
        """The JSON spec this trigger was parsed from (normalized)."""
        return {"type": "cron", "expression": self.expression}

    @property
    def repeats_in_repeated_hour(self) -> bool:
        """Whether it fires again in the hour repeated when clocks go back (Vixie's wildcard rule)."""
        minute, hour = self.expression.split()[:2]
        return minute.startswith("*") or hour.startswith("*")


Trigger = IntervalTrigger | CronTrigger
TriggerType = Literal["interval", "cron"]
TRIGGER_TYPES: tuple[TriggerType, ...] = ("interval", "cron")

# Checked once at parse time: croniter gives up on an expression with no match in this many years
# ("0 0 30 2 *"), which is what "impossible" means here.
_CRON_REFERENCE = datetime(2026, 1, 1, tzinfo=NEW_YORK)


def parse_trigger(spec: Any) -> Trigger:
    """Validate a trigger spec and return the trigger it describes, or raise ValidationError."""
    if not isinstance(spec, dict):
        raise ValidationError.field("trigger", spec, "must be an object with a 'type'")
    kind = spec.get("type")
    if kind == "interval":
        _reject_extra_keys(spec, {"type", "seconds"})
        return IntervalTrigger(_parse_interval_seconds(spec.get("seconds")))
    if kind == "cron":
        _reject_extra_keys(spec, {"type", "expression"})
        return CronTrigger(_parse_cron_expression(spec.get("expression")))
    raise ValidationError.field("trigger.type", kind, "must be one of: interval, cron")


def _reject_extra_keys(spec: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(spec) - allowed)
    if extra:
        raise ValidationError.field(f"trigger.{extra[0]}", spec[extra[0]], f"unknown key for a {spec['type']} trigger")


def _parse_interval_seconds(value: Any) -> int:
    # bool is an int in Python; `true` seconds is a client bug, not 1 second.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError.field("trigger.seconds", value, "must be a whole number of seconds")
    if not MIN_INTERVAL_SECONDS <= value <= MAX_INTERVAL_SECONDS:
        raise ValidationError.field(
            "trigger.seconds",
            value,
            f"must be between {MIN_INTERVAL_SECONDS} and {MAX_INTERVAL_SECONDS}",
        )
    return value


def _parse_cron_expression(value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError.field("trigger.expression", value, "must be a string")
    fields = value.split()
    if len(fields) != 5:
        raise ValidationError.field("trigger.expression", value, "must have five fields: minute hour day month weekday")
    # croniter's H (hashed) and R (random) fields would make due times depend on more than the text.
    if any(field[:1].upper() in ("H", "R") for field in fields):
        raise ValidationError.field("trigger.expression", value, "hashed (H) and random (R) fields are not supported")
    expression = " ".join(fields)
    if not croniter.is_valid(expression):
        raise ValidationError.field("trigger.expression", value, "is not a valid cron expression")
    try:
        croniter(expression, _CRON_REFERENCE).get_next(datetime)
    except CroniterError:
        raise ValidationError.field("trigger.expression", value, "never matches a real date") from None
    return expression


def next_run_after(trigger: Trigger, after: datetime, last_run: datetime | None = None) -> datetime:
    """The first due time strictly after `after`, as an aware UTC datetime.

    `last_run` is the previous *due* time (not when that run actually started): an interval
    continues its grid from it; a cron trigger ignores it and counts from `after`, so missed
    ticks are never replayed.
    """
    if after.tzinfo is None:
        raise ValueError("next_run_after needs an aware datetime")
    if isinstance(trigger, IntervalTrigger):
        return _next_interval_tick(trigger, after, last_run)
    return _next_cron_tick(trigger, after)


def _next_interval_tick(trigger: IntervalTrigger, after: datetime, last_run: datetime | None) -> datetime:
    anchor = _EPOCH if last_run is None else last_run.astimezone(UTC)
    step = timedelta(seconds=trigger.seconds)
    # At least one step past the anchor, so a due time is never handed out twice.
    steps = max(1, (after.astimezone(UTC) - anchor) // step + 1)
    return anchor + steps * step


def _next_cron_tick(trigger: CronTrigger, after: datetime) -> datetime:
    matches = croniter(trigger.expression, after.astimezone(NEW_YORK))
    for _ in range(_MAX_SKIPPED_MATCHES):
        # Through UTC: astimezone() to the zone a datetime already has would keep a stale fold.
        candidate = matches.get_next(datetime).astimezone(UTC)
        if trigger.repeats_in_repeated_hour or not _is_second_pass(candidate.astimezone(NEW_YORK)):
            return candidate
    raise AssertionError(f"cron {trigger.expression!r} kept matching inside a repeated hour")


def _is_second_pass(local: datetime) -> bool:
    """Whether a New York time lies in the second pass of the hour repeated when clocks go back."""
    return local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset()


def describe(trigger: Trigger) -> str:
    """A short human description, e.g. 'every 5 minutes' or 'cron 45 9 * * 1-5 (New York time)'."""
    if isinstance(trigger, CronTrigger):
        return f"cron {trigger.expression} (New York time)"
    for unit_seconds, unit in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if trigger.seconds % unit_seconds == 0:
            count = trigger.seconds // unit_seconds
            return f"every {unit}" if count == 1 else f"every {count} {unit}s"
    raise AssertionError("unreachable: every whole number is a multiple of one second")
