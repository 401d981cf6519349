"""The limiters on their own: in memory, and in Redis (the run's own, or one nobody runs)."""

import logging
import uuid

import pytest

from gateway.ratelimit import MemoryRateLimiter, RateLimiterUnavailable, RedisRateLimiter
from launcher.runner import free_port

# A fixed instant well inside a window: the counts cannot cross a window's end mid-test, however
# slowly the machine runs.
NOW = 1_800_000_030.0


class TestMemoryRateLimiter:
    async def test_limits_each_key_separately(self) -> None:
        limiter = MemoryRateLimiter(limit=2, window=60, clock=lambda: NOW)
        assert await limiter.hit("a") is None
        assert await limiter.hit("a") is None
        retry_after = await limiter.hit("a")
        assert retry_after == 30
        assert await limiter.hit("b") is None

    async def test_a_new_window_starts_afresh(self) -> None:
        now = [NOW]
        limiter = MemoryRateLimiter(limit=1, window=60, clock=lambda: now[0])
        assert await limiter.hit("a") is None
        assert await limiter.hit("a") is not None
        now[0] += 60
        assert await limiter.hit("a") is None


def _limiter(url: str, **options: bool) -> RedisRateLimiter:
    limiter = RedisRateLimiter(url, limit=2, window=60, prefix=f"test-{uuid.uuid4().hex}",
                               **options)
    limiter.clock = lambda: NOW
    return limiter


class TestRedisRateLimiter:
    async def test_limits_each_key_separately(self, redis_url: str) -> None:
        limiter = _limiter(redis_url)
        try:
            assert await limiter.hit("a") is None
            assert await limiter.hit("a") is None
            assert await limiter.hit("a") == 30
            assert await limiter.hit("b") is None
        finally:
            await limiter.close()

    async def test_unreachable_fails_closed_by_default(
            self, caplog: pytest.LogCaptureFixture) -> None:
        limiter = _limiter(f"redis://127.0.0.1:{free_port()}/0")  # nobody listens there
        try:
            with caplog.at_level(logging.WARNING, logger="pathways.gateway.ratelimit"), \
                    pytest.raises(RateLimiterUnavailable) as refused:
                await limiter.hit("person-subject-1234")
        finally:
            await limiter.close()
        assert refused.value.retry_after >= 1
        [record] = caplog.records
        assert record.getMessage() == "rate limiter unavailable"
        assert "person-subject-1234" not in caplog.text  # no personal data in the log

    async def test_unreachable_lets_through_when_set_to_fail_open(
            self, caplog: pytest.LogCaptureFixture) -> None:
        limiter = _limiter(f"redis://127.0.0.1:{free_port()}/0", fail_open=True)
        try:
            with caplog.at_level(logging.WARNING, logger="pathways.gateway.ratelimit"):
                assert await limiter.hit("person-subject-1234") is None
        finally:
            await limiter.close()
        assert [r.getMessage() for r in caplog.records] == ["rate limiter unavailable"]
