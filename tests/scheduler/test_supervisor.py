"""The supervisor on simulated time: coalescing, timeouts, one instance, failures, shutdown, the gate."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from tests.scheduler.conftest import FakeCalendar, SteppedClock
from wheeld.clock import NEW_YORK, FrozenClock
from wheeld.errors import InvalidState, NotFound
from wheeld.scheduler.jobs import (
    INTERRUPTED_ERROR,
    JobContext,
    JobHandler,
    JobSpec,
    MemoryJobStore,
    RunRecord,
    RunRetention,
)
from wheeld.scheduler.supervisor import Supervisor

EVERY_5_MIN = {"type": "interval", "seconds": 300}


def ny(*parts: int) -> datetime:
    """An aware New York datetime."""
    return datetime(*parts, tzinfo=NEW_YORK)


def job(job_id: str = "price_refresh", **fields: Any) -> JobSpec:
    """A core job, every 5 minutes unless told otherwise."""
    return JobSpec(id=job_id, kind="core", trigger=fields.pop("trigger", EVERY_5_MIN), **fields)


class Recorder:
    """A handler that remembers each context it ran with."""

    def __init__(self, summary: str | dict[str, Any] | None = "ok") -> None:
        self.calls: list[JobContext] = []
        self.summary = summary

    async def __call__(self, context: JobContext) -> str | dict[str, Any] | None:
        self.calls.append(context)
        return self.summary


class Gate:
    """A handler that blocks until released (a slow job), or forever (a hung one)."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered = asyncio.Event()  # set once the handler is running: wait on it, not on the clock
        self.started = 0

    async def __call__(self, context: JobContext) -> str:
        self.started += 1
        self.entered.set()
        await self.release.wait()
        return "released"


async def boom(context: JobContext) -> str:
    """A handler whose job always fails."""
    raise ValueError("boom")


async def supervisor_with(
    clock: FrozenClock,
    calendar: FakeCalendar,
    specs: list[JobSpec],
    handlers: dict[str, JobHandler],
    store: MemoryJobStore | None = None,
    **options: Any,
) -> tuple[Supervisor, MemoryJobStore]:
    """A loaded supervisor over a MemoryJobStore holding `specs`."""
    store = store or MemoryJobStore()
    await store.insert_default_jobs(specs)
    supervisor = Supervisor(store, clock, calendar, handlers=handlers, **options)
    await supervisor.load()
    return supervisor, store


async def runs_of(store: MemoryJobStore, job_id: str) -> list[RunRecord]:
    """A job's runs, oldest first."""
    return [run for run in await store.all_runs() if run.job_id == job_id]


async def test_interval_job_runs_on_its_grid(calendar: FakeCalendar) -> None:
    clock = FrozenClock(ny(2026, 11, 23, 10, 2))
    recorder = Recorder({"quotes": 12})
    supervisor, store = await supervisor_with(clock, calendar, [job()], {"price_refresh": recorder})
    await supervisor.run_until(ny(2026, 11, 23, 11, 0))
    runs = await runs_of(store, "price_refresh")
    assert [run.started_at for run in runs] == [ny(2026, 11, 23, 10, 5) + timedelta(minutes=5 * i) for i in range(12)]
    assert {run.status for run in runs} == {"success"}
    assert {run.summary for run in runs} == {'{"quotes": 12}'}
    assert [c.scheduled_for for c in recorder.calls] == [run.started_at for run in runs]
    assert {c.trigger for c in recorder.calls} == {"schedule"}
    state = await store.get_job("price_refresh")
    assert state is not None and state.next_run_at == ny(2026, 11, 23, 11, 5)
    assert state.last_run_at == ny(2026, 11, 23, 11, 0) and state.last_status == "success"


async def test_missed_runs_after_downtime_coalesce_into_one(calendar: FakeCalendar) -> None:
    store = MemoryJobStore()
    await store.insert_default_jobs([job()])
    # The daemon went down after scheduling 10:00 and comes back three hours later.
    await store.set_next_run("price_refresh", ny(2026, 11, 23, 10, 0))
    clock = FrozenClock(ny(2026, 11, 23, 13, 0, 0))
    supervisor, _ = await supervisor_with(clock, calendar, [], {"price_refresh": Recorder()}, store)
    await supervisor.run_until(ny(2026, 11, 23, 13, 4, 59))
    runs = await runs_of(store, "price_refresh")
    assert [run.started_at for run in runs] == [ny(2026, 11, 23, 13, 0)]
    state = await store.get_job("price_refresh")
    assert state is not None and state.next_run_at == ny(2026, 11, 23, 13, 5)


