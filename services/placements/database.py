"""The placements service's declarative base: every table lives in schema ``placements``."""

from sqlalchemy.orm import DeclarativeBase

from shared.db import service_metadata
from shared.events.tables import event_tables as define_event_tables


class Base(DeclarativeBase):
    """Base of the service's ORM models."""

    metadata = service_metadata("placements")


# Outbox, deliveries, webhook subscriptions and inbox (shared.events).
event_tables = define_event_tables(Base.metadata)
