"""Wire formats of retention."""

import uuid
from datetime import datetime

from pydantic import ConfigDict, Field

from shared.schemas import ResponseModel


class RetentionErasureOut(ResponseModel):
    """One person erased because their retention expired: ids and dates, nothing personal."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "candidate_id": "0b7c6a1e-4a57-4c5e-9a51-3d1f0f6f2f10",
        "programme_id": "5d0f1c2e-8b1a-4b7e-a8a4-6c2f3a9e1d22",
        "follow_up_months": 12, "retention_months": 60,
        "ended_at": "2021-12-20T00:00:00Z", "expired_at": "2026-12-20T00:00:00Z",
        "erased_at": "2026-12-21T03:00:04Z",
    }]})

    candidate_id: uuid.UUID
    programme_id: uuid.UUID = Field(description="The programme whose rule expired last, which "
                                    "decided the erasure.")
    follow_up_months: int = Field(description="Its months of follow-up, as they were then.")
    retention_months: int = Field(description="Its months of retention, as they were then.")
    ended_at: datetime = Field(description="When the person's part in it ended: the end of "
                               "follow-up, or the intake's close or decision for someone never "
                               "placed.")
    expired_at: datetime = Field(description="ended_at plus the retention months.")
    erased_at: datetime


class RetentionRoundOut(ResponseModel):
    """What one retention round erased."""

    erased: list[RetentionErasureOut]
