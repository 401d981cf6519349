"""Partner webhooks: machine clients (``ministry``, ``admin``) register endpoints for events.

Each service that owns events serves ``/v1/webhooks/subscriptions`` for its own event types.
A subscription gets its own signing secret, returned once, at creation; the relay signs every
delivery to it with that secret. Target URLs are checked against SSRF (:mod:`targets`).
Partners receive the same envelopes as internal subscribers, whose payloads carry ids and
statuses only, never personal data.
"""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, insert, select

from shared.db import SessionDep
from shared.errors import NotFound, UnprocessableEntity, responses
from shared.events.access import (
    WEBHOOK_ROLES,
    EventsClient,
    Forbidden,
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
    """A registered webhook endpoint (without its secret)."""

    id: uuid.UUID
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime


class SubscriptionCreated(Subscription):
    """The new subscription with its signing secret: shown this once, store it now."""

    secret: str


class SubscriptionNotFound(NotFound):
    slug, title = "webhook-subscription-not-found", "Webhook subscription not found"


class UnsafeWebhookTarget(UnprocessableEntity):
    slug, title = "unsafe-webhook-target", "Webhook URL not allowed"


class UnknownEventType(UnprocessableEntity):
    slug, title = "unknown-event-type", "Unknown event type"


def subscriptions_router(tables: EventTables, *, source: str,
                         event_types: Mapping[str, str]) -> APIRouter:
    """The webhook subscription routes of the service ``source``, whose partners may see
    ``event_types``: ``/v1/webhooks/{source}/subscriptions``, so that the gateway routes each
    service's subscriptions to it.

    ``event_types`` maps each type a partner may subscribe to onto its description.
    """
    router = APIRouter(prefix=f"/v1/webhooks/{source}/subscriptions", tags=["webhooks"])
    table = tables.subscription
    columns = (table.c.id, table.c.url, table.c.event_types, table.c.active, table.c.created_at)
    ClientDep = Annotated[EventsClient, Depends(events_client)]

    def _mine(client: EventsClient):  # type: ignore[no-untyped-def]
        condition = table.c.kind == "partner"
        return condition if client.is_admin else condition & (table.c.owner == client.id)

    @router.post("", status_code=201, response_model=SubscriptionCreated,
                 responses=responses(UnsafeWebhookTarget, UnknownEventType, Forbidden),
                 description="Event types: " + "; ".join(
                     f"`{k}`: {v}" for k, v in sorted(event_types.items())))
    async def create_subscription(body: SubscriptionCreate, request: Request,
                                  session: SessionDep, client: ClientDep,
                                  response: Response) -> SubscriptionCreated:
        """Register a webhook endpoint; the answer holds its secret, shown only this once."""
        require_any_role(client, WEBHOOK_ROLES)
        unknown = sorted(set(body.event_types) - set(event_types))
        if unknown:
            raise UnknownEventType(
                f"Unknown or not allowed event types: {', '.join(unknown)}.",
                allowed=sorted(event_types))
        settings = request.app.state.settings
        try:
            await check_target(body.url, allow_private=settings.webhooks_allow_private_targets)
        except UnsafeTarget as error:
            raise UnsafeWebhookTarget(str(error)) from None
        secret = generate_secret()
        row = (await session.execute(insert(table).values(
            kind="partner", owner=client.id, url=body.url,
            event_types=sorted(set(body.event_types)), secret=secret,
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
