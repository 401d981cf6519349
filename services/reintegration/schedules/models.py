"""Each programme's follow-up schedule: when returnees are asked, and for how long."""

import uuid

from sqlalchemy import CheckConstraint, Integer
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.reintegration.database import Base, TimestampsMixin, VersionMixin

DEFAULT_POINTS = (0, 1, 3, 6, 12)
DEFAULT_WINDOW_DAYS = 30
# The version (and ETag) of the default schedule a programme follows until it sets its own: a
# first PUT names it in If-Match like any later one.
DEFAULT_VERSION = 0


class FollowUpSchedule(TimestampsMixin, VersionMixin, Base):
    """A programme's follow-up points (months after return) and answer window (days).

    A programme without a row uses :data:`DEFAULT_POINTS` and :data:`DEFAULT_WINDOW_DAYS`. A
    case is scheduled when it opens; changing the schedule leaves open cases as they are.
    """

    __tablename__ = "follow_up_schedule"
    __table_args__ = (
        CheckConstraint("cardinality(points_months) BETWEEN 1 AND 24", name="points_count"),
        CheckConstraint("window_days BETWEEN 1 AND 365", name="window_days_range"),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    points_months: Mapped[list[int]] = mapped_column(ARRAY(Integer), nullable=False)
    window_days: Mapped[int] = mapped_column(Integer, nullable=False)
