"""The indicators' counts, kept by the writes: one row per programme and group of returnees.

A group is a combination of the breakdown columns of a case (gender, origin country, sector,
destination country; ``unknown`` where nobody gave one), and its rows hold what the indicators
count of the group's cases, their stays, follow-ups and support measures. Triggers on those
tables (:mod:`.counts`) change the counts in the writing statement's own transaction, so the
indicators read a few hundred rows instead of every follow-up of the programme. A row whose
counts fell back to zero stays, and is not read as a group.
"""

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Integer, Numeric, SmallInteger, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.reintegration.database import Base


class _Group:
    """The programme and the breakdown columns of a group."""

    programme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    gender: Mapped[str] = mapped_column(Text, primary_key=True)
    origin_country: Mapped[str] = mapped_column(Text, primary_key=True)
    sector: Mapped[str] = mapped_column(Text, primary_key=True)
    destination_country: Mapped[str] = mapped_column(Text, primary_key=True)


def _count() -> Mapped[int]:
    return mapped_column(BigInteger, nullable=False, server_default="0")


class IndicatorReturnees(_Group, Base):
    """A group's cases, the stays of the programme they hold, and how many of them answered
    a follow-up as self-employed."""

    __tablename__ = "indicator_returnees"

    people: Mapped[int] = _count()
    stays: Mapped[int] = _count()
    businesses_created: Mapped[int] = _count()


class IndicatorClock(Base):
    """The instant the scheduled follow-ups are counted as of (one row). The overdue job moves
    it on each round; the indicators count again, as of the hour they are read, only the
    follow-ups due or closing in between."""

    __tablename__ = "indicator_clock"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, server_default="1")
    as_of: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class IndicatorPoint(_Group, Base):
    """A group's follow-ups at one point (cancelled ones left out), by status, and their
    answers; of the scheduled ones, as of the clock's instant, those due (started), still
    answerable (open) and whose window closed (missed)."""

    __tablename__ = "indicator_point"

    point_months: Mapped[int] = mapped_column(Integer, primary_key=True)
    completed: Mapped[int] = _count()
    overdue: Mapped[int] = _count()
    scheduled: Mapped[int] = _count()
    waiting_started: Mapped[int] = _count()
    waiting_open: Mapped[int] = _count()
    waiting_missed: Mapped[int] = _count()
    unreachable: Mapped[int] = _count()
    working: Mapped[int] = _count()
    host_company: Mapped[int] = _count()
    abroad: Mapped[int] = _count()


class IndicatorSpend(_Group, Base):
    """What was paid out to a group's cases in one currency: the sum, the measures, and how
    many of the cases had any."""

    __tablename__ = "indicator_spend"

    currency: Mapped[str] = mapped_column(Text, primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Numeric, nullable=False, server_default="0")
    measures: Mapped[int] = _count()
    people: Mapped[int] = _count()


class IndicatorSupport(Base):
    """A programme's support measures of one stage and kind, case or not: every one
    (``recorded``), those not cancelled and the people these are for."""

    __tablename__ = "indicator_support"

    programme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    stage: Mapped[str] = mapped_column(Text, primary_key=True)
    kind: Mapped[str] = mapped_column(Text, primary_key=True)
    recorded: Mapped[int] = _count()
    measures: Mapped[int] = _count()
    people: Mapped[int] = _count()


class IndicatorSupportMoney(Base):
    """The money paid out in a programme's measures of one stage and kind, per currency."""

    __tablename__ = "indicator_support_money"

    programme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    stage: Mapped[str] = mapped_column(Text, primary_key=True)
    kind: Mapped[str] = mapped_column(Text, primary_key=True)
    currency: Mapped[str] = mapped_column(Text, primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Numeric, nullable=False, server_default="0")
    disbursed: Mapped[int] = _count()
