"""Wire formats of duplicate flags and the decisions on them."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import ConfigDict

from shared.schemas import ResponseModel, StrictModel

# Kept in step with models.FLAG_STATUSES, FOUND_BY and DECISIONS (check constraints).
FlagStatus = Literal["open", "dismissed", "merged"]
FoundBy = Literal["sign_up", "registration", "import", "nomination"]
DecisionAction = Literal["dismiss", "merge", "unmerge"]
EvidenceField = Literal["name", "date_of_birth", "phone"]
EvidenceMatch = Literal["same_spelling", "same_skeleton", "same_skeleton_swapped", "equal",
                        "same_number"]


class EvidenceOut(ResponseModel):
    """One field that matched, and how; never its value."""

    field: EvidenceField
    match: EvidenceMatch


class DecisionOut(ResponseModel):
    """One decision taken on the flag, by whom and when."""

    action: DecisionAction
    kept_candidate_id: uuid.UUID | None
    merged_candidate_id: uuid.UUID | None
    decided_by_role: str
    decided_at: datetime


class DuplicateFlagOut(ResponseModel):
    """Two records the rule says are likely one person, with the evidence and what officers
    decided."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "5f0c1d2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f",
        "candidate_ids": ["0b6f1a52-7c1e-4d0a-9f3e-2a1b3c4d5e6f",
                          "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"],
        "found_by": "sign_up",
        "evidence": [{"field": "name", "match": "same_skeleton"},
                     {"field": "date_of_birth", "match": "equal"}],
        "status": "open", "kept_candidate_id": None, "decisions": [], "version": 1,
        "created_at": "2026-12-05T09:00:00Z", "updated_at": "2026-12-05T09:00:00Z",
    }]})

    id: uuid.UUID
    candidate_ids: list[uuid.UUID]
    found_by: FoundBy
    evidence: list[EvidenceOut]
    status: FlagStatus
    kept_candidate_id: uuid.UUID | None
    decisions: list[DecisionOut]
    version: int
    created_at: datetime
    updated_at: datetime


class MergeBody(StrictModel):
    """Which of the two records is kept; the other is merged into it."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "keep": "0b6f1a52-7c1e-4d0a-9f3e-2a1b3c4d5e6f"}]})

    keep: uuid.UUID
