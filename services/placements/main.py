"""App factory of the placements service: routers and lifespan, nothing else."""

from pathlib import Path

from fastapi import FastAPI

from services.placements.credentials import router as credentials_router
from services.placements.database import access_record, event_tables, idempotency_keys
from services.placements.employers import router as employers_router
from services.placements.events import EVENT_TYPES
from services.placements.grievances import escalation as grievance_escalation
from services.placements.grievances import router as grievances_router
from services.placements.matching import consumers as matching_consumers
from services.placements.matching import execution as matching_execution
from services.placements.matching import router as matching_router
from services.placements.monitoring import router as monitoring_router
from services.placements.placements import router as placements_router
from services.placements.recruitment_costs import router as recruitment_costs_router
from services.placements.settings import Settings
from services.placements.standing import router as standing_router
from services.placements.vacancies import router as vacancies_router
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
    """Build the placements app; settings are read here, not at import, so tests pass theirs."""
    events = ServiceEvents(tables=event_tables, source="placements", event_types=EVENT_TYPES)
    start_relay, stop_relay = relay_hooks(event_tables)
    start_escalation, stop_escalation = grievance_escalation.lifespan_hooks()
    register_catalogues(Path(__file__).parent / "locales")
    return create_service_app(
        settings=settings or Settings(),
        title="Pathways placements",
        description="Employers, vacancies, matching runs, placements and their monitoring, "
        "the placed workers' grievances, recruitment costs and SDG 10.7.1.",
        # monitoring before placements: /v1/placements/alerts is not a placement id.
        routers=[employers_router.router, standing_router.router, vacancies_router.router,
                 matching_router.router,
                 monitoring_router.router, placements_router.router,
                 matching_router.placement_router, credentials_router.router,
                 grievances_router.router,
                 recruitment_costs_router.router, recruitment_costs_router.rates_router,
                 subscriptions_router(events), events_admin.router,
                 access_log_router(access_record), labels_router("placements")],
        # Verifying a credential needs no token (whoever holds one may check it): its public
        # routes are served beside those that authenticate their callers otherwise.
        internal_routers=[inbox.router, credentials_router.public_router],
        events=events,
        inbox=inbox.Inbox(handlers=matching_consumers.HANDLERS),
        idempotency_table=idempotency_keys,
        on_startup=[start_relay, matching_execution.start, start_escalation],
        on_shutdown=[stop_escalation, matching_execution.stop, stop_relay],
    )
