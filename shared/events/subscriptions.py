"""Partner webhooks: machine clients (``ministry``, ``visa_authority``, ``admin``) register
endpoints for events.

Each service that owns events serves ``/v1/webhooks/{service}/subscriptions`` for its own event
types. A subscription belongs to its creator (the token's client id) and records the creator's
grant at creation: role, programmes and (visa authority) destination country. It receives only
the events of those programmes (and that country), of the types the grant may see, shaped for
the grant (:mod:`shared.events.grants`). It gets its own signing secret, returned once, at
creation, and stored sealed (:mod:`shared.sealing`); the relay unseals it to sign every delivery
to it. Target URLs are checked
against SSRF (:mod:`targets`).
"""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from shared import operation_ids, sealing
from shared.auth import Forbidden
from shared.db import SessionDep
from shared.errors import NotFound, UnprocessableEntity, responses
from shared.events import grants, repository
from shared.events.access import (
    WEBHOOK_ROLES,
    EventsClient,
    events_client,
    require_any_role,
)
from shared.events.service_events import ServiceEvents, ServiceEventsDep
from shared.events.signing import generate_secret
from shared.events.tables import EventTables
from shared.events.targets import UnsafeTarget, check_target
from shared.i18n import _
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


ClientDep = Annotated[EventsClient, Depends(events_client)]


async def create_subscription(body: SubscriptionCreate, request: Request, session: SessionDep,
                              events: ServiceEventsDep, client: ClientDep,
                              response: Response) -> SubscriptionCreated:
    """Register a webhook endpoint; the answer holds its secret, shown only this once.

    The subscription keeps the caller's grant: a ministry receives the events of its
    programmes, a visa authority the visa events of its programmes' placements in its
    country; each only the types its grant may see (others: 403 naming them)."""
    require_any_role(client, WEBHOOK_ROLES)
    offered = frozenset(events.event_types)
    unknown = sorted(set(body.event_types) - offered)
    if unknown:
        raise UnknownEventType(
            _("Unknown or not allowed event types: {unknown}.", unknown=', '.join(unknown)),
            allowed=sorted(events.event_types))
    role = client.role
    allowed = grants.allowed_types(role, offered)
    refused = sorted(set(body.event_types) - allowed)
    if refused:
        raise EventTypesNotAllowed(
            _("A {role} grant may not receive: {refused}.", role=role, refused=', '.join(refused)),
            event_types=refused, allowed=sorted(allowed))
    grant = grants.GRANTS[role]
    if grant.by_country and not client.country:
        raise GrantWithoutScope(_("Your token names no destination country; ask the admin "
                                  "to set it on your client."))
    settings = request.app.state.settings
    try:
        await check_target(body.url, allow_private=settings.webhooks_allow_private_targets)
    except UnsafeTarget as error:
        raise UnsafeWebhookTarget(str(error)) from None
    secret = generate_secret()
    row = await repository.add_partner_subscription(
        session, events.tables, owner=client.id, url=body.url,
        event_types=sorted(set(body.event_types)), secret=sealing.seal(secret), role=role,
        programme_ids=list(client.programme_ids) if grant.scoped else None,
        country=client.country if grant.by_country else None)
    response.headers["location"] = f"{events.subscriptions_path}/{row['id']}"
    response.headers["cache-control"] = "no-store"
    return SubscriptionCreated(**row, secret=secret)


async def list_subscriptions(session: SessionDep, events: ServiceEventsDep,
                             client: ClientDep) -> list[Subscription]:
    """The caller's webhook subscriptions (every partner's for an admin)."""
    require_any_role(client, WEBHOOK_ROLES)
    rows = await repository.partner_subscriptions(session, events.tables, client)
    return [Subscription(**r) for r in rows]


async def get_subscription(subscription_id: uuid.UUID, session: SessionDep,
                           events: ServiceEventsDep, client: ClientDep) -> Subscription:
    """One webhook subscription."""
    require_any_role(client, WEBHOOK_ROLES)
    row = await repository.partner_subscription(session, events.tables, client,
                                                subscription_id)
    if row is None:
        raise SubscriptionNotFound(_("No webhook subscription {subscription_id}.",
                                     subscription_id=subscription_id))
    return Subscription(**row)


async def delete_subscription(subscription_id: uuid.UUID, session: SessionDep,
                              events: ServiceEventsDep, client: ClientDep) -> Response:
    """Remove a webhook subscription and its undelivered events."""
    require_any_role(client, WEBHOOK_ROLES)
    if not await repository.delete_partner_subscription(session, events.tables, client,
                                                        subscription_id):
        raise SubscriptionNotFound(_("No webhook subscription {subscription_id}.",
                                     subscription_id=subscription_id))
    return Response(status_code=204)


def subscriptions_router(events: ServiceEvents) -> APIRouter:
    """The webhook subscription routes at the service's own path
    (``/v1/webhooks/{source}/subscriptions``, so that the gateway routes each service's
    subscriptions to it), the creation documenting the event types its partners may see.

    Only the path and that list differ between services; the handlers above read the rest
    from :data:`ServiceEventsDep`. The routes are declared here rather than on one router of
    this module: FastAPI shares an included router's route objects between the apps that
    include it, so their documentation could not differ per service, and a router included
    under a prefix is not among the routes whose token check the app proves at start-up.
    """
    # Each service's routes get ids of their own: webhooks_candidates_subscriptions_list, …
    router = APIRouter(prefix=events.subscriptions_path, tags=["webhooks"],
                       generate_unique_id_function=operation_ids.for_resource(
                           f"webhooks {events.source} subscriptions"))
    router.add_api_route(
        "", create_subscription, methods=["POST"], status_code=201,
        response_model=SubscriptionCreated,
        responses=responses(UnsafeWebhookTarget, UnknownEventType, Forbidden,
                            EventTypesNotAllowed),
        description="Event types: " + "; ".join(
            f"`{k}`: {v}" for k, v in sorted(events.event_types.items())))
    router.add_api_route("", list_subscriptions, methods=["GET"],
                         response_model=list[Subscription])
    router.add_api_route("/{subscription_id}", get_subscription, methods=["GET"],
                         response_model=Subscription, responses=responses(SubscriptionNotFound))
    router.add_api_route("/{subscription_id}", delete_subscription, methods=["DELETE"],
                         status_code=204, responses=responses(SubscriptionNotFound))
    return router


async def reseal_partner_secrets(session: AsyncSession, tables: EventTables,
                                 keyring: sealing.Keyring, *, only_plain: bool = False) -> int:
    """Rewrap every partner subscription's secret with ``keyring``'s current key (a plain one,
    from before sealing, is sealed); with ``only_plain``, seal the plain ones only. How many
    changed; none when the schema has no event tables. A secret sealed with a key the keyring
    lacks raises :class:`shared.sealing.UnknownSealingKey`."""
    if not await repository.table_exists(session, tables):
        return 0
    changed = 0
    for subscription_id, stored in await repository.partner_secrets(session, tables):
        if only_plain and sealing.is_sealed(stored):
            continue
        resealed = keyring.resealed(stored)
        if resealed is not None:
            await repository.set_partner_secret(session, tables, subscription_id, resealed)
            changed += 1
    return changed
