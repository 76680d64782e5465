"""Trigger parsing and next-run times, as tables a trader can check by hand (New York wall time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from wheeld.clock import NEW_YORK
from wheeld.errors import ValidationError
from wheeld.scheduler.triggers import (
    MAX_INTERVAL_SECONDS,
    MIN_INTERVAL_SECONDS,
    CronTrigger,
    IntervalTrigger,
    describe,
    next_run_after,
    parse_trigger,
)


def ny(*parts: int, fold: int = 0) -> datetime:
    """An aware New York datetime."""
    return datetime(*parts, tzinfo=NEW_YORK, fold=fold)


def utc(*parts: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("spec", "trigger"),
    [
        ({"type": "interval", "seconds": 300}, IntervalTrigger(300)),
        ({"type": "interval", "seconds": MIN_INTERVAL_SECONDS}, IntervalTrigger(60)),
        ({"type": "interval", "seconds": MAX_INTERVAL_SECONDS}, IntervalTrigger(2_678_400)),
        ({"type": "cron", "expression": "45 9 * * 1-5"}, CronTrigger("45 9 * * 1-5")),
        ({"type": "cron", "expression": "  30 16  * * 1-5 "}, CronTrigger("30 16 * * 1-5")),
        ({"type": "cron", "expression": "0 9 * * mon-fri"}, CronTrigger("0 9 * * mon-fri")),
        ({"type": "cron", "expression": "0 9 * * 5#3"}, CronTrigger("0 9 * * 5#3")),
        ({"type": "cron", "expression": "0 0 29 2 *"}, CronTrigger("0 0 29 2 *")),
    ],
)
def test_parse_accepts_and_normalizes(spec: dict[str, Any], trigger: object) -> None:
    assert parse_trigger(spec) == trigger
    assert parse_trigger(parse_trigger(spec).as_spec()) == trigger


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"type": "interval", "seconds": 0}, "trigger.seconds"),
        ({"type": "interval", "seconds": -300}, "trigger.seconds"),
        ({"type": "interval", "seconds": MIN_INTERVAL_SECONDS - 1}, "trigger.seconds"),
        ({"type": "interval", "seconds": MAX_INTERVAL_SECONDS + 1}, "trigger.seconds"),
        ({"type": "interval", "seconds": 300.0}, "trigger.seconds"),
        ({"type": "interval", "seconds": "300"}, "trigger.seconds"),
        ({"type": "interval", "seconds": True}, "trigger.seconds"),
        ({"type": "interval"}, "trigger.seconds"),
        ({"type": "interval", "seconds": 300, "jitter": 5}, "trigger.jitter"),
        ({"type": "interval", "seconds": 300, "expression": "* * * * *"}, "trigger.expression"),
        ({"type": "cron", "expression": "0 0 30 2 *"}, "trigger.expression"),
        ({"type": "cron", "expression": "0 0 31 4,6,9,11 *"}, "trigger.expression"),
        ({"type": "cron", "expression": "61 * * * *"}, "trigger.expression"),
        ({"type": "cron", "expression": "0 25 * * *"}, "trigger.expression"),
        ({"type": "cron", "expression": "* * * *"}, "trigger.expression"),
        ({"type": "cron", "expression": "0 0 9 * * *"}, "trigger.expression"),
        ({"type": "cron", "expression": "@daily"}, "trigger.expression"),
        ({"type": "cron", "expression": "H 9 * * *"}, "trigger.expression"),
        ({"type": "cron", "expression": "R 9 * * *"}, "trigger.expression"),
        ({"type": "cron", "expression": ""}, "trigger.expression"),
        ({"type": "cron", "expression": 5}, "trigger.expression"),
        ({"type": "cron"}, "trigger.expression"),
        ({"type": "cron", "expression": "0 9 * * *", "timezone": "UTC"}, "trigger.timezone"),
        ({"type": "weekly"}, "trigger.type"),
        ({"seconds": 300}, "trigger.type"),
        ({}, "trigger.type"),
        ("every 5 minutes", "trigger"),
        (None, "trigger"),
    ],
)
def test_parse_rejects_with_the_field_named(spec: Any, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_trigger(spec)
    assert caught.value.status == 400
    assert caught.value.details["field"] == field
    assert set(caught.value.details) == {"field", "value", "constraint"}


# (seconds, after, previous due time, expected next due time, why)
INTERVAL_TABLE = [
    (300, utc(2026, 6, 1, 14, 2, 30), utc(2026, 6, 1, 14, 0), utc(2026, 6, 1, 14, 5), "mid-step"),
    (300, utc(2026, 6, 1, 14, 5), utc(2026, 6, 1, 14, 0), utc(2026, 6, 1, 14, 10), "on a tick"),
    (
        300,
        datetime(2026, 6, 1, 14, 4, 59, 999_999, tzinfo=UTC),
        utc(2026, 6, 1, 14, 0),
        utc(2026, 6, 1, 14, 5),
        "a microsecond early",
    ),
    (300, utc(2026, 6, 1, 17, 0, 1), utc(2026, 6, 1, 14, 0), utc(2026, 6, 1, 17, 5), "3 h down"),
    (300, utc(2026, 6, 1, 14, 0), utc(2026, 6, 1, 14, 10), utc(2026, 6, 1, 14, 15), "never twice"),
    (420, utc(2026, 6, 1, 14, 0), utc(2026, 6, 1, 14, 0), utc(2026, 6, 1, 14, 7), "7 minutes"),
    (300, utc(2026, 6, 1, 14, 2, 30), None, utc(2026, 6, 1, 14, 5), "no anchor: :05 grid"),
    (90, utc(2026, 1, 1, 0, 0), None, utc(2026, 1, 1, 0, 1, 30), "no anchor: epoch grid"),
    # Elapsed time, not wall time: one hour after 01:30 EST is 03:30 EDT.
    (3600, utc(2026, 3, 8, 6, 30), utc(2026, 3, 8, 6, 30), utc(2026, 3, 8, 7, 30), "spring fwd"),
    # 01:00 EDT, then an hour later 01:00 EST — the repeated hour counts.
    (3600, utc(2026, 11, 1, 5, 0), utc(2026, 11, 1, 5, 0), utc(2026, 11, 1, 6, 0), "fall back"),
    (
        300,
        ny(2026, 3, 8, 1, 58),
        ny(2026, 3, 8, 1, 55),
        ny(2026, 3, 8, 3, 0),
        "01:55 EST + 5 min = 03:00 EDT",
    ),
]


@pytest.mark.parametrize(
    ("seconds", "after", "last_run", "expected"),
    [row[:4] for row in INTERVAL_TABLE],
    ids=[row[4] for row in INTERVAL_TABLE],
)
def test_interval_next_run(seconds: int, after: datetime, last_run: datetime | None, expected: datetime) -> None:
    due = next_run_after(IntervalTrigger(seconds), after, last_run)
    assert due == expected.astimezone(UTC)
    assert due.utcoffset() == timedelta(0)


# (expression, after, expected next due time, why) — New York wall times.
CRON_TABLE = [
    ("45 9 * * 1-5", ny(2026, 11, 20, 10, 0), ny(2026, 11, 23, 9, 45), "Fri → Mon"),
    ("30 16 * * 1-5", ny(2026, 11, 23, 16, 30), ny(2026, 11, 24, 16, 30), "strictly after"),
    ("*/5 * * * *", ny(2026, 6, 1, 10, 2, 31), ny(2026, 6, 1, 10, 5), "every 5 min"),
    ("0 9 * * 5#3", ny(2026, 1, 1, 0, 0), ny(2026, 1, 16, 9, 0), "third Friday"),
    # Spring forward, Sunday 2026-03-08: 02:00 EST becomes 03:00 EDT.
    ("0 9 * * *", ny(2026, 3, 7, 9, 0), ny(2026, 3, 8, 9, 0), "09:00 EST → 09:00 EDT"),
    ("30 2 * * *", ny(2026, 3, 8, 0, 0), ny(2026, 3, 8, 3, 0), "skipped 02:30 runs at 03:00"),
    ("30 2 * * *", ny(2026, 3, 8, 3, 0), ny(2026, 3, 9, 2, 30), "once, then back to 02:30"),
    ("0 * * * *", ny(2026, 3, 8, 1, 0), ny(2026, 3, 8, 3, 0), "hourly: 01:00 EST → 03:00 EDT"),
    # Fall back, Sunday 2026-11-01: 02:00 EDT becomes 01:00 EST; 01:xx happens twice.
    ("0 12 * * *", ny(2026, 10, 31, 12, 0), ny(2026, 11, 1, 12, 0), "12:00 EDT → 12:00 EST"),
    ("30 1 * * *", ny(2026, 11, 1, 0, 0), ny(2026, 11, 1, 1, 30), "first 01:30 (EDT)"),
    ("30 1 * * *", ny(2026, 11, 1, 1, 30), ny(2026, 11, 2, 1, 30), "not the second 01:30"),
    ("30 1 * * *", ny(2026, 11, 1, 1, 10, fold=1), ny(2026, 11, 2, 1, 30), "in the 2nd pass"),
    ("*/30 * * * *", ny(2026, 11, 1, 1, 30), ny(2026, 11, 1, 1, 0, fold=1), "01:30 EDT → 01:00 EST"),
    ("0 * * * *", ny(2026, 11, 1, 1, 0), ny(2026, 11, 1, 1, 0, fold=1), "hourly: both 01:00s"),
]


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [row[:3] for row in CRON_TABLE],
    ids=[row[3] for row in CRON_TABLE],
)
def test_cron_next_run(expression: str, after: datetime, expected: datetime) -> None:
    due = next_run_after(CronTrigger(expression), after, None)
    # Through UTC: Python never calls a time in a repeated hour equal to one in another zone.
    assert due == expected.astimezone(UTC)
    assert due.utcoffset() == timedelta(0)


def test_cron_ignores_the_previous_due_time() -> None:
    trigger = CronTrigger("45 9 * * 1-5")
    after = ny(2026, 11, 23, 12, 0)
    assert next_run_after(trigger, after, ny(2026, 11, 2, 9, 45)) == ny(2026, 11, 24, 9, 45)


@pytest.mark.parametrize(
    ("start", "utc_hours"),
    [
        # 09:00 New York is 14:00 UTC in winter and 13:00 UTC in summer.
        (ny(2026, 3, 6, 12, 0), [14, 13, 13, 13]),
        (ny(2026, 10, 30, 12, 0), [13, 14, 14, 14]),
    ],
    ids=["spring forward", "fall back"],
)
def test_daily_cron_keeps_new_york_wall_time_across_dst(start: datetime, utc_hours: list[int]) -> None:
    trigger = CronTrigger("0 9 * * *")
    due, seen = start, []
    for _ in utc_hours:
        due = next_run_after(trigger, due, None)
        assert due.astimezone(NEW_YORK).hour == 9
        seen.append(due.hour)
    assert seen == utc_hours


def test_fixed_time_cron_runs_once_on_the_fall_back_day() -> None:
    trigger = CronTrigger("30 1 * * *")
    due, runs = ny(2026, 10, 31, 12, 0), []
    while due < ny(2026, 11, 3, 0, 0):
        due = next_run_after(trigger, due, None)
        runs.append(due.astimezone(NEW_YORK).date().isoformat())
    assert runs == ["2026-11-01", "2026-11-02", "2026-11-03"]


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_run_after(IntervalTrigger(300), datetime(2026, 1, 1), None)


@pytest.mark.parametrize(
    ("trigger", "text"),
    [
        (IntervalTrigger(60), "every minute"),
        (IntervalTrigger(300), "every 5 minutes"),
        (IntervalTrigger(90), "every 90 seconds"),
        (IntervalTrigger(3600), "every hour"),
        (IntervalTrigger(5400), "every 90 minutes"),
        (IntervalTrigger(86400), "every day"),
        (IntervalTrigger(172800), "every 2 days"),
        (CronTrigger("45 9 * * 1-5"), "cron 45 9 * * 1-5 (New York time)"),
    ],
)
def test_describe(trigger: IntervalTrigger | CronTrigger, text: str) -> None:
    assert describe(trigger) == text
