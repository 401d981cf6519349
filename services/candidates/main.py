"""App factory of the candidates service: routers and lifespan, nothing else."""

from pathlib import Path

from fastapi import FastAPI

from services.candidates import labels  # noqa: F401  (declares the codes' display names)
from services.candidates.agreements import router as agreements_router
from services.candidates.applications import consumers
from services.candidates.applications import router as applications_router
from services.candidates.candidates import express as candidates_express
from services.candidates.candidates import router as candidates_router
from services.candidates.database import access_record, event_tables, idempotency_keys
from services.candidates.duplicates import router as duplicates_router
from services.candidates.erasure import router as erasure_router
from services.candidates.esco import router as esco_router
from services.candidates.events import EVENT_TYPES
from services.candidates.imports import router as imports_router
from services.candidates.institutions import router as institutions_router
from services.candidates.matching_profiles import router as matching_profiles_router
from services.candidates.notices import consumers as notices_consumers
from services.candidates.notices import job as notices_job
from services.candidates.notices import router as notices_router
from services.candidates.notices.personal import Reachable, personal_events
from services.candidates.planned_sessions import router as planned_sessions_router
from services.candidates.programmes import router as programmes_router
from services.candidates.retention import consumers as retention_consumers
from services.candidates.retention import job as retention_job
from services.candidates.retention import router as retention_router
from services.candidates.settings import Settings
from services.candidates.statistics import router as statistics_router
from services.candidates.training import router as training_router
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
    """Build the candidates app; settings are read here, not at import, so tests pass theirs."""
    events = ServiceEvents(tables=event_tables, source="candidates", event_types=EVENT_TYPES)
    # Notices carry personal data to the notification partner: the relay asks this hook,
    # bound to the app's database before it starts, whether each may still go.
    reachable = Reachable()
    start_relay, stop_relay = relay_hooks(event_tables, personal=personal_events(reachable))
    start_retention, stop_retention = retention_job.lifespan_hooks()
    start_notices, stop_notices = notices_job.lifespan_hooks()
    register_catalogues(Path(__file__).parent / "locales")
    return create_service_app(
        settings=settings or Settings(),
        title="Pathways candidates",
        description="Programmes, candidate profiles, consents, applications, selection, "
        "pre-departure training, partner institutions and their agreements, and the "
        "notices people are sent.",
        # candidates first: its reads are the hot paths, and routes are matched in order.
        routers=[candidates_router.router, applications_router.router, programmes_router.router,
                 institutions_router.router, agreements_router.router,
                 training_router.router, planned_sessions_router.router,
                 imports_router.router,
                 statistics_router.router, matching_profiles_router.router,
                 erasure_router.router, retention_router.router, esco_router.router,
                 duplicates_router.router, notices_router.router,
                 subscriptions_router(events), events_admin.router,
                 access_log_router(access_record), labels_router("candidates")],
        # The erasure's progress checks its caller itself: a receipt or a token.
        internal_routers=[inbox.router, candidates_router.internal_router,
                          erasure_router.status_router],
        events=events,
        inbox=inbox.Inbox(handlers=inbox.combined(
            retention_consumers.with_return_dates(consumers.HANDLERS),
            notices_consumers.HANDLERS)),
        idempotency_table=idempotency_keys,
        express=candidates_express.LANES,
        on_startup=[reachable.bind, start_relay, start_retention, start_notices],
        on_shutdown=[stop_notices, stop_retention, stop_relay],
    )
