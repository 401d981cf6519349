"""The receiving end: ``POST /internal/events`` verifies, deduplicates and applies events.

The request's body is one event or a JSON array of events in order, signed the Standard
Webhooks way with the shared internal secrets (``events_signing_secrets``). In the request's
transaction, the event ids go into the ``inbox`` table (``ON CONFLICT DO NOTHING``); the handler
of each new event then runs in that same transaction, so its effect and its inbox row commit
together. A duplicate (a retry after a lost acknowledgement) gets 200 and no second effect.
Refused with 4xx and no effect: a missing or wrong signature (401), a timestamp outside the
replay window or a ``webhook-id`` that does not name the body's events (400).

The new events are applied in a span of their own (``apply events``), in the trace the
delivery's ``traceparent`` continues (the relay's, a child of the request that recorded the
first event: :mod:`shared.events.relay`) and linked to the traces of the others.

This route is internal: the gateway never routes ``/internal/…``, and it is left out of the
public OpenAPI document.
"""

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from opentelemetry import trace
from opentelemetry.trace import Link
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import SessionDep
from shared.errors import ProblemError
from shared.events import repository, wire
from shared.events.service_events import ServiceEventsDep
from shared.events.signing import VerificationFailed, Verifier


class ReceivedEvent(BaseModel):
    """An event as it arrives (see :mod:`shared.events.wire`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID
    type: str
    version: int = 1
    source: str | None = None
    subject_id: str
    occurred_at: datetime
    request_id: str | None = None
    traceparent: str | None = None
    data: dict[str, Any]


Handler = Callable[[AsyncSession, ReceivedEvent], Awaitable[None]]
# Applies a run of consecutive new events of one type at once (e.g. one multi-row INSERT).
BatchHandler = Callable[[AsyncSession, list[ReceivedEvent]], Awaitable[None]]


def _in_turn(first: Handler, then: Handler) -> Handler:
    async def handle(session: AsyncSession, event: ReceivedEvent) -> None:
        await first(session, event)
        await then(session, event)

    return handle


def combined(*tables: Mapping[str, Handler]) -> dict[str, Handler]:
    """The handlers of several domains of a service in one table: where two handle the same
    type, both run, in the order given, in the inbox's one transaction."""
    merged: dict[str, Handler] = {}
    for table in tables:
        for kind, handler in table.items():
            merged[kind] = _in_turn(merged[kind], handler) if kind in merged else handler
    return merged

_BODY = TypeAdapter(list[ReceivedEvent] | ReceivedEvent)
tracer = trace.get_tracer("pathways.events.inbox")
_TRACE_CONTEXT = TraceContextTextMapPropagator()


class InvalidSignature(ProblemError):
    status, slug, title = 401, "invalid-webhook-signature", "Invalid webhook signature"


class StaleWebhook(ProblemError):
    status, slug, title = 400, "stale-webhook", "Webhook timestamp outside the replay window"


class MalformedEvents(ProblemError):
    status, slug, title = 400, "malformed-events", "Malformed events"


class InboxResult(BaseModel):
    """What the inbox did with a delivery."""

    received: int
    applied: int
    duplicates: int


def internal_verifier(request: Request, attribute: str = "events_verifier") -> Verifier:
    """The verifier of what other services sign with the internal ``events_signing_secrets``,
    made once and kept on ``app.state.<attribute>`` (where a test may put its own)."""
    state = request.app.state
    verifier: Verifier | None = getattr(state, attribute, None)
    if verifier is None:
        settings = state.settings
        secrets = [s.get_secret_value() for s in settings.events_signing_secrets]
        if not secrets:
            raise InvalidSignature("This service has no events_signing_secrets configured.")
        verifier = Verifier(secrets, tolerance_seconds=settings.events_timestamp_tolerance_seconds)
        setattr(state, attribute, verifier)
    return verifier


@dataclass(frozen=True, slots=True)
class Inbox:
    """What the service's inbox applies: ``handlers`` by event type, and ``batch_handlers`` for
    the types applied a run of consecutive events at a time (e.g. one multi-row INSERT; the
    order of the body is kept). Events of a type with neither are recorded and acknowledged,
    with no effect. ``shared.app.create_service_app(inbox=...)`` keeps it on the app."""

    handlers: Mapping[str, Handler] = field(default_factory=dict)
    batch_handlers: Mapping[str, BatchHandler] = field(default_factory=dict)


async def service_inbox(request: Request) -> Inbox:
    """The inbox of the service serving the request."""
    inbox: Inbox | None = getattr(request.app.state, "inbox", None)
    if inbox is None:
        raise RuntimeError("The inbox route needs create_service_app(inbox=Inbox(…)).")
    return inbox


router = APIRouter(tags=["internal"], include_in_schema=False)


@router.post("/internal/events", response_model=InboxResult)
async def receive_events(request: Request, session: SessionDep, events: ServiceEventsDep,
                         inbox: Annotated[Inbox, Depends(service_inbox)]) -> InboxResult:
    """Apply the signed events of the body, each exactly once."""
    body = await request.body()
    try:
        msg_id = internal_verifier(request).verify(body, request.headers)
    except VerificationFailed as failure:
        if failure.stale:
            raise StaleWebhook(failure.reason) from None
        raise InvalidSignature(failure.reason) from None
    try:
        parsed = _BODY.validate_python(orjson.loads(body))
    except (orjson.JSONDecodeError, ValidationError):
        raise MalformedEvents("The body is not an event or a list of events.") from None
    received = parsed if isinstance(parsed, list) else [parsed]
    if not received:
        return InboxResult(received=0, applied=0, duplicates=0)
    if msg_id != wire.batch_id([str(e.id) for e in received]):
        raise MalformedEvents("webhook-id does not name the events in the body.")
    fresh = await repository.record_received(session, events.tables,
                                             ids=[e.id for e in received],
                                             types=[e.type for e in received])
    new: list[ReceivedEvent] = []
    for event in received:
        if event.id in fresh:
            fresh.discard(event.id)  # a batch listing an id twice applies it once
            new.append(event)
    if new:
        with tracer.start_as_current_span("apply events", links=_links(new), attributes={
                "messaging.system": "pathways.events", "messaging.operation.type": "process",
                "messaging.batch.message_count": len(new),
                "pathways.event.types": sorted({e.type for e in new})}):
            await _apply(session, inbox, new)
    applied = len(new)
    return InboxResult(received=len(received), applied=applied,
                       duplicates=len(received) - applied)


async def _apply(session: AsyncSession, inbox: Inbox, new: list[ReceivedEvent]) -> None:
    """Apply ``new`` in order, a run of consecutive events of one type at a time."""
    start = 0
    while start < len(new):
        end = start + 1
        while end < len(new) and new[end].type == new[start].type:
            end += 1
        run, kind = new[start:end], new[start].type
        if kind in inbox.batch_handlers:
            await inbox.batch_handlers[kind](session, run)
        elif kind in inbox.handlers:
            for event in run:
                await inbox.handlers[kind](session, event)
        start = end


def _links(events: list[ReceivedEvent]) -> list[Link]:
    """Links to the traces of the events that recorded them, other than the current one (none
    when nothing is traced)."""
    span = trace.get_current_span()
    if not span.is_recording():
        return []
    current = span.get_span_context().trace_id
    seen = {current}
    links = []
    for event in events:
        if not event.traceparent:
            continue
        context = trace.get_current_span(
            _TRACE_CONTEXT.extract({"traceparent": event.traceparent})).get_span_context()
        if context.is_valid and context.trace_id not in seen:
            seen.add(context.trace_id)
            links.append(Link(context))
    return links
