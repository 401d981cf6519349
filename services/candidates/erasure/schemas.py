"""Response of an erasure."""

import uuid
from datetime import datetime

from pydantic import BaseModel


class ErasureOut(BaseModel):
    """A candidate whose personal data was erased."""

    candidate_id: uuid.UUID
    erased_at: datetime
