"""Responses of erasure."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ErasureOut(BaseModel):
    """A candidate whose personal data was erased, and how to follow the erasure."""

    candidate_id: uuid.UUID
    erased_at: datetime
    receipt: str = Field(description="Shown this once, kept only hashed: send it as the "
                         "`Erasure-Receipt` header of `status_url` to follow the erasure "
                         "without an account (the erased person's account is deleted).")
    status_url: str = Field(description="Where the erasure's progress is read.")


class ServiceAcknowledgement(BaseModel):
    """Where one service that must forget the person stands."""

    model_config = ConfigDict(from_attributes=True)

    service: str = Field(description="placements, reintegration, gateway (the account).")
    status: Literal["pending", "failing", "done", "dead"] = Field(
        description="done: the service applied the erasure and acknowledged it; failing: an "
        "attempt failed and is being retried; dead: attempts ran out (operators replay it).")
    attempts: int
    acknowledged_at: datetime | None


class ErasureStatusOut(BaseModel):
    """An erasure's progress: this service forgot at once, the others as listed."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "candidate_id": "6f1c2b7e-4d0a-4c7e-9a51-2f3e8b9d0c11",
        "erased_at": "2026-12-04T16:00:00Z", "complete": False,
        "services": [
            {"service": "gateway", "status": "done", "attempts": 1,
             "acknowledged_at": "2026-12-04T16:00:01Z"},
            {"service": "placements", "status": "failing", "attempts": 2,
             "acknowledged_at": None}]}]})

    candidate_id: uuid.UUID
    erased_at: datetime
    complete: bool = Field(description="Every service that must forget the person did.")
    services: list[ServiceAcknowledgement]
