"""Per-client rate limits: fixed windows counted in memory, or in Redis when configured.

A client is its token's subject (a person's account or a machine client), else its address.
Redis makes the limit hold across gateway replicas. When Redis does not answer, a warning is
logged and ``GATEWAY_RATE_LIMIT_FAIL_OPEN`` decides: false (the default) refuses the request with
:class:`RateLimiterUnavailable` (the gateway answers 503 ``rate-limiter-unavailable`` with
``Retry-After``), since an outage of the limiter must not lift every limit, sign-in guessing and
sign-up floods included; true lets it through, for deployments that prefer the API up to the
limits held.
"""

import logging
import math
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger("pathways.gateway.ratelimit")

# Seconds a client is told to wait when the limiter cannot count: about what a Redis restart or
# failover takes, and short enough that clients come back soon after it.
UNAVAILABLE_RETRY_AFTER = 5


class RateLimiterUnavailable(Exception):
    """The shared count could not be read and the limiter fails closed: refuse the request."""

    def __init__(self, retry_after: int = UNAVAILABLE_RETRY_AFTER) -> None:
        super().__init__("rate limiter unavailable")
        self.retry_after = retry_after


class RateLimiter(Protocol):
    async def hit(self, key: str) -> float | None:
        """Count one request for ``key``; seconds to wait when over the limit, else None.

        Raises :class:`RateLimiterUnavailable` when the count cannot be had and the limiter
        fails closed."""

    async def close(self) -> None:
        """Release connections."""


class MemoryRateLimiter:
    """Fixed windows in this process's memory (one replica, or tests)."""

    def __init__(self, *, limit: int, window: int,
                 clock: Callable[[], float] = time.time) -> None:
        self.limit, self.window = limit, window
        self.clock = clock  # replaceable: tests pin the window instead of racing its end
        self._counts: dict[str, tuple[int, int]] = {}

    async def hit(self, key: str) -> float | None:
        """See :class:`RateLimiter`."""
        now = self.clock()
        index = int(now // self.window)
        current, count = self._counts.get(key, (index, 0))
        if current != index:
            count = 0
        count += 1
        if len(self._counts) > 100_000:
            self._counts = {k: v for k, v in self._counts.items() if v[0] == index}
        self._counts[key] = (index, count)
        if count > self.limit:
            return max(1.0, math.ceil((index + 1) * self.window - now))
        return None

    async def close(self) -> None:
        """Nothing to release."""


class RedisRateLimiter:
    """Fixed windows counted in Redis, shared by every replica."""

    def __init__(self, url: str, *, limit: int, window: int,
                 prefix: str = "pathways:ratelimit", fail_open: bool = False) -> None:
        from redis.asyncio import Redis

        self.limit, self.window, self.prefix = limit, window, prefix
        self.fail_open = fail_open
        self.clock: Callable[[], float] = time.time  # tests pin the window (see Memory…)
        self.redis = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    async def hit(self, key: str) -> float | None:
        """See :class:`RateLimiter`."""
        now = self.clock()
        index = int(now // self.window)
        name = f"{self.prefix}:{key}:{index}"
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.incr(name)
                pipe.expire(name, self.window + 1)
                count, _ = await pipe.execute()
        except Exception as exc:
            # Only the error's type: the key names a person's subject or address.
            log.warning("rate limiter unavailable", extra={
                "error_type": type(exc).__name__, "fail_open": self.fail_open})
            if self.fail_open:
                return None
            raise RateLimiterUnavailable from exc
        if int(count) > self.limit:
            return max(1.0, math.ceil((index + 1) * self.window - now))
        return None

    async def close(self) -> None:
        """Close the connection pool."""
        await self.redis.aclose()


def build_rate_limiter(*, redis_url: str | None, limit: int, window: int,
                       prefix: str = "pathways:ratelimit",
                       fail_open: bool = False) -> RateLimiter:
    """Redis when ``redis_url`` is set (its keys under ``prefix``, ``fail_open`` deciding what
    an unreachable Redis means), else memory."""
    if redis_url:
        return RedisRateLimiter(redis_url, limit=limit, window=window, prefix=prefix,
                                fail_open=fail_open)
    return MemoryRateLimiter(limit=limit, window=window)
