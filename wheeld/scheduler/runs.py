"""The runs in progress: each one's task and monotonic deadline, its timeout, and how its end is recorded.

The supervisor decides *when* a job runs; `Runs` starts the run, watches its deadline, cancels it (on
timeout or shutdown) and writes its outcome to the store.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from wheeld.clock import Clock
from wheeld.scheduler.jobs import JobContext, JobHandler, JobSpec, JobStore, RunStatus, RunTrigger

# Error and summary texts are for a history table, not for logs: the log has the traceback.
MAX_TEXT_CHARS = 1000
# How often `let_runs_progress` yields to let just-started runs finish before the clock moves on.
_SETTLE_YIELDS = 50
STOPPED_TEXT = "cancelled: the scheduler stopped"


@dataclass
class ActiveRun:
    """A run in progress: its task and the monotonic deadline it must finish by."""

    run_id: int
    job_id: str
    started_mono: float
    deadline_mono: float
    timeout_seconds: int
    task: asyncio.Task[None] | None = None
    # Set by whoever cancels the run, so the run knows how to record itself.
    cancel_reason: Literal["timeout", "cancelled"] | None = None
    # The handler is done and its outcome is being written: cancelling now would lose the record.
    finishing: bool = False

    @property
    def cancellable(self) -> bool:
        """Whether the handler is still working and nobody has cancelled it yet."""
        return self.task is not None and self.cancel_reason is None and not self.finishing


class Runs:
    """The runs in progress, one per job at most, keyed by job id (`active`)."""

    def __init__(
        self,
        store: JobStore,
        clock: Clock,
        logger: logging.Logger,
        on_finished: Callable[[str, RunStatus], None],
    ) -> None:
        self._store = store
        self._clock = clock
        self._logger = logger
        # Told (job id, status) when a run has ended and is forgotten, so the job's cached state follows.
        self._on_finished = on_finished
        self.active: dict[str, ActiveRun] = {}

    async def launch(
        self,
        spec: JobSpec,
        handler: JobHandler,
        trigger: RunTrigger,
        scheduled_for: datetime | None,
        now: datetime,
    ) -> int:
        """Record a run as started and start its handler as a task; return the run id."""
        run_id = await self._store.start_run(spec.id, now, trigger)
        mono = self._clock.monotonic()
        active = ActiveRun(
            run_id=run_id,
            job_id=spec.id,
            started_mono=mono,
            deadline_mono=mono + spec.timeout_seconds,
            timeout_seconds=spec.timeout_seconds,
        )
        context = JobContext(
            job=spec,
            run_id=run_id,
            trigger=trigger,
            scheduled_for=scheduled_for,
            started_at=now,
            clock=self._clock,
            logger=self._logger.getChild(spec.id),
        )
        active.task = asyncio.create_task(self._execute(handler, context, active), name=f"job:{spec.id}:run:{run_id}")
        self.active[spec.id] = active
        return run_id

    def deadlines(self, now: datetime) -> list[datetime]:
        """The wall-clock moments by which the cancellable runs must have finished."""
        mono = self._clock.monotonic()
        return [
            now + timedelta(seconds=max(0.0, active.deadline_mono - mono))
            for active in self.active.values()
            if active.cancellable
        ]

    def enforce_timeouts(self) -> None:
        """Cancel every run past its deadline (it records itself `timeout`)."""
        mono = self._clock.monotonic()
        for active in self.active.values():
            if active.cancellable and active.task and active.deadline_mono <= mono:
                self._logger.warning(
                    "job %s run %s timed out after %s s",
                    active.job_id,
                    active.run_id,
                    active.timeout_seconds,
                )
                active.cancel_reason = "timeout"
                active.task.cancel()

    async def let_runs_progress(self) -> None:
        """Yield to the event loop a bounded number of times while runs are still going."""
        for _ in range(_SETTLE_YIELDS):
            if all(a.task is None or a.task.done() for a in self.active.values()):
                return
            await asyncio.sleep(0)

    async def wait_idle(self, job_ids: Collection[str] = ()) -> None:
        """Wait (in real time) until no run of `job_ids` (by default: of any job) is in progress."""
        while pending := [
            a.task
            for a in self.active.values()
            if a.task and not a.task.done() and (not job_ids or a.job_id in job_ids)
        ]:
            await asyncio.wait(pending)

    async def cancel_all(self, grace_seconds: float) -> None:
        """Cancel every run (recorded `cancelled`) and await their tasks for up to `grace_seconds`."""
        for active in self.active.values():
            if active.cancellable and active.task is not None:
                active.cancel_reason = "cancelled"
                active.task.cancel()
        tasks = [active.task for active in self.active.values() if active.task is not None]
        if tasks:
            _, still_going = await asyncio.wait(tasks, timeout=grace_seconds)
            for task in still_going:
                # Its run stays 'running' in the store until the next start-up closes it.
                self._logger.warning("job task %s ignored cancellation", task.get_name())
        for active in list(self.active.values()):
            if active.task is not None and active.task.done():
                # Cancelled before its first step, the task never reached its own bookkeeping.
                await self._finish(active, "cancelled", STOPPED_TEXT, None)

    async def _execute(self, handler: JobHandler, context: JobContext, active: ActiveRun) -> None:
        status: RunStatus = "success"
        error: str | None = None
        summary: str | None = None
        foreign_cancel: asyncio.CancelledError | None = None
        try:
            summary = _summary_text(await handler(context))
        except asyncio.CancelledError as cancelled:
            if active.cancel_reason is None:
                # Not ours (the event loop is shutting down): record it, then let it propagate.
                active.cancel_reason = "cancelled"
                foreign_cancel = cancelled
        except Exception as exc:
            status, error = "failure", _clip(f"{type(exc).__name__}: {exc}")
            self._logger.error("job %s run %s failed", context.job.id, context.run_id, exc_info=exc)
        active.finishing = True
        if active.cancel_reason == "timeout":
            status, error, summary = "timeout", f"timed out after {active.timeout_seconds} s", None
        elif active.cancel_reason == "cancelled":
            status, error, summary = "cancelled", STOPPED_TEXT, None
        await self._finish(active, status, error, summary)
        if foreign_cancel is not None:
            raise foreign_cancel

    async def _finish(self, active: ActiveRun, status: RunStatus, error: str | None, summary: str | None) -> None:
        """Record the end of a run and forget it."""
        duration_ms = max(0, round((self._clock.monotonic() - active.started_mono) * 1000))
        try:
            await self._store.finish_run(active.run_id, self._clock.now(), status, error, summary, duration_ms)
        except Exception:
            self._logger.exception("could not record the end of run %s", active.run_id)
        finally:
            if self.active.get(active.job_id) is active:
                del self.active[active.job_id]
            self._on_finished(active.job_id, status)
        self._logger.info("job %s run %s: %s", active.job_id, active.run_id, status)


def _summary_text(result: str | Mapping[str, Any] | None) -> str | None:
    if result is None:
        return None
    if isinstance(result, str):
        return _clip(result)
    return _clip(json.dumps(dict(result), sort_keys=True, default=str))


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT_CHARS else text[: MAX_TEXT_CHARS - 1] + "…"
