"""Vacancies: the seats an employer offers in a programme, and what they ask of candidates."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.placements.database import Base, IdMixin, TimestampsMixin, VersionMixin

STATUSES = ("open", "closed")


class Vacancy(IdMixin, TimestampsMixin, VersionMixin, Base):
    """A traineeship or job an employer offers in a programme; open or closed by actions.

    Skills and languages are JSONB documents; ``required_skill_keys`` and
    ``nice_to_have_skill_keys`` hold their lower-cased labels and URIs, and ``end_date`` is
    ``start_date`` plus ``duration_months``, both derived on every write.
    """

    __tablename__ = "vacancy"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES}", name="status_known"),
        CheckConstraint("seats >= 1", name="seats_positive"),
        CheckConstraint("duration_months >= 1", name="duration_positive"),
        CheckConstraint("occupation_code ~ '^[0-9]{4}$'", name="isco_code"),
        CheckConstraint("(stipend_amount IS NULL) = (stipend_currency IS NULL)",
                        name="stipend_complete"),
        Index("ix_vacancy_programme_status", "programme_id", "status"),
        Index("ix_vacancy_created_id", "created_at", "id"),
    )

    employer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("placements.employer.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    programme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    occupation_code: Mapped[str] = mapped_column(Text, nullable=False)
    sector: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    # [{uri, label}]
    required_skills: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'")
    )
    nice_to_have_skills: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'")
    )
    required_skill_keys: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=text("'{}'")
    )
    nice_to_have_skill_keys: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=text("'{}'")
    )
    # [{language, min_level}]
    required_languages: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'")
    )
    seats: Mapped[int] = mapped_column(Integer, nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    duration_months: Mapped[int] = mapped_column(Integer, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    country: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    city: Mapped[str | None] = mapped_column(Text)
    stipend_amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    stipend_currency: Mapped[str | None] = mapped_column(Text)
    # None: any nationality; else only these (ISO 3166-1 alpha-2).
    eligible_nationalities: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="open")

    @property
    def location(self) -> dict[str, str | None]:
        """Where the work is, as the API shows it."""
        return {"country": self.country, "city": self.city}

    @property
    def stipend(self) -> dict[str, Any] | None:
        """The monthly stipend, as the API shows it; None when unpaid."""
        if self.stipend_amount is None:
            return None
        return {"amount": self.stipend_amount, "currency": self.stipend_currency}
