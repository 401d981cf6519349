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
STAY_TYPES = ("work", "traineeship", "study", "seasonal")
QUALIFICATION_LEVELS = ("bachelor", "master", "doctorate")


class Vacancy(IdMixin, TimestampsMixin, VersionMixin, Base):
    """A stay a host offers in a programme (a job, a traineeship, a place in a study programme
    or a season's work); open or closed by actions.

    Skills and languages are JSONB documents; ``required_skill_keys`` and
    ``nice_to_have_skill_keys`` hold their lower-cased labels and URIs, and ``end_date`` is
    ``start_date`` plus ``duration_months``, both derived on every write. Each stay type has
    its own fields, required for it and empty otherwise (the check constraints); only a study
    may go without an ISCO-08 occupation.
    """

    __tablename__ = "vacancy"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES}", name="status_known"),
        CheckConstraint("seats >= 1", name="seats_positive"),
        CheckConstraint("duration_months >= 1", name="duration_positive"),
        CheckConstraint("occupation_code ~ '^[0-9]{4}$'", name="isco_code"),
        CheckConstraint(f"stay_type IN {STAY_TYPES}", name="stay_type_known"),
        CheckConstraint(f"qualification_level IN {QUALIFICATION_LEVELS}",
                        name="qualification_level_known"),
        CheckConstraint("stay_type = 'study' OR occupation_code IS NOT NULL",
                        name="occupation_required"),
        CheckConstraint("(stay_type = 'traineeship') = (training_agreement_reference IS NOT NULL)",
                        name="traineeship_fields"),
        CheckConstraint("(stay_type = 'study') = (study_programme IS NOT NULL) AND "
                        "(stay_type = 'study') = (qualification_level IS NOT NULL)",
                        name="study_fields"),
        CheckConstraint("(stay_type = 'seasonal') = (season IS NOT NULL)",
                        name="seasonal_fields"),
        CheckConstraint("region IS NULL OR starts_with(region, country || '-')",
                        name="region_in_country"),
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
    stay_type: Mapped[str] = mapped_column(Text, nullable=False, server_default="work")
    # ISCO-08; None only for a study. Derived from ``occupation`` when that is ESCO's.
    occupation_code: Mapped[str | None] = mapped_column(Text)
    # {uri, label, esco}: an ESCO occupation, or a free label.
    occupation: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
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
    # ISO 3166-2 subdivision of ``country`` (BE-VLG: Flanders).
    region: Mapped[str | None] = mapped_column(Text)
    # traineeship: the training agreement it runs under.
    training_agreement_reference: Mapped[str | None] = mapped_column(Text)
    # study: the degree's title and level.
    study_programme: Mapped[str | None] = mapped_column(Text)
    qualification_level: Mapped[str | None] = mapped_column(Text)
    # seasonal: the season's name (e.g. "2024").
    season: Mapped[str | None] = mapped_column(Text)
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
