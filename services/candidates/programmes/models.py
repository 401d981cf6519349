"""Programme table: a talent partnership's intake, capacity and eligibility rules."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Integer, Numeric, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.candidates.database import Base, IdMixin, TimestampsMixin, VersionMixin


class Programme(IdMixin, TimestampsMixin, VersionMixin, Base):
    """A mobility programme (HOMERe, PALIM, …) with its intake window and rules."""

    __tablename__ = "programme"
    __table_args__ = (
        CheckConstraint("intake_closes_at > intake_opens_at", name="intake_window"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint(
            "gender_balance_min_share IS NULL OR "
            "(gender_balance_min_share >= 0 AND gender_balance_min_share <= 1)",
            name="gender_share_range",
        ),
    )

    code: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    origin_countries: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    destination_countries: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    sectors: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=text("'{}'")
    )
    intake_opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    intake_closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    gender_balance_min_share: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
    # {gender: exact seats}, e.g. {"female": 24, "male": 26}; NULL when no split is set.
    gender_targets: Mapped[dict[str, int] | None] = mapped_column(JSONB)
    # {min_age, max_age, nationalities, min_education_level, required_languages: [...],
    #  genders, residence_countries, first_time_only}
    eligibility: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'")
    )
    required_consents: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=text("'{data_processing}'")
    )
    training_required_before_departure: Mapped[bool] = mapped_column(
        nullable=False, server_default=text("false")
    )
