"""Timeouts, retries with exponential backoff and full jitter, and a circuit breaker for upstream calls.

Only transient failures (timeouts, 429, 5xx, dropped connections) are retried; a 4xx is final.
Time comes from the injected clock, and sleep and randomness are injectable, so tests run instantly.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from wheeld.clock import Clock
from wheeld.marketdata.base import NotSupported, ProviderError

T = TypeVar("T")
CircuitState = Literal["closed", "open", "half_open"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long one attempt may take and how many attempts a call gets."""

    attempts: int = 3
    timeout: float = 10.0
    base_delay: float = 0.5
    max_delay: float = 8.0
    # A Retry-After longer than this is not waited for: the call fails (and may serve stale).
    max_retry_after: float = 30.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.timeout <= 0 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("timeout must be positive and delays not negative")

    def backoff(self, retry: int, uniform: float) -> float:
        """Full-jitter delay before retry number `retry` (1-based), given a uniform in [0, 1)."""
        return uniform * min(self.max_delay, self.base_delay * 2 ** (retry - 1))


class CircuitOpenError(ProviderError):
    """The provider failed repeatedly; calls are refused until the cool-down ends."""

    def __init__(self, provider: str, retry_after: float) -> None:
        super().__init__(
            f"{provider}: circuit open after repeated failures; next try in {retry_after:.0f} s",
            transient=True,
            retry_after=retry_after,
            provider=provider,
        )


class CircuitBreaker:
    """Opens after `failure_threshold` consecutive failures; one trial call after `cooldown` s."""

    def __init__(self, clock: Clock, *, failure_threshold: int = 5, cooldown: float = 60.0) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self._clock = clock
        self._threshold = failure_threshold
        self._cooldown = cooldown
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def state(self) -> CircuitState:
        """closed (normal), open (refusing) or half_open (cool-down over, a trial allowed)."""
        if self._opened_at is None:
            return "closed"
        if self._clock.monotonic() - self._opened_at >= self._cooldown:
            return "half_open"
        return "open"

    @property
    def consecutive_failures(self) -> int:
        """Failures since the last success."""
        return self._failures

    def retry_after(self) -> float:
        """Seconds until a trial call will be allowed (0 when allowed now)."""
        if self._opened_at is None:
            return 0.0
        return max(self._cooldown - (self._clock.monotonic() - self._opened_at), 0.0)

    def allow(self) -> bool:
        """Whether a call may go upstream now (claims the single half-open trial)."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._trial_in_flight:
            self._trial_in_flight = True
            return True
        return False

    def record_success(self) -> None:
        """A call succeeded: close the circuit."""
        self._failures = 0
        self._opened_at = None
        self._trial_in_flight = False

    def record_failure(self) -> None:
        """A call failed: count it, and open (or re-open after a failed trial) at the threshold."""
        self._failures += 1
        was_trial = self._trial_in_flight
        self._trial_in_flight = False
        if was_trial or self._failures >= self._threshold:
            self._opened_at = self._clock.monotonic()

    def release_trial(self) -> None:
        """A trial ended without telling success or failure (e.g. a 4xx): allow another."""
        self._trial_in_flight = False


def _request_specific(error: ProviderError) -> bool:
    """A final 4xx other than 401/403: the request was bad, the provider is fine.

    Authentication failures do count against the circuit: a rejected token fails every call.
    """
    return (
        not error.transient
        and error.status is not None
        and 400 <= error.status < 500
        and error.status not in (401, 403)
    )


class Resilient:
    """Runs upstream calls of one provider with a timeout, retries and its circuit breaker."""

    def __init__(
        self,
        provider: str,
        clock: Clock,
        *,
        policy: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        uniform: Callable[[], float] | None = None,
    ) -> None:
        self.provider = provider
        self._clock = clock
        self.policy = policy or RetryPolicy()
        self.breaker = breaker or CircuitBreaker(clock)
        self._sleep = sleep or clock.sleep
        self._uniform = uniform or random.random
        self.last_error: str | None = None
        self.last_error_at: datetime | None = None
        self.last_success_at: datetime | None = None
        self.calls = 0
        self.failures = 0

    async def call(self, operation: Callable[[], Awaitable[T]], *, what: str) -> T:
        """Run `operation` until it succeeds, fails for good, or its attempts are spent."""
        self.calls += 1
        retry = 0
        while True:
            if not self.breaker.allow():
                raise CircuitOpenError(self.provider, self.breaker.retry_after())
            try:
                async with asyncio.timeout(self.policy.timeout):
                    result = await operation()
            except NotSupported:
                self.breaker.release_trial()
                raise
            except TimeoutError:
                error = ProviderError(
                    f"{self.provider}: {what} timed out after {self.policy.timeout:g} s",
                    transient=True,
                    provider=self.provider,
                )
            except ProviderError as exc:
                error = exc
            except Exception as exc:  # an adapter bug must not crash the daemon
                log.exception("%s: unexpected error during %s", self.provider, what)
                error = ProviderError(
                    f"{self.provider}: {what} failed unexpectedly: {type(exc).__name__}",
                    transient=False,
                    provider=self.provider,
                )
            else:
                self.breaker.record_success()
                self.last_success_at = self._clock.now()
                return result
            self._note_failure(error)
            if _request_specific(error):
                # A 400/404 says this request is wrong, not that the provider is unwell.
                self.breaker.release_trial()
            else:
                self.breaker.record_failure()
            retry += 1
            if not error.transient or retry >= self.policy.attempts or self.breaker.state == "open":
                raise error
            delay = self.policy.backoff(retry, self._uniform())
            if error.retry_after is not None:
                if error.retry_after > self.policy.max_retry_after:
                    raise error
                delay = max(delay, error.retry_after)
            log.warning("%s: %s failed (%s); retry %d in %.2f s", self.provider, what, error, retry, delay)
            await self._sleep(delay)

    def _note_failure(self, error: ProviderError) -> None:
        self.failures += 1
        self.last_error = str(error)
        self.last_error_at = self._clock.now()

    def status(self) -> dict[str, Any]:
        """Circuit state, counters and the last error and success, for health."""
        return {
            "circuit": self.breaker.state,
            "consecutive_failures": self.breaker.consecutive_failures,
            "calls": self.calls,
            "failures": self.failures,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at,
            "last_success_at": self.last_success_at,
        }
