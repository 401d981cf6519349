"""Partner webhooks: machine clients (``ministry``, ``visa_authority``, ``admin``) register
endpoints for events.

Each service that owns events serves ``/v1/webhooks/{service}/subscriptions`` for its own event
types. A subscription belongs to its creator (the token's client id) and records the creator's
grant at creation: role, programmes and (visa authority) destination country. It receives only
the events of those programmes (and that country), of the types the grant may see, shaped for
the grant (:mod:`shared.events.grants`). It gets its own signing secret, returned once, at
creation; the relay signs every delivery to it with that secret. Target URLs are checked
against SSRF (:mod:`targets`).
"""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, insert, select

from shared.auth import Forbidden
from shared.db import SessionDep
from shared.errors import NotFound, UnprocessableEntity, responses
from shared.events import grants
from shared.events.access import (
    WEBHOOK_ROLES,
    EventsClient,
    events_client,
    require_any_role,
)
from shared.events.signing import generate_secret
from shared.events.tables import EventTables
from shared.events.targets import UnsafeTarget, check_target
from shared.schemas import StorableText


class SubscriptionCreate(StorableText):
    """A webhook endpoint to register."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "url": "https://visa.ministry.example/hooks/pathways",
        "event_types": ["application.selected"]}]})

    url: str = Field(max_length=2000)
    event_types: list[str] = Field(min_length=1, max_length=50)


class Subscription(BaseModel):
    """A registered webhook endpoint (without its secret), with the grant it was registered
    under: only events of ``programme_ids`` (null: every programme, for an admin) and, when
    set, of destination ``country`` reach it."""

    id: uuid.UUID
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime
    role: str | None = None
    programme_ids: list[uuid.UUID] | None = None
    country: str | None = None


class SubscriptionCreated(Subscription):
    """The new subscription with its signing secret: shown this once, store it now."""

    secret: str


class SubscriptionNotFound(NotFound):
    slug, title = "webhook-subscription-not-found", "Webhook subscription not found"


class UnsafeWebhookTarget(UnprocessableEntity):
    slug, title = "unsafe-webhook-target", "Webhook URL not allowed"


class UnknownEventType(UnprocessableEntity):
    slug, title = "unknown-event-type", "Unknown event type"


class EventTypesNotAllowed(Forbidden):
    """The caller's grant may not see some of the event types it asked for."""

    slug, title = "event-types-not-allowed", "Event types not allowed for this grant"


class GrantWithoutScope(Forbidden):
    """A visa authority's token names no destination country: it could receive nothing."""

    slug, title = "grant-without-scope", "Grant without scope"


def subscriptions_router(tables: EventTables, *, source: str,
                         event_types: Mapping[str, str]) -> APIRouter:
    """The webhook subscription routes of the service ``source``, whose partners may see
    ``event_types``: ``/v1/webhooks/{source}/subscriptions``, so that the gateway routes each
    service's subscriptions to it.

    ``event_types`` maps each type a partner may subscribe to onto its description.
    """
    router = APIRouter(prefix=f"/v1/webhooks/{source}/subscriptions", tags=["webhooks"])
    table = tables.subscription
    columns = (table.c.id, table.c.url, table.c.event_types, table.c.active, table.c.created_at,
               table.c.role, table.c.programme_ids, table.c.country)
    offered = frozenset(event_types)
    ClientDep = Annotated[EventsClient, Depends(events_client)]

    def _mine(client: EventsClient):  # type: ignore[no-untyped-def]
        condition = table.c.kind == "partner"
        return condition if client.is_admin else condition & (table.c.owner == client.id)

    @router.post("", status_code=201, response_model=SubscriptionCreated,
                 responses=responses(UnsafeWebhookTarget, UnknownEventType, Forbidden,
                                     EventTypesNotAllowed),
                 description="Event types: " + "; ".join(
                     f"`{k}`: {v}" for k, v in sorted(event_types.items())))
    async def create_subscription(body: SubscriptionCreate, request: Request,
                                  session: SessionDep, client: ClientDep,
                                  response: Response) -> SubscriptionCreated:
        """Register a webhook endpoint; the answer holds its secret, shown only this once.

        The subscription keeps the caller's grant: a ministry receives the events of its
        programmes, a visa authority the visa events of its programmes' placements in its
        country; each only the types its grant may see (others: 403 naming them)."""
        require_any_role(client, WEBHOOK_ROLES)
        unknown = sorted(set(body.event_types) - offered)
        if unknown:
            raise UnknownEventType(
                f"Unknown or not allowed event types: {', '.join(unknown)}.",
                allowed=sorted(event_types))
        role = client.role
        allowed = grants.allowed_types(role, offered)
        refused = sorted(set(body.event_types) - allowed)
        if refused:
            raise EventTypesNotAllowed(
                f"A {role} grant may not receive: {', '.join(refused)}.",
                event_types=refused, allowed=sorted(allowed))
        grant = grants.GRANTS[role]
        if grant.by_country and not client.country:
            raise GrantWithoutScope("Your token names no destination country; ask the admin "
                                    "to set it on your client.")
        settings = request.app.state.settings
        try:
            await check_target(body.url, allow_private=settings.webhooks_allow_private_targets)
        except UnsafeTarget as error:
            raise UnsafeWebhookTarget(str(error)) from None
        secret = generate_secret()
        row = (await session.execute(insert(table).values(
            kind="partner", owner=client.id, url=body.url,
            event_types=sorted(set(body.event_types)), secret=secret, role=role,
            programme_ids=list(client.programme_ids) if grant.scoped else None,
            country=client.country if grant.by_country else None,
        ).returning(*columns))).mappings().one()
        response.headers["location"] = f"{router.prefix}/{row['id']}"
        response.headers["cache-control"] = "no-store"
        return SubscriptionCreated(**row, secret=secret)

    @router.get("", response_model=list[Subscription])
    async def list_subscriptions(session: SessionDep, client: ClientDep) -> list[Subscription]:
        """The caller's webhook subscriptions (every partner's for an admin)."""
        require_any_role(client, WEBHOOK_ROLES)
        rows = await session.execute(select(*columns).where(_mine(client))
                                     .order_by(table.c.created_at, table.c.id).limit(500))
        return [Subscription(**r) for r in rows.mappings().all()]

    @router.get("/{subscription_id}", response_model=Subscription,
                responses=responses(SubscriptionNotFound))
    async def get_subscription(subscription_id: uuid.UUID, session: SessionDep,
                               client: ClientDep) -> Subscription:
        """One webhook subscription."""
        require_any_role(client, WEBHOOK_ROLES)
        row = (await session.execute(select(*columns).where(
            _mine(client), table.c.id == subscription_id))).mappings().first()
        if row is None:
            raise SubscriptionNotFound(f"No webhook subscription {subscription_id}.")
        return Subscription(**row)

    @router.delete("/{subscription_id}", status_code=204,
                   responses=responses(SubscriptionNotFound))
    async def delete_subscription(subscription_id: uuid.UUID, session: SessionDep,
                                  client: ClientDep) -> Response:
        """Remove a webhook subscription and its undelivered events."""
        require_any_role(client, WEBHOOK_ROLES)
        deleted = (await session.execute(delete(table).where(
            _mine(client), table.c.id == subscription_id).returning(table.c.id))).first()
        if deleted is None:
            raise SubscriptionNotFound(f"No webhook subscription {subscription_id}.")
        return Response(status_code=204)

    return router
