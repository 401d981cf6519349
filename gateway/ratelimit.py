"""Per-client rate limits: fixed windows counted in memory, or in Redis when configured.

A client is its token's subject (a person's account or a machine client), else its address.
Redis makes the limit hold across gateway replicas; if Redis does not answer the request is let
through (a limiter outage must not take the API down) and a warning is logged.
"""

import logging
import math
import time
from typing import Protocol

log = logging.getLogger("pathways.gateway.ratelimit")


class RateLimiter(Protocol):
    async def hit(self, key: str) -> float | None:
        """Count one request for ``key``; seconds to wait when over the limit, else None."""

    async def close(self) -> None:
        """Release connections."""


class MemoryRateLimiter:
    """Fixed windows in this process's memory (one replica, or tests)."""

    def __init__(self, *, limit: int, window: int) -> None:
        self.limit, self.window = limit, window
        self._counts: dict[str, tuple[int, int]] = {}

    async def hit(self, key: str) -> float | None:
        """See :class:`RateLimiter`."""
        now = time.time()
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
                 prefix: str = "pathways:ratelimit") -> None:
        from redis.asyncio import Redis

        self.limit, self.window, self.prefix = limit, window, prefix
        self.redis = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    async def hit(self, key: str) -> float | None:
        """See :class:`RateLimiter`."""
        now = time.time()
        index = int(now // self.window)
        name = f"{self.prefix}:{key}:{index}"
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.incr(name)
                pipe.expire(name, self.window + 1)
                count, _ = await pipe.execute()
        except Exception as exc:  # an unreachable limiter fails open
            log.warning("rate limiter unavailable", extra={"error_type": type(exc).__name__})
            return None
        if int(count) > self.limit:
            return max(1.0, math.ceil((index + 1) * self.window - now))
        return None

    async def close(self) -> None:
        """Close the connection pool."""
        await self.redis.aclose()


def build_rate_limiter(*, redis_url: str | None, limit: int, window: int,
                       prefix: str = "pathways:ratelimit") -> RateLimiter:
    """Redis when ``redis_url`` is set (its keys under ``prefix``), else memory."""
    if redis_url:
        return RedisRateLimiter(redis_url, limit=limit, window=window, prefix=prefix)
    return MemoryRateLimiter(limit=limit, window=window)
