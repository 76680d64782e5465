"""The JobStore contract, pinned on MemoryJobStore and SqliteJobStore alike (the `store` fixture)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from wheeld.errors import NotFound, ValidationError
from wheeld.scheduler.jobs import (
    INTERRUPTED_ERROR,
    JobSpec,
    JobStore,
    validate_job_changes,
)

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
PRICE_REFRESH = JobSpec(
    id="price_refresh",
    kind="core",
    trigger={"type": "interval", "seconds": 300},
    market_hours_only=True,
    description="refresh quotes",
)
RISK_MONITOR = JobSpec(id="risk_monitor", kind="core", trigger={"type": "interval", "seconds": 900})


async def test_defaults_are_inserted_only_when_missing(store: JobStore) -> None:
    assert await store.insert_default_jobs([PRICE_REFRESH, RISK_MONITOR]) == [
        "price_refresh",
        "risk_monitor",
    ]
    changed = {"type": "interval", "seconds": 600}
    await store.update_job("price_refresh", trigger=changed, enabled=False)
    # The next start-up offers the defaults again: the user's changes survive.
    assert await store.insert_default_jobs([PRICE_REFRESH, RISK_MONITOR]) == []
    job = await store.get_job("price_refresh")
    assert job is not None
    assert job.spec.trigger == changed
    assert job.spec.enabled is False
    assert [job.id for job in await store.load_jobs()] == ["price_refresh", "risk_monitor"]


async def test_schedule_changes_clear_the_next_due_time_and_others_keep_it(store: JobStore) -> None:
    await store.insert_default_jobs([PRICE_REFRESH])
    await store.set_next_run("price_refresh", T0)
    job = await store.update_job("price_refresh", description="quotes", timeout_seconds=60)
    assert job.next_run_at == T0
    assert job.spec.timeout_seconds == 60
    for field, value in [
        ("trigger", {"type": "interval", "seconds": 600}),
        ("enabled", True),
        ("market_hours_only", False),
    ]:
        await store.set_next_run("price_refresh", T0)
        job = await store.update_job("price_refresh", **{field: value})
        assert job.next_run_at is None, field


async def test_unknown_jobs_are_not_found(store: JobStore) -> None:
    assert await store.get_job("nope") is None
    with pytest.raises(NotFound):
        await store.update_job("nope", enabled=False)
    with pytest.raises(NotFound):
        await store.start_run("nope", T0, "manual")
    assert await store.claim_due("nope", T0, None) is False
    assert await store.delete_job("nope") is False


async def test_a_due_time_can_be_claimed_once(store: JobStore) -> None:
    await store.insert_default_jobs([PRICE_REFRESH])
    await store.set_next_run("price_refresh", T0)
    later = T0 + timedelta(minutes=5)
    assert await store.claim_due("price_refresh", T0, later) is True
    assert await store.claim_due("price_refresh", T0, later) is False
    job = await store.get_job("price_refresh")
    assert job is not None and job.next_run_at == later


async def test_run_lifecycle_sets_last_run_and_status(store: JobStore) -> None:
    await store.insert_default_jobs([PRICE_REFRESH])
    run_id = await store.start_run("price_refresh", T0, "schedule")
    job = await store.get_job("price_refresh")
    assert job is not None and job.running and job.last_run_at == T0 and job.last_status is None
    done = T0 + timedelta(seconds=2)
    assert await store.finish_run(run_id, done, "success", None, "12 quotes", 2000) is True
    assert await store.finish_run(run_id, done, "failure", "late", None, 1) is False
    job = await store.get_job("price_refresh")
    assert job is not None and not job.running and job.last_status == "success"
    # A skip is history, not a run: last_run_at and last_status stay.
    skipped = await store.record_skipped("price_refresh", done, "run 1 was still going")
    job = await store.get_job("price_refresh")
    assert job is not None and job.last_run_at == T0 and job.last_status == "success"
    runs, total = await store.list_runs("price_refresh")
    assert total == 2
    assert [(r.id, r.status, r.summary, r.duration_ms) for r in runs] == [
        (skipped, "skipped", "run 1 was still going", 0),
        (run_id, "success", "12 quotes", 2000),
    ]


async def test_runs_are_paginated_newest_first(store: JobStore) -> None:
    await store.insert_default_jobs([PRICE_REFRESH, RISK_MONITOR])
    ids = [await store.start_run("price_refresh", T0 + timedelta(minutes=i), "schedule") for i in range(5)]
    await store.start_run("risk_monitor", T0, "schedule")
    page, total = await store.list_runs("price_refresh", page=2, page_size=2)
    assert total == 5
    assert [run.id for run in page] == [ids[2], ids[1]]
    page, _ = await store.list_runs("price_refresh", page=3, page_size=2)
    assert [run.id for run in page] == [ids[0]]


async def test_prune_by_age_and_count_keeps_running_runs(store: JobStore) -> None:
    await store.insert_default_jobs([PRICE_REFRESH])
    old_running = await store.start_run("price_refresh", T0 - timedelta(days=40), "schedule")
    old = await store.start_run("price_refresh", T0 - timedelta(days=31), "schedule")
    await store.finish_run(old, T0 - timedelta(days=31), "success", None, None, 5)
    recent = []
    for minutes in range(4):
        run_id = await store.start_run("price_refresh", T0 - timedelta(minutes=minutes), "manual")
        await store.finish_run(run_id, T0, "success", None, None, 5)
        recent.append(run_id)
    assert await store.prune_runs(T0, max_age_days=30, max_per_job=3) == 2
    runs, _ = await store.list_runs("price_refresh")
    assert sorted(run.id for run in runs) == sorted([old_running, *recent[:3]])


async def test_runs_left_running_by_a_crash_become_cancelled(store: JobStore) -> None:
    await store.insert_default_jobs([PRICE_REFRESH])
    run_id = await store.start_run("price_refresh", T0, "schedule")
    restart = T0 + timedelta(hours=1)
    assert await store.mark_interrupted_runs(restart) == 1
    assert await store.mark_interrupted_runs(restart) == 0
    (run,), _ = await store.list_runs("price_refresh")
    assert (run.id, run.status, run.finished_at, run.error) == (
        run_id,
        "cancelled",
        restart,
        INTERRUPTED_ERROR,
    )
    job = await store.get_job("price_refresh")
    assert job is not None and not job.running and job.last_status == "cancelled"


async def test_delete_job_removes_its_history(store: JobStore) -> None:
    await store.insert_default_jobs([PRICE_REFRESH])
    await store.start_run("price_refresh", T0, "manual")
    assert await store.delete_job("price_refresh") is True
    assert await store.load_jobs() == []
    assert await store.list_runs("price_refresh") == ([], 0)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"enabled": False}, {"enabled": False}),
        (
            {"trigger": {"type": "cron", "expression": " 45 9 * * 1-5"}},
            {"trigger": {"type": "cron", "expression": "45 9 * * 1-5"}},
        ),
        ({"scope": 3, "timeout_seconds": 60}, {"scope": 3, "timeout_seconds": 60}),
        ({"scope": None, "description": "x"}, {"scope": None, "description": "x"}),
    ],
)
def test_validate_job_changes_accepts(changes: dict[str, Any], expected: dict[str, Any]) -> None:
    assert validate_job_changes(changes) == expected


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": "other"}, "id"),
        ({"kind": "plugin"}, "kind"),
        ({"next_run_at": "2026-01-01T00:00:00Z"}, "next_run_at"),
        ({"enabled": "yes"}, "enabled"),
        ({"market_hours_only": 1}, "market_hours_only"),
        ({"scope": "3"}, "scope"),
        ({"scope": True}, "scope"),
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"timeout_seconds": 6 * 3600 + 1}, "timeout_seconds"),
        ({"timeout_seconds": 1.5}, "timeout_seconds"),
        ({"description": 5}, "description"),
        ({"trigger": {"type": "interval", "seconds": 0}}, "trigger.seconds"),
        ({"trigger": {"type": "cron", "expression": "0 0 30 2 *"}}, "trigger.expression"),
    ],
)
def test_validate_job_changes_rejects(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_job_changes(changes)
    assert caught.value.details["field"] == field
