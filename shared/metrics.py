"""Prometheus metrics of the requests a process serves, and the families read at each scrape.

Every label has a bounded set of values: ``route`` is a route template (``/v1/programmes/
{programme_id}``), never a raw path; the gateway labels a proxied request with the template
of the service's route, or ``<prefix>/*`` when the service did not name one (it did not
answer, or the gateway refused the request first); ``(unmatched)`` is every path no route
serves. ``method`` is one of the standard methods, else ``OTHER``.

One process per replica, each with its own ``/metrics`` (:mod:`shared.metrics_endpoint`):
the default registry is this process's.
"""

from collections.abc import Iterable, Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_STATUS_CLASSES = {1: "1xx", 2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}


class RequestMetrics:
    """Counts requests and their durations by method, route template and status class.

    The labelled series of each combination are looked up once and kept: ``labels()`` on
    every request would cost more than the counting itself.
    """

    def __init__(self) -> None:
        self.requests = Counter(
            "pathways_http_requests", "HTTP requests answered, by method, route template and "
            "status class.", ["method", "route", "status_class"])
        self.duration = Histogram(
            "pathways_http_request_duration_seconds", "Time from a request's arrival to the "
            "end of its answer, by method and route template.", ["method", "route"])
        self.errors = Counter(
            "pathways_http_server_errors", "HTTP requests answered with a 5xx status, by "
            "method and route template.", ["method", "route"])
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram, Counter | None]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        key = (method if method in METHODS else "OTHER", route, status // 100)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = self._labelled(*key)
        requests, duration, errors = series
        requests.inc()
        duration.observe(seconds)
        if errors is not None:
            errors.inc()

    def _labelled(self, method: str, route: str,
                  status_class: int) -> tuple[Counter, Histogram, Counter | None]:
        return (self.requests.labels(method, route, _STATUS_CLASSES.get(status_class, "5xx")),
                self.duration.labels(method, route),
                self.errors.labels(method, route) if status_class >= 5 else None)


REQUESTS = RequestMetrics()


class _Snapshot(Collector):
    """Families computed for one scrape (pool use, outbox lag)."""

    def __init__(self, families: Sequence[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


def render(families: Sequence[Metric]) -> bytes:
    """The text exposition of this process's registry followed by ``families``."""
    snapshot = CollectorRegistry(auto_describe=False)
    snapshot.register(_Snapshot(families))
    return generate_latest() + generate_latest(snapshot)
