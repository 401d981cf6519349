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
        CheckConstraint("max_stay_months IS NULL OR max_stay_months BETWEEN 1 AND 120",
                        name="max_stay_range"),
        CheckConstraint("max_extension_months IS NULL OR max_extension_months BETWEEN 0 AND 120",
                        name="max_extension_range"),
        CheckConstraint("cardinality(stay_types) > 0", name="stay_types_given"),
        CheckConstraint("follow_up_months BETWEEN 0 AND 120", name="follow_up_range"),
        CheckConstraint("retention_months BETWEEN 0 AND 240", name="retention_range"),
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
    # The programme's shape: what its stays are, how long, where, in which seasons, and what
    # it planned (see schemas.ProgrammeFields).
    stay_types: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=text("'{work}'")
    )
    repeat_stays: Mapped[bool] = mapped_column(nullable=False, server_default=text("false"))
    # {applicants, trained, moved}: each a count or null (not planned).
    planned: Mapped[dict[str, int | None]] = mapped_column(
        JSONB, nullable=False, server_default=text(
            """'{"applicants": null, "trained": null, "moved": null}'""")
    )
    max_stay_months: Mapped[int | None] = mapped_column(Integer)
    max_extension_months: Mapped[int | None] = mapped_column(Integer)
    destination_regions: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=text("'{}'")
    )
    # [{name, starts_on, ends_on}], dates as ISO strings.
    seasons: Mapped[list[dict[str, str]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'")
    )
    # [{country, reason, suspended_on}]: origins whose people may no longer apply.
    suspended_origins: Mapped[list[dict[str, str]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'")
    )
    # How long returnees are followed up after their return, and how long their personal data
    # is kept after that (services.candidates.retention decides who has expired).
    follow_up_months: Mapped[int] = mapped_column(Integer, nullable=False,
                                                  server_default=text("12"))
    retention_months: Mapped[int] = mapped_column(Integer, nullable=False,
                                                  server_default=text("60"))
