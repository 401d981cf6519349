"""App factory of the reintegration service: routers and lifespan, nothing else."""

from pathlib import Path

from fastapi import FastAPI

from services.reintegration.cases import consumers
from services.reintegration.cases import router as cases_router
from services.reintegration.database import access_record, event_tables, idempotency_keys
from services.reintegration.events import EVENT_TYPES
from services.reintegration.followups import overdue
from services.reintegration.followups import router as follow_ups_router
from services.reintegration.indicators import router as indicators_router
from services.reintegration.schedules import router as schedules_router
from services.reintegration.settings import Settings
from services.reintegration.support import candidates
from services.reintegration.support import router as support_router
from shared.access_record_router import access_log_router
from shared.app import create_service_app
from shared.events import admin as events_admin
from shared.events import inbox
from shared.events.relay import lifespan_hooks as relay_hooks
from shared.events.service_events import ServiceEvents
from shared.events.subscriptions import subscriptions_router
from shared.i18n import register_catalogues
from shared.labels_router import labels_router


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the reintegration app; settings are read here, not at import, so tests pass
    theirs."""
    events = ServiceEvents(tables=event_tables, source="reintegration", event_types=EVENT_TYPES)
    start_relay, stop_relay = relay_hooks(event_tables)
    start_job, stop_job = overdue.lifespan_hooks()
    start_candidates, stop_candidates = candidates.lifespan_hooks()
    register_catalogues(Path(__file__).parent / "locales")
    return create_service_app(
        settings=settings or Settings(),
        title="Pathways reintegration",
        description="Returnee cases (one per person and programme, across stays) opened when "
        "placements end, follow-up schedules and answers, support measures at every stage, "
        "and outcome indicators.",
        # indicators before follow-ups: /v1/follow-ups/export.csv is not a follow-up id.
        routers=[cases_router.router, indicators_router.router, follow_ups_router.router,
                 support_router.router, schedules_router.router,
                 subscriptions_router(events), events_admin.router,
                 access_log_router(access_record), labels_router("reintegration")],
        internal_routers=[inbox.router],
        events=events,
        inbox=inbox.Inbox(handlers=consumers.HANDLERS),
        idempotency_table=idempotency_keys,
        on_startup=[start_candidates, start_relay, start_job],
        on_shutdown=[stop_job, stop_relay, stop_candidates],
    )
