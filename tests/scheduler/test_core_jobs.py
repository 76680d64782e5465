"""The core jobs: their defaults, and a simulated Thanksgiving week of them on the real supervisor."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, datetime

import pytest

from tests.scheduler.conftest import FakeCalendar
from wheeld.clock import NEW_YORK, FrozenClock
from wheeld.scheduler.core_jobs import (
    CORE_JOB_IDS,
    CoreJobDeps,
    CoreJobs,
    core_job_specs,
    not_available,
    unwired_deps,
)
from wheeld.scheduler.jobs import JobContext, JobStore, MemoryJobStore
from wheeld.scheduler.supervisor import Supervisor
from wheeld.scheduler.triggers import parse_trigger


class Calls:
    """Deps that record each call (with the job's scope) and the New York date it happened on."""

    def __init__(self, clock: FrozenClock) -> None:
        self.clock = clock
        self.days: dict[str, Counter[date]] = {name: Counter() for name in self.names}
        self.scopes: list[int | None] = []

    names = ("refresh_quotes", "take_snapshots", "evaluate_risk", "scan_opportunities")

    def deps(self) -> CoreJobDeps:
        """CoreJobDeps whose every call is recorded."""
        return CoreJobDeps(**{name: self._recorder(name) for name in self.names})

    def _recorder(self, name: str) -> Callable[[int | None], Awaitable[str]]:
        async def call(scope: int | None) -> str:
            self.days[name][self.clock.today_ny()] += 1
            self.scopes.append(scope)
            return f"{name} done"

        return call


def test_default_specs_match_the_design() -> None:
    specs = {spec.id: spec for spec in core_job_specs()}
    assert tuple(specs) == CORE_JOB_IDS
    assert {job_id: (dict(s.trigger), s.market_hours_only) for job_id, s in specs.items()} == {
        "price_refresh": ({"type": "interval", "seconds": 300}, True),
        "daily_snapshots": ({"type": "cron", "expression": "30 16 * * 1-5"}, False),
        "risk_monitor": ({"type": "interval", "seconds": 900}, True),
        "opportunity_scan": ({"type": "cron", "expression": "45 9 * * 1-5"}, True),
    }
    for spec in specs.values():
        assert spec.kind == "core" and spec.enabled and spec.scope is None and spec.description
        parse_trigger(dict(spec.trigger))  # valid
    # A refresh never outlives its interval, so it cannot collide with the next one.
    assert specs["price_refresh"].timeout_seconds < 300


async def test_unwired_deps_say_so_honestly() -> None:
    deps = unwired_deps()
    for name in Calls.names:
        summary = await getattr(deps, name)(None)
        assert summary.startswith("not available yet: "), name
    assert await not_available("x")(3) == "not available yet: x"


async def test_a_thanksgiving_week(store: JobStore, calendar: FakeCalendar) -> None:
    """Mon 11-23 to Sun 11-29 2026: Thursday is a holiday, Friday closes at 13:00."""
    clock = FrozenClock(datetime(2026, 11, 23, 0, 0, tzinfo=NEW_YORK))
    calls = Calls(clock)
    core = CoreJobs(calls.deps(), calendar)
    await store.insert_default_jobs(core_job_specs())
    supervisor = Supervisor(store, clock, calendar, handlers=core.handlers())
    await supervisor.load()
    await supervisor.run_until(datetime(2026, 11, 29, 23, 59, tzinfo=NEW_YORK))
    await supervisor.stop()

    mon, tue, wed, thu, fri = (date(2026, 11, d) for d in (23, 24, 25, 26, 27))
    # Gated by market hours: 78 five-minute ticks in 09:30-16:00, 42 in Friday's 09:30-13:00.
    assert calls.days["refresh_quotes"] == {mon: 78, tue: 78, wed: 78, fri: 42}
    assert calls.days["evaluate_risk"] == {mon: 26, tue: 26, wed: 26, fri: 14}
    assert calls.days["scan_opportunities"] == {mon: 1, tue: 1, wed: 1, fri: 1}
    # 16:30 is after the close: not gated; the handler itself skips Thanksgiving.
    assert calls.days["take_snapshots"] == {mon: 1, tue: 1, wed: 1, fri: 1}
    runs, total = await store.list_runs("daily_snapshots")
    assert total == 5 and all(run.status == "success" for run in runs)
    thanksgiving = [run for run in runs if run.started_at.astimezone(NEW_YORK).date() == thu]
    assert [run.summary for run in thanksgiving] == ["skipped: 2026-11-26 is not a trading session"]
    assert set(calls.scopes) == {None}


async def test_a_manual_snapshot_on_a_holiday_is_taken(calendar: FakeCalendar) -> None:
    clock = FrozenClock(datetime(2026, 11, 26, 17, 0, tzinfo=NEW_YORK))
    calls = Calls(clock)
    store = MemoryJobStore()
    await store.insert_default_jobs(core_job_specs())
    supervisor = Supervisor(store, clock, calendar, handlers=CoreJobs(calls.deps(), calendar).handlers())
    await supervisor.load()
    run_id = await supervisor.run_now("daily_snapshots")
    await supervisor.wait_idle()
    (run,), _ = await store.list_runs("daily_snapshots")
    assert (run.id, run.trigger, run.status, run.summary) == (run_id, "manual", "success", "take_snapshots done")
    await supervisor.stop()


@pytest.mark.parametrize("job_id", CORE_JOB_IDS)
async def test_each_handler_passes_the_job_scope(job_id: str, calendar: FakeCalendar) -> None:
    clock = FrozenClock(datetime(2026, 11, 24, 11, 0, tzinfo=NEW_YORK))
    calls = Calls(clock)
    spec = next(s for s in core_job_specs() if s.id == job_id)
    handler = CoreJobs(calls.deps(), calendar).handlers()[job_id]
    context = JobContext(
        job=replace(spec, scope=4),
        run_id=1,
        trigger="schedule",
        scheduled_for=clock.now(),
        started_at=clock.now(),
        clock=clock,
        logger=logging.getLogger("test"),
    )
    assert (await handler(context)).endswith("done")
    assert calls.scopes == [4]


async def test_deps_are_read_at_each_run(calendar: FakeCalendar) -> None:
    """The lead wires a service in by reassigning a field; handlers built earlier see it."""
    clock = FrozenClock(datetime(2026, 11, 24, 11, 0, tzinfo=NEW_YORK))
    deps = unwired_deps()
    store = MemoryJobStore()
    await store.insert_default_jobs(core_job_specs())
    supervisor = Supervisor(store, clock, calendar, handlers=CoreJobs(deps, calendar).handlers())

    async def evaluate(scope: int | None) -> dict[str, int]:
        return {"positions": 3, "raised": 1}

    deps.evaluate_risk = evaluate
    await supervisor.run_now("risk_monitor")
    await supervisor.wait_idle()
    (run,), _ = await store.list_runs("risk_monitor")
    assert run.summary == '{"positions": 3, "raised": 1}'
    await supervisor.stop()
