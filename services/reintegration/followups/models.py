"""Follow-ups: one per stay of a case and point of its programme's schedule, with its answer."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.reintegration.database import Base, IdMixin, TimestampsMixin, VersionMixin

FOLLOW_UP_STATUSES = ("scheduled", "completed", "overdue", "cancelled")
EMPLOYMENT_STATUSES = ("employed_host_company", "employed_other_employer", "self_employed",
                       "in_education", "seeking_work", "not_seeking_work", "unreachable")
# Working: what "employed or self-employed" counts, and the answers that describe a job.
WORKING = ("employed_host_company", "employed_other_employer", "self_employed")
JOB_LOCATIONS = ("origin_country", "abroad")
# Monthly income, in euro equivalents at the time of the answer.
INCOME_BANDS = ("none", "under_200", "200_499", "500_999", "1000_1999", "2000_or_more",
                "not_disclosed")
SKILLS_USE = ("not_at_all", "a_little", "somewhat", "a_lot")
RECORDED_VIA = ("app", "caseworker")


class FollowUp(IdMixin, TimestampsMixin, VersionMixin, Base):
    """A follow-up due ``point_months`` after one stay's return, answerable from ``due_date``
    until ``window_closes_at`` (exclusive; the end of the window's last day, UTC).

    ``programme_id`` is the case's, kept here so that the indicators read one index. The
    answer's columns are null until it is ``completed``; ``answered_on`` is the day the
    returnee answered (a caseworker may record an answer given earlier), ``completed_at`` when
    it was recorded. ``employer_name`` and ``notes`` are the free text, blanked when the
    candidate is erased. Sustainability scores are 0 to 1 per dimension, as in IOM's
    reintegration sustainability survey.
    """

    __tablename__ = "follow_up"
    __table_args__ = (
        CheckConstraint(f"status IN {FOLLOW_UP_STATUSES}", name="status_known"),
        CheckConstraint(f"employment_status IS NULL OR employment_status IN "
                        f"{EMPLOYMENT_STATUSES}", name="employment_status_known"),
        CheckConstraint(f"job_location IS NULL OR job_location IN {JOB_LOCATIONS}",
                        name="job_location_known"),
        CheckConstraint(f"income_band IS NULL OR income_band IN {INCOME_BANDS}",
                        name="income_band_known"),
        CheckConstraint(f"skills_use IS NULL OR skills_use IN {SKILLS_USE}",
                        name="skills_use_known"),
        CheckConstraint(f"recorded_via IS NULL OR recorded_via IN {RECORDED_VIA}",
                        name="recorded_via_known"),
        CheckConstraint("satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5",
                        name="satisfaction_range"),
        CheckConstraint("(status = 'completed') = (employment_status IS NOT NULL "
                        "AND completed_at IS NOT NULL)", name="answered_when_completed"),
        CheckConstraint("(status = 'completed') = (answered_on IS NOT NULL)",
                        name="answered_on_when_completed"),
        CheckConstraint("point_months >= 0", name="point_not_negative"),
        UniqueConstraint("stay_id", "point_months"),
        # The indicators: one programme's follow-ups by point, read from the index alone.
        Index("ix_follow_up_programme_point", "programme_id", "point_months",
              postgresql_include=["case_id", "status", "employment_status", "job_location",
                                  "due_date", "window_closes_at"]),
        Index("ix_follow_up_case_due", "case_id", "due_date"),
        # The indicators: follow-ups still waiting that fell due since their counts' instant.
        Index("ix_follow_up_scheduled_due", "due_date",
              postgresql_include=["programme_id", "window_closes_at", "case_id",
                                  "point_months"],
              postgresql_where=text("status = 'scheduled'")),
        # The overdue job and the due lists: follow-ups still waiting, by when they close.
        Index("ix_follow_up_scheduled_closes", "window_closes_at", "id",
              postgresql_where=text("status = 'scheduled'")),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reintegration.returnee_case.id", ondelete="CASCADE"), nullable=False)
    stay_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reintegration.returnee_stay.id", ondelete="CASCADE"), nullable=False)
    programme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    point_months: Mapped[int] = mapped_column(Integer, nullable=False)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    window_closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="scheduled")
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_on: Mapped[date | None] = mapped_column(Date)
    overdue_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recorded_via: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(Text)
    employment_status: Mapped[str | None] = mapped_column(Text)
    employer_name: Mapped[str | None] = mapped_column(Text)
    job_sector: Mapped[str | None] = mapped_column(Text)
    job_location: Mapped[str | None] = mapped_column(Text)
    income_band: Mapped[str | None] = mapped_column(Text)
    skills_use: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    sustainability_economic: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))
    sustainability_social: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))
    sustainability_psychosocial: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))
    notes: Mapped[str | None] = mapped_column(Text)
