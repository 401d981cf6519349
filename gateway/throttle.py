"""Slowing down password guessing at the token endpoint.

Failed sign-ins are counted per account (the e-mail or client id tried, known or not, so the
answer does not tell which exist) and per client address. After ``failures`` of them within
``window`` seconds, that key is locked: attempts answer 429 with ``Retry-After`` for ``delay``
seconds, doubling at each further lock inside the window, up to ``max_delay``. A success resets
the account's count (not the address's: one valid account must not buy an address more
guesses at others).

The account's lock is short (seconds to a minute) so that an attacker guessing at someone's
e-mail cannot keep its owner out for long; the address's grows to a quarter of an hour. Counts
live where the rate limiter's do: in Redis when it is configured (shared by every replica),
else in this process's memory. An unreachable Redis lets sign-in attempts through here: the
rate limiter in front of the token endpoint (gateway.ratelimit) refuses them then, unless
``GATEWAY_RATE_LIMIT_FAIL_OPEN`` says otherwise.
"""

import logging
import math
import time
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("pathways.gateway.throttle")


@dataclass(frozen=True, slots=True)
class Policy:
    """When a key is locked and for how long."""

    failures: int  # failures within the window that lock the key
    window: int  # seconds a failure is remembered (and the doubling with it)
    delay: float  # the first lock
    max_delay: float  # the longest lock


class FailureStore(Protocol):
    async def locked(self, key: str) -> float | None:
        """Seconds left of ``key``'s lock, or None when it is not locked."""

    async def failed(self, key: str, policy: Policy) -> float | None:
        """Count a failure; the seconds of the lock it starts, or None."""

    async def reset(self, key: str) -> None:
        """Forget ``key``'s failures and lock."""

    async def close(self) -> None:
        """Release connections."""


@dataclass
class _State:
    count: int = 0
    strikes: int = 0
    last: float = 0.0
    locked_until: float = 0.0


class MemoryFailureStore:
    """Failures counted in this process (one replica, or tests)."""

    def __init__(self) -> None:
        self._states: dict[str, _State] = {}

    async def locked(self, key: str) -> float | None:
        """See :class:`FailureStore`."""
        state = self._states.get(key)
        left = state.locked_until - time.time() if state else 0.0
        return left if left > 0 else None

    async def failed(self, key: str, policy: Policy) -> float | None:
        """See :class:`FailureStore`."""
        now = time.time()
        if len(self._states) > 100_000:  # forget the quiet ones rather than grow without end
            self._states = {k: s for k, s in self._states.items()
                            if now - s.last < policy.window or s.locked_until > now}
        state = self._states.setdefault(key, _State())
        if now - state.last > policy.window:
            state.count, state.strikes = 0, 0
        state.count += 1
        state.last = now
        if state.count < policy.failures:
            return None
        delay = min(policy.max_delay, policy.delay * 2.0 ** state.strikes)
        state.count, state.strikes = 0, state.strikes + 1
        state.locked_until = now + delay
        return delay

    async def reset(self, key: str) -> None:
        """See :class:`FailureStore`."""
        self._states.pop(key, None)

    async def close(self) -> None:
        """Nothing to release."""


class RedisFailureStore:
    """Failures counted in Redis, shared by every gateway replica."""

    def __init__(self, url: str, *, prefix: str) -> None:
        from redis.asyncio import Redis

        self.prefix = prefix
        self.redis = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def _names(self, key: str) -> tuple[str, str, str]:
        base = f"{self.prefix}:{key}"
        return f"{base}:count", f"{base}:strikes", f"{base}:lock"

    async def locked(self, key: str) -> float | None:
        """See :class:`FailureStore`."""
        try:
            left = await self.redis.pttl(self._names(key)[2])
        except Exception as exc:  # an unreachable store fails open, as the limiter does
            log.warning("login throttle unavailable", extra={"error_type": type(exc).__name__})
            return None
        return left / 1000 if left and left > 0 else None

    async def failed(self, key: str, policy: Policy) -> float | None:
        """See :class:`FailureStore`."""
        count_name, strikes_name, lock_name = self._names(key)
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(count_name)
                pipe.expire(count_name, policy.window)
                count, _ = await pipe.execute()
            if int(count) < policy.failures:
                return None
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.delete(count_name)
                pipe.incr(strikes_name)
                pipe.expire(strikes_name, policy.window)
                _, strikes, _ = await pipe.execute()
            delay = min(policy.max_delay, policy.delay * 2.0 ** (int(strikes) - 1))
            await self.redis.set(lock_name, b"1", px=max(1, int(delay * 1000)))
            return delay
        except Exception as exc:
            log.warning("login throttle unavailable", extra={"error_type": type(exc).__name__})
            return None

    async def reset(self, key: str) -> None:
        """See :class:`FailureStore`."""
        try:
            await self.redis.delete(*self._names(key))
        except Exception as exc:
            log.warning("login throttle unavailable", extra={"error_type": type(exc).__name__})

    async def close(self) -> None:
        """Close the connection pool."""
        await self.redis.aclose()


@dataclass
class LoginThrottle:
    """The token endpoint's guard: per-account and per-address failure counts."""

    store: FailureStore
    account: Policy
    address: Policy

    async def wait(self, *, account: str, address: str) -> int | None:
        """Seconds to wait before trying ``account`` from ``address`` again, or None."""
        lefts = [left for left in (await self.store.locked(f"account:{account}"),
                                   await self.store.locked(f"address:{address}")) if left]
        return math.ceil(max(lefts)) if lefts else None

    async def failed(self, *, account: str, address: str) -> None:
        """Count a failed sign-in for both."""
        await self.store.failed(f"account:{account}", self.account)
        await self.store.failed(f"address:{address}", self.address)

    async def succeeded(self, *, account: str) -> None:
        """The account signed in: its count starts again."""
        await self.store.reset(f"account:{account}")


def build_failure_store(*, redis_url: str | None, prefix: str) -> FailureStore:
    """Redis when ``redis_url`` is set (its keys under ``prefix``), else memory."""
    if redis_url:
        return RedisFailureStore(redis_url, prefix=prefix)
    return MemoryFailureStore()
