"""Host companies and their agreements with programmes."""

import uuid
from typing import Any

from sqlalchemy import CheckConstraint, Index, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.placements.database import Base, IdMixin, TimestampsMixin, VersionMixin

SIZES = ("micro", "small", "medium", "large")
# A company hosts work, traineeship and seasonal stays; a study provider (a university abroad)
# hosts study stays only.
KINDS = ("company", "study_provider")


class Employer(IdMixin, TimestampsMixin, VersionMixin, Base):
    """A host: a company, or a study provider (a university abroad); who it is, where it works,
    its contacts and its programme agreements.

    Contacts and agreements are JSONB documents on the row; ``programme_ids`` holds the
    agreements' programmes, derived on every write, for the programme filter and for officers'
    visibility (an officer sees the employers that have an agreement with their programmes).
    """

    __tablename__ = "employer"
    __table_args__ = (
        CheckConstraint(f"size IN {SIZES}", name="size_known"),
        CheckConstraint(f"kind IN {KINDS}", name="kind_known"),
        Index("ix_employer_created_id", "created_at", "id"),
        Index("ix_employer_programme_ids", "programme_ids", postgresql_using="gin"),
    )

    name: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False, server_default="company")
    country: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    city: Mapped[str | None] = mapped_column(Text)
    sector: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    size: Mapped[str] = mapped_column(Text, nullable=False)
    operates_in_origin_countries: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=text("'{}'")
    )
    # [{name, email, phone, role}]: business contacts
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'")
    )
    # [{programme_id, signed_date, obligations: {mentor, stipend, stipend_amount, …}}]
    agreements: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'")
    )
    programme_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), nullable=False, server_default=text("'{}'")
    )
