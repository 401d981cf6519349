"""The candidates service's declarative base: every table lives in schema ``candidates``."""

from datetime import datetime
from typing import Annotated

from fastapi import Depends
from sqlalchemy import DateTime, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared import orm
from shared.access_record import AccessRecorder, ServiceAccessRecord
from shared.db import service_metadata
from shared.events.tables import event_tables as define_event_tables
from shared.idempotency import idempotency_table
from shared.orm import IdMixin, VersionMixin

SCHEMA = "candidates"
__all__ = ["SCHEMA", "Base", "IdMixin", "TimestampsMixin", "VersionMixin", "event_tables",
           "idempotency_keys"]


class Base(DeclarativeBase):
    """Base of the service's ORM models."""

    metadata = service_metadata(SCHEMA)


class TimestampsMixin(orm.TimestampsMixin):
    """When the row was created (indexed: the candidates' lists are ordered by it) and last
    changed."""

    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), index=True
    )


idempotency_keys = idempotency_table(Base.metadata)
# Outbox, deliveries, webhook subscriptions and inbox (shared.events).
event_tables = define_event_tables(Base.metadata)
# Who read or changed whose personal data (shared.access_record); routes take a recorder.
access_record = ServiceAccessRecord(Base.metadata, service=SCHEMA)
AccessRecorderDep = Annotated[AccessRecorder, Depends(access_record.recorder, scope="function")]
