"""Host companies, their agreements with programmes and their suspensions in them."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Text, text
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


class EmployerSuspension(IdMixin, TimestampsMixin, Base):
    """An employer suspended in one programme: when, why, by whom and when it is reviewed;
    once reinstated, when, by whom and why. Never deleted: the rows are the history of the
    employer's standing.

    At most one suspension of an employer is in force per programme (``reinstated_on`` null;
    the partial unique index). ``closed_vacancy_ids`` are the open vacancies the suspension
    closed, which reinstating does not reopen.
    """

    __tablename__ = "employer_suspension"
    __table_args__ = (
        CheckConstraint("review_on IS NULL OR review_on >= suspended_on",
                        name="review_not_before_suspension"),
        CheckConstraint("reinstated_on IS NULL OR reinstated_on >= suspended_on",
                        name="reinstated_not_before_suspension"),
        CheckConstraint("(reinstated_on IS NULL) = (reinstated_by IS NULL) AND "
                        "(reinstated_on IS NULL) = (reinstated_by_role IS NULL) AND "
                        "(reinstated_on IS NULL) = (reinstatement_reason IS NULL)",
                        name="reinstatement_complete"),
        Index("uq_employer_suspension_in_force", "employer_id", "programme_id", unique=True,
              postgresql_where=text("reinstated_on IS NULL")),
        Index("ix_employer_suspension_programme_created", "programme_id", "created_at", "id"),
    )

    # RESTRICT: an employer with a history of suspensions is not deleted with it.
    employer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("placements.employer.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    programme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    suspended_on: Mapped[date] = mapped_column(Date, nullable=False)
    review_on: Mapped[date | None] = mapped_column(Date)
    suspended_by: Mapped[str] = mapped_column(Text, nullable=False)
    suspended_by_role: Mapped[str] = mapped_column(Text, nullable=False)
    closed_vacancy_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), nullable=False, server_default=text("'{}'")
    )
    reinstated_on: Mapped[date | None] = mapped_column(Date)
    reinstated_by: Mapped[str | None] = mapped_column(Text)
    reinstated_by_role: Mapped[str | None] = mapped_column(Text)
    reinstatement_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def in_force(self) -> bool:
        """Whether the employer is still suspended by it (not reinstated)."""
        return self.reinstated_on is None
