"""The job supervisor: runs each job when it is due, on the daemon's one event loop.

The store holds every job's next due time; the supervisor claims a due time (compare-and-set) before
it runs anything, so a due time runs at most once, and the next due time moves forward whatever the
run's outcome. Choices, each pinned by a test:

- **Coalescing.** The next due time is computed from *now*, so after downtime a job whose due time
  passed many ticks ago runs once, then resumes on its grid.
- **One instance per job.** A due time that arrives while the job's previous run is still going is
  recorded as a `skipped` run (the reason names the run in progress).
- **Market-hours gate.** A market-hours-only job is always scheduled at a due time inside hours
  (`next_gated_run`), so outside hours it has nothing to skip. If one is nevertheless due while the
  market is closed (the daemon was down, the hours changed), it is moved to its next in-hours due
  time and *nothing* is recorded: a closed market is the normal state, not an event.
- **Timeouts** are deadlines on the injected clock's monotonic counter, enforced by the loop itself
  (the run's task is cancelled and recorded `timeout`), so simulated time times runs out too.
- **`run_now`** bypasses the gate and the `enabled` flag (a person asked). While the job is running
  it raises `InvalidState` (409) naming the run in progress, and records nothing.
- **Shutdown** cancels running jobs, records them `cancelled`, and awaits their tasks.
- **Sleeping.** The loop sleeps until the earliest due time or run deadline, at most
  `max_sleep_seconds` (60 s: monotonic timers do not count a suspended machine's sleep, so a long
  timer could fire hours late after a resume). Any change (`reschedule`, `run_now`) wakes it early; a
  timer that fires early finds nothing due and re-arms.

The runs in progress (their tasks, deadlines and records) are kept by `wheeld.scheduler.runs.Runs`.

Handlers run on the event loop, like the API: blocking calls (SDKs, file I/O) and CPU-heavy work must
go through `asyncio.to_thread`, and they must let `asyncio.CancelledError` through.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from wheeld.clock import Clock, utc_iso
from wheeld.errors import InvalidState, NotFound, ValidationError
from wheeld.scheduler.jobs import (
    JobHandler,
    JobSpec,
    JobState,
    JobStore,
    RunRetention,
    RunStatus,
    RunTrigger,
)
from wheeld.scheduler.market_hours import (
    DEFAULT_MARKET_HOURS,
    MarketHours,
    SessionHours,
    is_market_open,
    next_gated_run,
)
from wheeld.scheduler.runs import Runs
from wheeld.scheduler.triggers import Trigger, next_run_after, parse_trigger

MAX_SLEEP_SECONDS = 60.0
# After the store fails (database locked, disk full) the loop retries this much later, not at once.
ERROR_BACKOFF_SECONDS = 30.0
PRUNE_EVERY = timedelta(hours=1)
STOP_GRACE_SECONDS = 5.0


class Supervisor:
    """Runs jobs from a `JobStore` on their triggers, gated by market hours, with a run history."""

    def __init__(
        self,
        store: JobStore,
        clock: Clock,
        calendar: SessionHours,
        hours: MarketHours = DEFAULT_MARKET_HOURS,
        handlers: Mapping[str, JobHandler] | None = None,
        logger: logging.Logger | None = None,
        *,
        retention: RunRetention | None = None,
        max_sleep_seconds: float = MAX_SLEEP_SECONDS,
    ) -> None:
        self._store = store
        self._clock = clock
        self._calendar = calendar
        self._hours = hours
        self._handlers: dict[str, JobHandler] = dict(handlers or {})
        self._logger = logger or logging.getLogger("wheeld.scheduler")
        self._retention = retention
        self._max_sleep_seconds = max_sleep_seconds
        self._jobs: dict[str, JobState] = {}
        self._runs = Runs(store, clock, self._logger, self._run_finished)
        # Serializes every decision to run a job (tick, run_now, reschedule), so the check
        # "is it running?" and the start of a run cannot interleave.
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._stopped = False
        self._last_prune: datetime | None = None

    async def load(self) -> None:
        """Close runs a crash left open, read every job, and fill in missing next due times."""
        now = self._clock.now()
        interrupted = await self._store.mark_interrupted_runs(now)
        if interrupted:
            self._logger.warning("%d job run(s) were interrupted by the last shutdown", interrupted)
        async with self._lock:
            self._jobs = {}
            for state in await self._store.load_jobs():
                self._jobs[state.id] = await self._sync_schedule(state, now)

    async def start(self) -> None:
        """Load the jobs and run the scheduling loop as a background task."""
        if self._loop_task is not None or self._stopped:
            raise RuntimeError("a Supervisor starts once")
        await self.load()
        self._loop_task = asyncio.create_task(self._run_forever(), name="wheeld-scheduler")

    async def stop(self, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
        """Stop the loop, cancel running jobs (recorded `cancelled`) and await their tasks."""
        async with self._lock:
            # Under the lock the loop is never halfway through starting a run.
            self._stopped = True
            if self._loop_task is not None:
                self._loop_task.cancel()
        if self._loop_task is not None:
            await asyncio.gather(self._loop_task, return_exceptions=True)
        await self._runs.cancel_all(grace_seconds)

    async def tick(self) -> datetime | None:
        """Enforce timeouts and start everything due now; return the next wake time (None: none)."""
        if self._stopped:
            return None
        self._runs.enforce_timeouts()
        now = self._clock.now()
        due = sorted(
            (s for s in self._jobs.values() if s.next_run_at is not None and s.next_run_at <= now),
            key=lambda s: (s.next_run_at, s.id),
        )
        for state in due:
            async with self._lock:
                await self._fire(state.id, now)
        await self._prune_if_due(now)
        return self.next_wake()

    def next_wake(self) -> datetime | None:
        """When the loop must next look: the earliest due time or run deadline (None: never)."""
        now = self._clock.now()
        moments = [s.next_run_at for s in self._jobs.values() if s.next_run_at is not None]
        moments += self._runs.deadlines(now)
        return min(moments, default=None)

    async def run_until(self, until: datetime) -> None:
        """Drive the schedule on the injected clock up to and including `until` (simulations, tests).

        With `FrozenClock` each sleep moves time at once, so a simulated week takes milliseconds.
        Runs whose handlers finish without real I/O complete before time moves on.
        """
        while True:
            await self.tick()
            await self._runs.let_runs_progress()
            now = self._clock.now()
            if now >= until:
                return
            wake_at = self.next_wake()
            target = until if wake_at is None else min(wake_at, until)
            await self._clock.sleep((target - now).total_seconds())

    async def wait_idle(self, *job_ids: str) -> None:
        """Wait (in real time) until no run of the jobs named (by default: of any job) is in progress."""
        await self._runs.wait_idle(job_ids)

    async def run_now(self, job_id: str) -> int:
        """Start a manual run now, bypassing the market-hours gate and `enabled`; return its run id.

        Raises NotFound for an unknown job, InvalidState when it is already running (details carry
        the `run_id` in progress) or has no handler.
        """
        if self._stopped:
            raise InvalidState("the scheduler is stopped", {"job_id": job_id})
        async with self._lock:
            # Read from the store: the job may be new, or edited since it was last rescheduled.
            state = await self._store.get_job(job_id)
            if state is None:
                raise NotFound(f"no job {job_id!r}", {"job_id": job_id})
            active = self._runs.active.get(job_id)
            if active is not None:
                raise InvalidState(
                    f"job {job_id!r} is already running (run {active.run_id})",
                    {"job_id": job_id, "run_id": active.run_id},
                )
            handler = self._handlers.get(job_id)
            if handler is None:
                raise InvalidState(f"job {job_id!r} has no handler loaded", {"job_id": job_id})
            run_id = await self._launch(state.spec, handler, "manual", None, self._clock.now())
        # The loop must now also watch this run's deadline.
        self._wake.set()
        return run_id

    async def reschedule(self, job_id: str) -> JobState | None:
        """Re-read a job after it was changed or added and fix its next due time; None if deleted."""
        async with self._lock:
            state = await self._store.get_job(job_id)
            if state is None:
                self._jobs.pop(job_id, None)
            else:
                state = await self._sync_schedule(state, self._clock.now())
                self._jobs[job_id] = state
        self._wake.set()
        return state

    async def set_handler(self, job_id: str, handler: JobHandler | None) -> None:
        """Register (or with None remove) the handler of a job, e.g. when a plugin loads, and
        reschedule it: a job without a handler is not scheduled."""
        if handler is None:
            self._handlers.pop(job_id, None)
        else:
            self._handlers[job_id] = handler
        await self.reschedule(job_id)

    def has_handler(self, job_id: str) -> bool:
        """Whether a handler is registered for the job (a plugin's job has none until it loads)."""
        return job_id in self._handlers

    def configure(
        self,
        *,
        calendar: SessionHours | None = None,
        hours: MarketHours | None = None,
        retention: RunRetention | None = None,
    ) -> None:
        """Swap the trading calendar, market hours or run retention (start-up load, live config).

        Due times already computed stay; a gated job due outside the new hours is moved when due.
        """
        if calendar is not None:
            self._calendar = calendar
        if hours is not None:
            self._hours = hours
        if retention is not None:
            self._retention = retention
        self._wake.set()

    def status(self) -> dict[str, Any]:
        """A summary for health and system info: loop alive, job counts, runs going, next wake."""
        next_wake = self.next_wake()
        states = self._jobs.values()
        return {
            "running": self._loop_task is not None and not self._loop_task.done(),
            "jobs": {
                "total": len(self._jobs),
                "enabled": sum(1 for s in states if s.spec.enabled),
                "scheduled": sum(1 for s in states if s.next_run_at is not None),
                "running": len(self._runs.active),
            },
            "active_runs": [
                {"job_id": active.job_id, "run_id": active.run_id}
                for active in sorted(self._runs.active.values(), key=lambda a: a.run_id)
            ],
            "next_wake_at": None if next_wake is None else utc_iso(next_wake),
        }

    async def _run_forever(self) -> None:
        while True:
            # Cleared before the tick so a change made while it runs still cuts the sleep short.
            self._wake.clear()
            try:
                wake_at = await self.tick()
            except Exception:
                self._logger.exception("scheduler tick failed; retrying later")
                wake_at = self._clock.now() + timedelta(seconds=ERROR_BACKOFF_SECONDS)
            await self._sleep_until(wake_at)

    async def _sleep_until(self, wake_at: datetime | None) -> None:
        delay = self._max_sleep_seconds
        if wake_at is not None:
            delay = min(delay, (wake_at - self._clock.now()).total_seconds())
        sleeper = asyncio.ensure_future(self._clock.sleep(max(0.0, delay)))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()
            await asyncio.gather(sleeper, waker, return_exceptions=True)

    async def _fire(self, job_id: str, now: datetime) -> None:
        state = self._jobs.get(job_id)
        if self._stopped or state is None or state.next_run_at is None or state.next_run_at > now:
            return  # changed by reschedule while earlier jobs of this tick ran
        due = state.next_run_at
        trigger = self._schedulable_trigger(state.spec)
        # From `now`, not from `due`: missed ticks after downtime coalesce into this one run.
        new_next = None if trigger is None else self._next_due(state.spec, trigger, now, due)
        if not await self._store.claim_due(job_id, due, new_next):
            fresh = await self._store.get_job(job_id)
            if fresh is None:
                self._jobs.pop(job_id, None)
            else:
                self._jobs[job_id] = fresh
            return
        self._jobs[job_id] = replace(state, next_run_at=new_next)
        handler = self._handlers.get(job_id)
        if trigger is None or handler is None:
            return  # no longer schedulable: its due time is now cleared
        if state.spec.market_hours_only and not is_market_open(self._calendar, now, self._hours):
            self._logger.debug("job %s due outside market hours; next at %s", job_id, new_next)
            return
        active = self._runs.active.get(job_id)
        if active is not None:
            reason = f"run {active.run_id} was still going"
            await self._store.record_skipped(job_id, now, reason)
            self._logger.info("job %s skipped: %s", job_id, reason)
            return
        await self._launch(state.spec, handler, "schedule", due, now)

    async def _launch(
        self,
        spec: JobSpec,
        handler: JobHandler,
        trigger: RunTrigger,
        scheduled_for: datetime | None,
        now: datetime,
    ) -> int:
        run_id = await self._runs.launch(spec, handler, trigger, scheduled_for, now)
        cached = self._jobs.get(spec.id)
        if cached is not None:
            self._jobs[spec.id] = replace(cached, last_run_at=now, running=True)
        self._logger.info("job %s run %s started (%s)", spec.id, run_id, trigger)
        return run_id

    def _run_finished(self, job_id: str, status: RunStatus) -> None:
        """Keep the cached job state in step once a run has ended."""
        cached = self._jobs.get(job_id)
        if cached is not None:
            self._jobs[job_id] = replace(cached, running=False, last_status=status)

    async def _sync_schedule(self, state: JobState, now: datetime) -> JobState:
        """Give a schedulable job a next due time if it has none; clear it on one that is not."""
        trigger = self._schedulable_trigger(state.spec)
        if trigger is None:
            wanted = None
        elif state.next_run_at is None:
            wanted = self._next_due(state.spec, trigger, now, None)
        else:
            # A due time in the past stays: the next tick runs it once (coalescing).
            wanted = state.next_run_at
        if wanted != state.next_run_at:
            await self._store.set_next_run(state.id, wanted)
            state = replace(state, next_run_at=wanted)
        running = state.id in self._runs.active
        return replace(state, running=running) if state.running != running else state

    def _schedulable_trigger(self, spec: JobSpec) -> Trigger | None:
        """The trigger of a job that should be scheduled: enabled, with a handler, trigger valid."""
        if not spec.enabled or spec.id not in self._handlers:
            return None
        try:
            return parse_trigger(dict(spec.trigger))
        except ValidationError as exc:
            self._logger.error("job %s not scheduled: bad trigger (%s)", spec.id, exc.message)
            return None

    def _next_due(self, spec: JobSpec, trigger: Trigger, after: datetime, last_run: datetime | None) -> datetime | None:
        if spec.market_hours_only:
            return next_gated_run(trigger, after, self._calendar, self._hours, last_run)
        return next_run_after(trigger, after, last_run)

    async def _prune_if_due(self, now: datetime) -> None:
        if self._retention is None:
            return
        if self._last_prune is not None and now - self._last_prune < PRUNE_EVERY:
            return
        self._last_prune = now
        try:
            deleted = await self._store.prune_runs(now, self._retention.max_age_days, self._retention.max_per_job)
        except Exception:
            self._logger.exception("could not prune the run history")
            return
        if deleted:
            self._logger.info("pruned %d old job run(s)", deleted)
