"""Retries (transient only, full jitter, Retry-After), timeouts and the circuit breaker."""

import asyncio

import pytest

from wheeld.marketdata.base import NotSupported, ProviderError
from wheeld.marketdata.resilience import (
    CircuitBreaker,
    CircuitOpenError,
    Resilient,
    RetryPolicy,
)


class Upstream:
    """An upstream that plays a script of outcomes: exceptions raised, values returned."""

    def __init__(self, *script):
        self.script = list(script)
        self.calls = 0

    async def __call__(self):
        self.calls += 1
        outcome = self.script.pop(0) if self.script else "ok"
        if isinstance(outcome, BaseException):
            raise outcome
        if outcome == "hang":
            await asyncio.Event().wait()
        return outcome


def transient(status=503, retry_after=None):
    return ProviderError("down", transient=True, status=status, retry_after=retry_after)


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def resilient(clock, sleeps):
    async def sleep(seconds):
        sleeps.append(seconds)
        await clock.sleep(seconds)

    return Resilient(
        "fake",
        clock,
        policy=RetryPolicy(attempts=4, timeout=0.05, base_delay=1.0, max_delay=3.0),
        breaker=CircuitBreaker(clock, failure_threshold=10, cooldown=30.0),
        sleep=sleep,
        uniform=lambda: 0.75,
    )


async def test_transient_failures_back_off_exponentially_with_full_jitter(resilient, sleeps):
    upstream = Upstream(transient(), transient(500), transient(502))
    assert await resilient.call(upstream, what="quotes") == "ok"
    assert upstream.calls == 4
    # uniform 0.75 x min(3, 1 x 2^n): 0.75, 1.5, then capped 2.25
    assert sleeps == [0.75, 1.5, 2.25]
    assert resilient.status()["consecutive_failures"] == 0
    assert resilient.status()["last_success_at"] is not None


@pytest.mark.parametrize("uniform", [0.0, 0.3, 0.999])
def test_full_jitter_stays_between_zero_and_the_cap(uniform):
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0)
    for retry in range(1, 10):
        delay = policy.backoff(retry, uniform)
        assert 0.0 <= delay <= min(8.0, 0.5 * 2 ** (retry - 1))


async def test_retry_after_is_honoured(resilient, sleeps):
    upstream = Upstream(transient(429, retry_after=12.0))
    assert await resilient.call(upstream, what="quotes") == "ok"
    assert sleeps == [12.0]


async def test_retry_after_beyond_the_limit_is_not_waited_for(resilient, sleeps):
    upstream = Upstream(transient(429, retry_after=3600.0))
    with pytest.raises(ProviderError) as caught:
        await resilient.call(upstream, what="quotes")
    assert caught.value.status == 429
    assert upstream.calls == 1 and sleeps == []


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_client_errors_are_not_retried(resilient, sleeps, status):
    upstream = Upstream(ProviderError("bad", transient=False, status=status))
    with pytest.raises(ProviderError):
        await resilient.call(upstream, what="quotes")
    assert upstream.calls == 1 and sleeps == []
    # A bad request is not the provider's fault; a rejected token is, on every call.
    assert resilient.breaker.consecutive_failures == (1 if status in (401, 403) else 0)


async def test_timeouts_are_transient_and_retried(resilient, sleeps):
    upstream = Upstream("hang", "hang")
    assert await resilient.call(upstream, what="chain") == "ok"
    assert upstream.calls == 3
    assert "timed out" in resilient.last_error


async def test_no_backoff_once_the_circuit_has_opened(clock, sleeps):
    async def sleep(seconds):
        sleeps.append(seconds)

    resilient = Resilient(
        "fake",
        clock,
        policy=RetryPolicy(attempts=5),
        breaker=CircuitBreaker(clock, failure_threshold=2, cooldown=30.0),
        sleep=sleep,
    )
    upstream = Upstream(*[transient()] * 5)
    with pytest.raises(ProviderError) as caught:
        await resilient.call(upstream, what="quotes")
    assert not isinstance(caught.value, CircuitOpenError)  # the real cause is reported
    assert upstream.calls == 2 and len(sleeps) == 1


async def test_attempts_run_out(resilient, sleeps):
    upstream = Upstream(*[transient()] * 4)
    with pytest.raises(ProviderError):
        await resilient.call(upstream, what="quotes")
    assert upstream.calls == 4 and len(sleeps) == 3


async def test_unexpected_exceptions_become_final_provider_errors(resilient, caplog):
    upstream = Upstream(KeyError("lastPrice"))
    with pytest.raises(ProviderError) as caught:
        await resilient.call(upstream, what="quotes")
    assert not caught.value.transient
    assert upstream.calls == 1


async def test_not_supported_passes_through_untouched(resilient):
    with pytest.raises(NotSupported):
        await resilient.call(Upstream(NotSupported("fake", "chains")), what="chain")
    assert resilient.breaker.state == "closed"


async def test_breaker_opens_half_opens_and_closes(clock):
    breaker = CircuitBreaker(clock, failure_threshold=3, cooldown=30.0)
    resilient = Resilient("fake", clock, breaker=breaker, policy=RetryPolicy(attempts=1))
    upstream = Upstream(*[transient()] * 3)
    for _ in range(3):
        with pytest.raises(ProviderError):
            await resilient.call(upstream, what="quotes")
    assert breaker.state == "open"
    with pytest.raises(CircuitOpenError) as caught:
        await resilient.call(upstream, what="quotes")
    assert caught.value.retry_after == 30.0
    assert upstream.calls == 3  # refused without calling upstream
    clock.advance(29)
    assert breaker.state == "open"
    clock.advance(1)
    assert breaker.state == "half_open"
    assert await resilient.call(upstream, what="quotes") == "ok"
    assert breaker.state == "closed"


async def test_half_open_allows_a_single_trial(clock):
    breaker = CircuitBreaker(clock, failure_threshold=1, cooldown=5.0)
    breaker.record_failure()
    clock.advance(5)
    assert breaker.allow()
    assert not breaker.allow()  # the trial is in flight
    breaker.record_failure()
    assert breaker.state == "open"
    clock.advance(5)
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed" and breaker.allow()


def test_policy_validation():
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError):
        CircuitBreaker(None, failure_threshold=0)  # type: ignore[arg-type]
