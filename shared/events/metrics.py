"""The events' families for the metrics: the outbox's lag per subscriber (from the database, so
every replica reports the whole outbox) and what this process's relay did since it started.

``subscriber`` is an internal subscriber's name (a service); every partner webhook is counted
under ``partners``, so that the number of series does not grow with the subscriptions partners
make (``GET /admin/events/lag`` lists them one by one).
"""

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy import RowMapping

from shared.db import Database
from shared.events import repository
from shared.events.relay import Relay, RelayStats
from shared.events.service_events import ServiceEvents

log = logging.getLogger("pathways.events.metrics")
PARTNERS = "partners"
LAG_TIMEOUT_SECONDS = 5.0


@dataclass(slots=True)
class _Lag:
    pending: int = 0
    failing: int = 0
    dead: int = 0
    oldest_pending_age_seconds: float = 0.0


def lag_families(rows: Iterable[RowMapping]) -> list[Metric]:
    """Pending, failing and dead deliveries and the oldest pending one's age, per subscriber,
    from :func:`shared.events.repository.lag`'s rows."""
    lags: dict[str, _Lag] = {}
    for row in rows:
        if not row["active"] and not row["pending"] and not row["dead"]:
            continue  # an internal subscriber no longer configured, with nothing left
        name = row["name"] if row["kind"] == "internal" and row["name"] else PARTNERS
        lag = lags.setdefault(name, _Lag())
        lag.pending += row["pending"]
        lag.failing += row["failing"]
        lag.dead += row["dead"]
        if (age := row["oldest_pending_age_seconds"]) is not None:
            lag.oldest_pending_age_seconds = max(lag.oldest_pending_age_seconds, float(age))
    families = [
        GaugeMetricFamily("pathways_events_pending_deliveries", "Deliveries of the outbox "
                          "not yet acknowledged, by subscriber.", labels=["subscriber"]),
        GaugeMetricFamily("pathways_events_failing_deliveries", "Pending deliveries that "
                          "failed at least once (retrying), by subscriber.",
                          labels=["subscriber"]),
        GaugeMetricFamily("pathways_events_dead_letters", "Deliveries that ran out of "
                          "attempts, waiting for an operator's replay, by subscriber.",
                          labels=["subscriber"]),
        GaugeMetricFamily("pathways_events_oldest_pending_age_seconds", "Age of the oldest "
                          "pending delivery (0 when none), by subscriber: the outbox's lag.",
                          labels=["subscriber"]),
    ]
    pending, failing, dead, age = families
    for name, lag in sorted(lags.items()):
        pending.add_metric([name], lag.pending)
        failing.add_metric([name], lag.failing)
        dead.add_metric([name], lag.dead)
        age.add_metric([name], lag.oldest_pending_age_seconds)
    return list(families)


def relay_families(stats: RelayStats) -> list[Metric]:
    """What this process's relay did since it started."""
    return [
        CounterMetricFamily("pathways_events_relay_rounds", "Relay rounds that claimed "
                            "deliveries.", value=stats.rounds),
        CounterMetricFamily("pathways_events_delivered", "Deliveries acknowledged by their "
                            "subscriber.", value=stats.delivered),
        CounterMetricFamily("pathways_events_delivery_failures", "Delivery attempts that "
                            "failed (each is retried until it runs out of attempts).",
                            value=stats.failed_attempts),
        CounterMetricFamily("pathways_events_dead_lettered", "Deliveries that ran out of "
                            "attempts.", value=stats.dead_lettered),
    ]


async def event_families(database: Database, events: ServiceEvents | None,
                         relay: Relay | None) -> list[Metric]:
    """The families of a service's events: its relay's (when it runs one) and its outbox's lag
    (when it has an outbox; left out, with a warning, when the database does not answer in
    time: the other metrics still answer)."""
    families = [] if relay is None else relay_families(relay.stats)
    if events is None or not events.outbox:
        return families
    try:
        async with asyncio.timeout(LAG_TIMEOUT_SECONDS), database.sessionmaker() as session:
            rows = await repository.lag(session, events.tables)
    except Exception as error:
        log.warning("outbox lag not read for the metrics",
                    extra={"error_type": type(error).__name__})
        return families
    return [*families, *lag_families(rows)]
