"""The in-memory limiter on its own."""

from gateway.ratelimit import MemoryRateLimiter


class TestMemoryRateLimiter:
    async def test_limits_each_key_separately(self) -> None:
        limiter = MemoryRateLimiter(limit=2, window=60)
        assert await limiter.hit("a") is None
        assert await limiter.hit("a") is None
        retry_after = await limiter.hit("a")
        assert retry_after is not None and 1 <= retry_after <= 60
        assert await limiter.hit("b") is None
