"""The placements service's declarative base: every table lives in schema ``placements``."""

from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import DeclarativeBase

from shared.access_record import AccessRecorder, ServiceAccessRecord
from shared.db import service_metadata
from shared.events.tables import event_tables as define_event_tables
from shared.idempotency import idempotency_table
from shared.orm import IdMixin, TimestampsMixin, VersionMixin

SCHEMA = "placements"
__all__ = ["SCHEMA", "Base", "IdMixin", "TimestampsMixin", "VersionMixin", "event_tables",
           "idempotency_keys"]


class Base(DeclarativeBase):
    """Base of the service's ORM models."""

    metadata = service_metadata(SCHEMA)


idempotency_keys = idempotency_table(Base.metadata)
# Outbox, deliveries, webhook subscriptions and inbox (shared.events).
event_tables = define_event_tables(Base.metadata)
# Who read or changed whose personal data (shared.access_record); routes take a recorder.
access_record = ServiceAccessRecord(Base.metadata, service=SCHEMA)
AccessRecorderDep = Annotated[AccessRecorder, Depends(access_record.recorder, scope="function")]
