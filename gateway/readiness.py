"""The gateway is ready only when every service it routes to is: one ready replica of each.

A gateway that answers before its services would take traffic it can only refuse (503
``service-unavailable``) and serve a partial API document, so its ``/health/ready`` (see
``shared.health``) asks each replica's own ``/health/ready``, all at once, with a short timeout.
The answer is kept for ``cache_seconds``: probes, load balancers and launchers poll it, and each
poll must not become a request to every replica.
"""

import asyncio
import time

import aiohttp

from gateway.upstreams import Upstreams


class UpstreamReadiness:
    """Which of ``services`` have no ready replica now; a ``shared.health.ReadinessCheck``."""

    def __init__(self, services: list[str], upstreams: Upstreams,
                 session: aiohttp.ClientSession, *, timeout: float,
                 cache_seconds: float) -> None:
        self.services = sorted(services)
        self.upstreams = upstreams
        self.session = session
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.cache_seconds = cache_seconds
        self._not_ready: list[str] = []
        self._checked_at: float | None = None
        self._lock = asyncio.Lock()  # callers meanwhile wait for the check under way

    async def __call__(self) -> list[str]:
        """The services with no ready replica, by name (none: all are ready)."""
        async with self._lock:
            if self._checked_at is None or \
                    time.monotonic() - self._checked_at >= self.cache_seconds:
                self._not_ready = await self._check()
                self._checked_at = time.monotonic()
            return self._not_ready

    async def _check(self) -> list[str]:
        answers = await asyncio.gather(*(self._any_ready(s) for s in self.services))
        return [service for service, ready in zip(self.services, answers, strict=True)
                if not ready]

    async def _any_ready(self, service: str) -> bool:
        replicas = self.upstreams.addresses[service]
        return any(await asyncio.gather(*(self._ready(url) for url in replicas)))

    async def _ready(self, base: str) -> bool:
        try:
            async with self.session.get(f"{base}/health/ready",
                                        timeout=self.timeout) as response:
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False
