"""Every table of the reintegration service, imported so Alembic sees the whole metadata."""

from services.reintegration.cases.models import ErasedCandidate, ReturneeCase, ReturneeStay
from services.reintegration.database import Base, event_tables, idempotency_keys
from services.reintegration.followups.models import FollowUp
from services.reintegration.indicators.models import (
    IndicatorClock,
    IndicatorPoint,
    IndicatorReturnees,
    IndicatorSpend,
    IndicatorSupport,
    IndicatorSupportMoney,
)
from services.reintegration.schedules.models import FollowUpSchedule
from services.reintegration.support.models import SupportMeasure

__all__ = ["Base", "ErasedCandidate", "FollowUp", "FollowUpSchedule", "IndicatorClock",
           "IndicatorPoint",
           "IndicatorReturnees", "IndicatorSpend", "IndicatorSupport", "IndicatorSupportMoney",
           "ReturneeCase", "ReturneeStay", "SupportMeasure", "event_tables", "idempotency_keys"]
