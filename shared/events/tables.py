"""Table factories for events: each service calls :func:`event_tables` on its own MetaData.

- ``outbox``: one row per event, written in the transaction of the change that caused it.
- ``event_subscription``: who receives which event types at which URL. ``internal`` rows are the
  other services, synchronised from settings at start-up; ``partner`` rows are webhook endpoints
  registered by machine clients (ministries, visa authorities) through
  ``/v1/webhooks/{service}/subscriptions``, scoped to their creator's grant.
- ``event_delivery``: one row per event and subscription, created with the event, so "delivered
  to this subscriber" is a row's status and a subscription added later gets no history.
- ``inbox``: ids of the events this service received and applied.
"""

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

DELIVERY_STATUSES = ("pending", "delivered", "dead")
SUBSCRIPTION_KINDS = ("internal", "partner")


@dataclass(frozen=True, slots=True)
class EventTables:
    """A service's event tables, all in its own schema."""

    outbox: Table
    subscription: Table
    delivery: Table
    inbox: Table

    @property
    def schema(self) -> str:
        """The schema the tables live in."""
        return self.outbox.schema or "public"

    @property
    def channel(self) -> str:
        """The NOTIFY channel a commit with new events signals on."""
        return f"{self.schema}_outbox"

    def name(self, table: Table) -> str:
        """The schema-qualified name of ``table`` for raw SQL."""
        return f'"{self.schema}"."{table.name}"'


def event_tables(metadata: MetaData) -> EventTables:
    """Define the outbox, subscription, delivery and inbox tables on ``metadata``."""
    outbox = Table(
        "outbox", metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("type", Text, nullable=False),
        Column("version", Integer, nullable=False, server_default="1"),
        Column("subject_id", Text, nullable=False),
        Column("payload", JSONB, nullable=False),
        Column("occurred_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("request_id", Text),
        Column("traceparent", Text),
    )
    subscription = Table(
        "event_subscription", metadata,
        Column("id", UUID(as_uuid=True), primary_key=True,
               server_default=text("gen_random_uuid()")),
        Column("kind", Text, nullable=False),
        # internal: the subscriber's name from settings (unique); partner: null.
        Column("name", Text, unique=True),
        # partner: the machine client that registered it (the gateway's client id).
        Column("owner", Text),
        Column("url", Text, nullable=False),
        Column("event_types", ARRAY(Text), nullable=False),
        # partner: its own signing secret (whsec_…), sealed (shared.sealing: plain in rows from
        # before sealing, until `pathways reseal`); internal: null, the settings' secrets sign.
        Column("secret", Text),
        # partner: the grant it was registered under, copied from the creator's token: its
        # role, programmes and (visa authority) destination country. An event reaches it only
        # if its payload's programme_id is among ``programme_ids`` (and its
        # destination_country is ``country`` when set); null programme_ids: unscoped (internal
        # subscribers and admins). See shared.events.grants.
        Column("role", Text),
        Column("programme_ids", ARRAY(UUID(as_uuid=True))),
        Column("country", Text),
        Column("active", Boolean, nullable=False, server_default=text("true")),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        CheckConstraint(f"kind IN {SUBSCRIPTION_KINDS}", name="kind_known"),
        Index("ix_event_subscription_owner", "owner"),
    )
    delivery = Table(
        "event_delivery", metadata,
        # Also the delivery order: per subject, a later event has a higher id (see outbox.py).
        Column("id", BigInteger, primary_key=True, autoincrement=True),  # bigserial
        Column("event_id", UUID(as_uuid=True),
               ForeignKey(outbox.c.id, ondelete="CASCADE"), nullable=False),
        Column("subscription_id", UUID(as_uuid=True),
               ForeignKey(subscription.c.id, ondelete="CASCADE"), nullable=False),
        Column("subject_id", Text, nullable=False),
        Column("status", Text, nullable=False, server_default="pending"),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("next_attempt_at", DateTime(timezone=True), nullable=False,
               server_default=func.now()),
        Column("last_error", Text),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("delivered_at", DateTime(timezone=True)),
        CheckConstraint(f"status IN {DELIVERY_STATUSES}", name="status_known"),
        UniqueConstraint("event_id", "subscription_id"),
        # What the relay claims, in order.
        Index("ix_event_delivery_pending", "id", postgresql_where=text("status = 'pending'")),
        # "Is an earlier delivery of this subject to this subscriber still open?"
        Index("ix_event_delivery_open_subject", "subscription_id", "subject_id", "id",
              postgresql_where=text("status <> 'delivered'")),
    )
    inbox = Table(
        "inbox", metadata,
        Column("event_id", UUID(as_uuid=True), primary_key=True),
        Column("type", Text, nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    return EventTables(outbox=outbox, subscription=subscription, delivery=delivery, inbox=inbox)
