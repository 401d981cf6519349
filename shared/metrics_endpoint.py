"""``GET /metrics``: the process's metrics in Prometheus' text format, for the operator's scraper.

Besides the request metrics (:mod:`shared.metrics`) and the process's own (CPU, memory, open
files, garbage collections), each scrape reads: the use of the database pools, the outbox's lag
and what the relay did (:mod:`shared.events.metrics`), and the services' own families (the
placements service's matching runs).

Who may read it: with ``METRICS_TOKEN`` set, a caller sending ``Authorization: Bearer
<METRICS_TOKEN>`` (any other gets 401). Without it, anyone who reaches a service (the services
are not reachable from outside: the gateway routes only ``/v1/…`` to them), and nobody at the
gateway (404), the one process the public reaches: set ``METRICS_TOKEN`` to scrape it.
"""

import hmac

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.responses import Response

from shared.auth import bearer_token
from shared.db import Database, PoolUsage
from shared.errors import NotFound, ProblemError
from shared.events.metrics import event_families
from shared.i18n import _
from shared.metrics import render


class MetricsSettings(BaseSettings):
    """``METRICS_TOKEN``: the bearer token ``/metrics`` asks for, the same for every process."""

    model_config = SettingsConfigDict(extra="ignore")

    metrics_token: SecretStr | None = None


class MetricsTokenRequired(ProblemError):
    status, slug, title = 401, "metrics-token-required", "Metrics token required"

    def __init__(self) -> None:
        super().__init__(_("Send the metrics token: Authorization: Bearer <METRICS_TOKEN>."))
        self.headers = {"www-authenticate": "Bearer"}


class MetricsAccess:
    """Who may read ``/metrics`` (see the module docstring)."""

    def __init__(self, token: SecretStr | None, *, token_required: bool) -> None:
        self.token = token.get_secret_value().encode() if token is not None else None
        self.token_required = token_required

    def check(self, authorization: str | None) -> None:
        """Pass, or raise the problem the caller gets."""
        if self.token is None:
            if self.token_required:
                raise NotFound(_("Not found."))
            return
        sent = bearer_token(authorization)
        if sent is None or not hmac.compare_digest(sent.encode(), self.token):
            raise MetricsTokenRequired


def pool_families(database: Database) -> list[Metric]:
    """The database pools' use, by pool (``sessions``, ``hot_reads``)."""
    fields: dict[str, tuple[str, str]] = {
        "size": ("pathways_db_pool_size", "Connections a pool keeps."),
        "limit": ("pathways_db_pool_max_connections", "Connections a pool may open at most "
                                                      "(its size and overflow)."),
        "open": ("pathways_db_pool_connections", "Connections a pool has open."),
        "checked_out": ("pathways_db_pool_checked_out", "Connections lent out now."),
        "overflow": ("pathways_db_pool_overflow", "Connections open beyond a pool's size."),
    }
    families = {key: GaugeMetricFamily(name, text, labels=["pool"])
                for key, (name, text) in fields.items()}
    usages: list[PoolUsage] = database.pool_usage()
    for usage in usages:
        for key, family in families.items():
            family.add_metric([usage.pool], getattr(usage, key))
    return list(families.values())


router = APIRouter(include_in_schema=False)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """This process's metrics, in Prometheus' text exposition format."""
    state = request.app.state
    state.metrics_access.check(request.headers.get("authorization"))
    info = GaugeMetricFamily("pathways_service", "The process: its service and version.",
                             labels=["service", "version"])
    info.add_metric([state.settings.service_name, request.app.version], 1)
    families: list[Metric] = [info, *pool_families(state.database)]
    families += await event_families(state.database, state.events,
                                     getattr(state, "relay", None))
    return Response(render(families), media_type=CONTENT_TYPE_LATEST)
