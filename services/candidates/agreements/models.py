"""A programme's partners: its consortium, and the agreements its partners sign with each other."""

import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.candidates.database import Base, IdMixin, TimestampsMixin

CONSORTIUM_ROLES = ("lead", "partner", "associate")


class ConsortiumMember(Base):
    """An institution taking part in running a programme: its lead, a partner or an associate."""

    __tablename__ = "consortium_member"
    __table_args__ = (
        UniqueConstraint("programme_id", "institution_id"),
        CheckConstraint(f"role IN {CONSORTIUM_ROLES}", name="role_known"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    # No index of its own: the unique constraint's index leads with it.
    programme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.programme.id"), nullable=False
    )
    institution_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.institution.id"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(Text, nullable=False)
    joined_on: Mapped[date] = mapped_column(Date, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class Agreement(IdMixin, TimestampsMixin, Base):
    """An agreement partners of a programme signed (a twinning of two cities, a university's
    internship convention), recorded with the dates it was signed and runs."""

    __tablename__ = "agreement"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on > starts_on", name="ends_after_start"),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.programme.id"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(Text, nullable=False)
    purpose: Mapped[str] = mapped_column(Text, nullable=False)
    signed_on: Mapped[date] = mapped_column(Date, nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date | None] = mapped_column(Date)
    document_reference: Mapped[str | None] = mapped_column(Text)


class AgreementParty(Base):
    """One institution that signed an agreement; ``position`` keeps the order they were named."""

    __tablename__ = "agreement_party"

    agreement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.agreement.id"), primary_key=True
    )
    institution_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.institution.id"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
