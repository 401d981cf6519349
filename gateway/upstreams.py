"""Where each service listens: one base URL, or several replicas taken in turn.

In production a service's address is one load-balanced name (a Kubernetes Service) and this
holds one URL per service. Run locally with replicas (``pathways dev --replicas 2``), the
gateway itself spreads requests over them and passes over a replica that refuses connections.
"""

from collections.abc import Mapping, Sequence
from itertools import count


class Upstreams:
    """Base URLs per service name, handed out round-robin."""

    def __init__(self, addresses: Mapping[str, str | Sequence[str]]) -> None:
        self.addresses: dict[str, tuple[str, ...]] = {
            name: tuple(u.rstrip("/") for u in ([urls] if isinstance(urls, str) else urls))
            for name, urls in addresses.items()}
        self._turns = {name: count() for name in self.addresses}

    def base(self, service: str) -> str:
        """The base URL the next request to ``service`` goes to."""
        urls = self.addresses[service]
        return urls[0] if len(urls) == 1 else urls[next(self._turns[service]) % len(urls)]

    def in_turn(self, service: str) -> list[str]:
        """Every replica of ``service``, starting with the one whose turn it is: the order to
        try them in when one does not answer."""
        urls = self.addresses[service]
        if len(urls) == 1:
            return list(urls)
        start = next(self._turns[service]) % len(urls)
        return [*urls[start:], *urls[:start]]