async def test_gated_job_due_while_closed_moves_to_the_open_silently(calendar: FakeCalendar) -> None:
    store = MemoryJobStore()
    await store.insert_default_jobs([job(market_hours_only=True)])
    # Down from Friday's 15:55 run until Monday 08:00.
    await store.set_next_run("price_refresh", ny(2026, 11, 20, 15, 55))
    clock = FrozenClock(ny(2026, 11, 23, 8, 0))
    supervisor, _ = await supervisor_with(clock, calendar, [], {"price_refresh": Recorder()}, store)
    await supervisor.run_until(ny(2026, 11, 23, 9, 29))
    assert await store.all_runs() == []
    state = await store.get_job("price_refresh")
    assert state is not None and state.next_run_at == ny(2026, 11, 23, 9, 30)
    await supervisor.run_until(ny(2026, 11, 23, 9, 30))
    assert [run.started_at for run in await store.all_runs()] == [ny(2026, 11, 23, 9, 30)]


async def test_a_hung_handler_is_recorded_as_timeout_and_the_job_goes_on(calendar: FakeCalendar) -> None:
    clock = FrozenClock(ny(2026, 11, 23, 10, 2))
    hung = Gate()
    supervisor, store = await supervisor_with(clock, calendar, [job(timeout_seconds=60)], {"price_refresh": hung})
    await supervisor.run_until(ny(2026, 11, 23, 10, 10))
    first, second = await runs_of(store, "price_refresh")
    assert (first.status, first.error, first.duration_ms) == ("timeout", "timed out after 60 s", 60_000)
    assert first.finished_at == ny(2026, 11, 23, 10, 6)
    assert (second.status, second.started_at) == ("running", ny(2026, 11, 23, 10, 10))
    assert hung.started == 2
    await supervisor.stop()


async def test_one_instance_at_a_time_later_ticks_are_skipped(calendar: FakeCalendar) -> None:
    clock = FrozenClock(ny(2026, 11, 23, 10, 0, 30))
    slow = Gate()
    spec = job(trigger={"type": "interval", "seconds": 60}, timeout_seconds=600)
    supervisor, store = await supervisor_with(clock, calendar, [spec], {"price_refresh": slow})
    await supervisor.run_until(ny(2026, 11, 23, 10, 3, 30))
    first, *skipped = await runs_of(store, "price_refresh")
    assert first.status == "running" and first.started_at == ny(2026, 11, 23, 10, 1)
    assert [(run.status, run.started_at) for run in skipped] == [
        ("skipped", ny(2026, 11, 23, 10, 2)),
        ("skipped", ny(2026, 11, 23, 10, 3)),
    ]
    assert {run.summary for run in skipped} == {f"run {first.id} was still going"}
    slow.release.set()
    await supervisor.run_until(ny(2026, 11, 23, 10, 4))
    runs = await runs_of(store, "price_refresh")
    assert [run.status for run in runs] == ["success", "skipped", "skipped", "success"]
    assert runs[0].duration_ms == 150_000  # released at 10:03:30
    assert slow.started == 2
    state = await store.get_job("price_refresh")
    assert state is not None and state.last_run_at == ny(2026, 11, 23, 10, 4)


