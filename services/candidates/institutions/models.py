"""Partner institutions and their nominations of candidates to programmes."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Text, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.candidates.database import Base, IdMixin, TimestampsMixin, VersionMixin

# Public bodies take part too: a city signs with a city of origin (MENTOR 2: Milan-Tangier),
# a region or a ministry joins a programme's consortium.
INSTITUTION_KINDS = ("university", "employment_agency", "training_centre", "municipality",
                     "region", "ministry", "other")


class Institution(IdMixin, TimestampsMixin, VersionMixin, Base):
    """A partner: a university or employment agency that nominates candidates, a training
    centre, a municipality, region or ministry that signs agreements."""

    __tablename__ = "institution"
    __table_args__ = (CheckConstraint(f"kind IN {INSTITUTION_KINDS}", name="kind_known"),)

    name: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    country: Mapped[str] = mapped_column(Text, nullable=False)
    city: Mapped[str | None] = mapped_column(Text)
    contact_email: Mapped[str | None] = mapped_column(Text)


class Nomination(Base):
    """An institution puts a candidate forward for a programme."""

    __tablename__ = "nomination"
    __table_args__ = (UniqueConstraint("institution_id", "candidate_id", "programme_id"),)

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    institution_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.institution.id"), nullable=False, index=True
    )
    candidate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.candidate.id", ondelete="CASCADE"), nullable=False, index=True
    )
    programme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.programme.id"), nullable=False, index=True
    )
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