async def test_a_job_that_raises_is_a_failure_and_others_keep_running(
    calendar: FakeCalendar, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FrozenClock(ny(2026, 11, 23, 10, 2))
    healthy = Recorder()
    supervisor, store = await supervisor_with(
        clock,
        calendar,
        [job("risk_monitor"), job("price_refresh")],
        {"risk_monitor": boom, "price_refresh": healthy},
    )
    with caplog.at_level(logging.ERROR, logger="wheeld.scheduler"):
        await supervisor.run_until(ny(2026, 11, 23, 10, 30))
    failures = await runs_of(store, "risk_monitor")
    assert [run.status for run in failures] == ["failure"] * 6
    assert {run.error for run in failures} == {"ValueError: boom"}
    assert len(healthy.calls) == 6
    # On error the due time still moves forward.
    state = await store.get_job("risk_monitor")
    assert state is not None and state.next_run_at == ny(2026, 11, 23, 10, 35)
    assert state.last_status == "failure"
    assert "ValueError: boom" in caplog.text


async def test_stop_cancels_running_jobs_and_records_them(calendar: FakeCalendar) -> None:
    clock = FrozenClock(ny(2026, 11, 23, 10, 4))
    hung = Gate()
    supervisor, store = await supervisor_with(
        clock,
        calendar,
        [job(), job("risk_monitor", enabled=False)],
        {"price_refresh": hung, "risk_monitor": Gate()},
    )
    await supervisor.run_until(ny(2026, 11, 23, 10, 5))
    manual = await supervisor.run_now("risk_monitor")  # stopped before its first step
    assert supervisor.status()["jobs"]["running"] == 2
    await supervisor.stop()
    runs = await store.all_runs()
    assert [(run.job_id, run.status, run.error) for run in runs] == [
        ("price_refresh", "cancelled", "cancelled: the scheduler stopped"),
        ("risk_monitor", "cancelled", "cancelled: the scheduler stopped"),
    ]
    assert runs[1].id == manual
    assert supervisor.status()["jobs"]["running"] == 0
    with pytest.raises(InvalidState):
        await supervisor.run_now("price_refresh")
    assert await supervisor.tick() is None


async def test_run_now_bypasses_the_market_gate(calendar: FakeCalendar) -> None:
    clock = FrozenClock(ny(2026, 11, 21, 12, 0))  # Saturday
    recorder = Recorder()
    supervisor, store = await supervisor_with(
        clock, calendar, [job(market_hours_only=True)], {"price_refresh": recorder}
    )
    run_id = await supervisor.run_now("price_refresh")
    await supervisor.wait_idle()
    (run,) = await store.all_runs()
    assert (run.id, run.status, run.trigger, run.started_at) == (run_id, "success", "manual", clock.now())
    assert recorder.calls[0].scheduled_for is None
    state = await store.get_job("price_refresh")
    assert state is not None and state.next_run_at == ny(2026, 11, 23, 9, 30)


async def test_run_now_refusals(calendar: FakeCalendar) -> None:
    clock = FrozenClock(ny(2026, 11, 23, 10, 2))
    slow = Gate()
    supervisor, store = await supervisor_with(
        clock,
        calendar,
        [job(), job("plugin:orphan", enabled=True), job("risk_monitor", enabled=False)],
        {"price_refresh": slow, "risk_monitor": Recorder()},
    )
    with pytest.raises(NotFound):
        await supervisor.run_now("nope")
    with pytest.raises(InvalidState, match="no handler"):
        await supervisor.run_now("plugin:orphan")
    running = await supervisor.run_now("price_refresh")
    with pytest.raises(InvalidState) as caught:
        await supervisor.run_now("price_refresh")
    assert caught.value.details == {"job_id": "price_refresh", "run_id": running}
    # Disabled only means "not scheduled": a person may still run it.
    await supervisor.run_now("risk_monitor")
    slow.release.set()
    await supervisor.wait_idle()
    assert [(run.job_id, run.status) for run in await store.all_runs()] == [
        ("price_refresh", "success"),
        ("risk_monitor", "success"),
    ]


async def test_schedule_follows_store_changes_and_survives_a_restart(calendar: FakeCalendar) -> None:
    defaults = [job(), job("risk_monitor", trigger={"type": "interval", "seconds": 900}, enabled=False)]
    handlers: dict[str, JobHandler] = {"price_refresh": Recorder(), "risk_monitor": Recorder()}
    clock = FrozenClock(ny(2026, 11, 23, 10, 2))
    first, store = await supervisor_with(clock, calendar, defaults, handlers)
    assert (await store.get_job("risk_monitor")).next_run_at is None  # type: ignore[union-attr]
    await first.run_until(ny(2026, 11, 23, 10, 5))
    # A user slows price_refresh to 10 minutes and enables risk_monitor, as PATCH /jobs/{id} would.
    await store.update_job("price_refresh", trigger={"type": "interval", "seconds": 600})
    await first.reschedule("price_refresh")
    await store.update_job("risk_monitor", enabled=True)
    await first.reschedule("risk_monitor")
    await first.run_until(ny(2026, 11, 23, 10, 30))
    await first.stop()
    # Restart: defaults offered again, a new supervisor over the same store.
    assert await store.insert_default_jobs(defaults) == []
    second, _ = await supervisor_with(clock, calendar, [], handlers, store)
    await second.run_until(ny(2026, 11, 23, 11, 0))
    starts = Counter(run.job_id for run in await store.all_runs())
    price = [run.started_at.astimezone(NEW_YORK).strftime("%H:%M") for run in await runs_of(store, "price_refresh")]
    risk = [run.started_at.astimezone(NEW_YORK).strftime("%H:%M") for run in await runs_of(store, "risk_monitor")]
    assert price == ["10:05", "10:10", "10:20", "10:30", "10:40", "10:50", "11:00"]
    assert risk == ["10:15", "10:30", "10:45", "11:00"]
    assert starts == {"price_refresh": 7, "risk_monitor": 4}
    await second.stop()


async def test_runs_interrupted_by_a_crash_are_closed_at_load(calendar: FakeCalendar) -> None:
    store = MemoryJobStore()
    await store.insert_default_jobs([job()])
    await store.start_run("price_refresh", ny(2026, 11, 23, 9, 55), "schedule")
    clock = FrozenClock(ny(2026, 11, 23, 10, 2))
    await supervisor_with(clock, calendar, [], {"price_refresh": Recorder()}, store)
    (run,) = await store.all_runs()
    assert (run.status, run.error, run.finished_at) == ("cancelled", INTERRUPTED_ERROR, clock.now())


async def test_jobs_without_handler_or_with_a_bad_trigger_are_not_scheduled(
    calendar: FakeCalendar, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FrozenClock(ny(2026, 11, 23, 10, 2))
    bad = job("plugin:broken", trigger={"type": "interval", "seconds": 5})
    with caplog.at_level(logging.ERROR, logger="wheeld.scheduler"):
        supervisor, store = await supervisor_with(
            clock, calendar, [job("plugin:late"), bad], {"plugin:broken": Recorder()}
        )
    assert "plugin:broken not scheduled" in caplog.text
    assert [s.next_run_at for s in await store.load_jobs()] == [None, None]
    assert supervisor.next_wake() is None
    late = Recorder()
    await supervisor.set_handler("plugin:late", late)
    assert supervisor.next_wake() == ny(2026, 11, 23, 10, 5)
    await supervisor.run_until(ny(2026, 11, 23, 10, 10))
    assert len(late.calls) == 2
    await supervisor.set_handler("plugin:late", None)
    assert (await store.get_job("plugin:late")).next_run_at is None  # type: ignore[union-attr]


async def test_run_history_is_pruned_hourly(calendar: FakeCalendar) -> None:
    clock = FrozenClock(ny(2026, 11, 23, 9, 59, 59))
    supervisor, store = await supervisor_with(
        clock,
        calendar,
        [job()],
        {"price_refresh": Recorder()},
        retention=RunRetention(max_age_days=30, max_per_job=5),
    )
    await supervisor.run_until(ny(2026, 11, 23, 11, 0))
    # Pruned at 09:59:59 (nothing yet) and at 11:00 after that tick's run: 13 runs, 5 kept.
    runs, total = await store.list_runs("price_refresh")
    assert total == 5
    assert runs[0].started_at == ny(2026, 11, 23, 11, 0)


def sessions_between(calendar: FakeCalendar, first: date, last: date) -> dict[date, int]:
    """Expected 5-minute runs per day, from first principles: session minutes / 5 (ticks at open)."""
    expected = {}
    day = first
    while day <= last:
        hours = calendar.session_hours(day)
        if hours is not None:
            opens, closes = (datetime.combine(day, t) for t in hours)
            expected[day] = (closes - opens) // timedelta(minutes=5)
        day += timedelta(days=1)
    return expected


@pytest.mark.parametrize(
    ("start", "end"),
    [(date(2026, 11, 22), date(2026, 11, 29)), (date(2026, 10, 29), date(2026, 11, 5))],
    ids=["Thanksgiving week", "across the fall-back change"],
)
async def test_a_simulated_week_of_a_market_hours_job(calendar: FakeCalendar, start: date, end: date) -> None:
    clock = FrozenClock(datetime.combine(start, time(0, 0), tzinfo=NEW_YORK))
    supervisor, store = await supervisor_with(
        clock, calendar, [job(market_hours_only=True)], {"price_refresh": Recorder()}
    )
    await supervisor.run_until(datetime.combine(end, time(23, 59), tzinfo=NEW_YORK))
    runs = await store.all_runs()
    assert {run.status for run in runs} == {"success"}  # the gate records nothing
    local = [run.started_at.astimezone(NEW_YORK) for run in runs]
    per_day = Counter(moment.date() for moment in local)
    assert per_day == sessions_between(calendar, start, end)
    assert all(count in (78, 42) for count in per_day.values())
    by_day: dict[date, list[str]] = {}
    for moment in local:
        by_day.setdefault(moment.date(), []).append(moment.strftime("%H:%M"))
    for day, times in by_day.items():
        assert times[0] == "09:30"
        assert times[-1] == ("12:55" if day == date(2026, 11, 27) else "15:55")


async def test_the_real_loop_sleeps_until_due_wakes_on_changes_and_rearms(
    calendar: FakeCalendar, stepped_clock: SteppedClock
) -> None:
    clock = stepped_clock  # Monday 10:02; time moves only when the test says
    recorder = Recorder()
    store = MemoryJobStore()
    await store.insert_default_jobs(
        [job(timeout_seconds=30), job("risk_monitor", trigger={"type": "interval", "seconds": 900})]
    )
    supervisor = Supervisor(
        store,
        clock,
        calendar,
        handlers={"price_refresh": recorder, "risk_monitor": boom},
        max_sleep_seconds=3600,
    )

    async def settle() -> None:
        for _ in range(20):
            await asyncio.sleep(0)

    await supervisor.start()
    await settle()
    assert clock.sleeps == [180.0]  # until 10:05, no polling
    assert supervisor.status()["running"] is True
    assert supervisor.status()["next_wake_at"] == "2026-11-23T15:05:00Z"

    clock.fire_timers_early()
    await settle()
    assert recorder.calls == []
    assert clock.sleeps[-1] == 180.0  # re-armed, nothing ran

    clock.advance(180)
    await settle()
    assert [c.scheduled_for for c in recorder.calls] == [ny(2026, 11, 23, 10, 5)]

    # A manual run wakes the loop so it watches the new run's deadline.
    sleeps_before = len(clock.sleeps)
    await supervisor.run_now("price_refresh")
    await settle()
    assert len(clock.sleeps) > sleeps_before
    assert len(recorder.calls) == 2

    # A schedule change wakes it too, and it sleeps until the new due time.
    await store.update_job("price_refresh", trigger={"type": "interval", "seconds": 60})
    await supervisor.reschedule("price_refresh")
    await settle()
    assert clock.sleeps[-1] == 60.0

    clock.advance(600)  # 10:15: risk_monitor fails; the loop survives it
    await settle()
    assert [run.status for run in await runs_of(store, "risk_monitor")] == ["failure"]
    assert supervisor.status()["running"] is True

    await supervisor.stop()
    assert supervisor.status()["running"] is False
    assert {run.status for run in await store.all_runs()} <= {"success", "failure"}


async def test_the_real_clock_runs_a_manual_job_and_stops_cleanly(calendar: FakeCalendar) -> None:
    from wheeld.clock import Clock

    store = MemoryJobStore()
    await store.insert_default_jobs([job(trigger={"type": "interval", "seconds": 86400})])
    hung = Gate()
    supervisor = Supervisor(store, Clock(), calendar, handlers={"price_refresh": hung})
    await supervisor.start()
    await supervisor.run_now("price_refresh")
    await hung.entered.wait()
    assert hung.started == 1
    await supervisor.stop()
    (run,) = await store.all_runs()
    assert run.status == "cancelled" and run.finished_at is not None
    assert run.started_at.tzinfo is not None and run.started_at.utcoffset() == timedelta(0)
    assert run.started_at <= datetime.now(UTC)


async def test_the_loop_never_sleeps_longer_than_a_minute(calendar: FakeCalendar, stepped_clock: SteppedClock) -> None:
    store = MemoryJobStore()
    await store.insert_default_jobs([job(trigger={"type": "interval", "seconds": 3600})])
    supervisor = Supervisor(store, stepped_clock, calendar, handlers={"price_refresh": Recorder()})
    await supervisor.start()
    for _ in range(20):
        await asyncio.sleep(0)
    # Due at 11:00, but a suspended machine's monotonic timers lag: look again within a minute.
    assert stepped_clock.sleeps == [60.0]
    await supervisor.stop()
