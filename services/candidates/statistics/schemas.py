"""Wire format of a programme's statistics."""

import uuid

from pydantic import BaseModel, Field

from shared.small_cells import THRESHOLD


class ProgrammeStatistics(BaseModel):
    """A programme's applications counted by status, and its applicants by gender and
    nationality."""

    programme_id: uuid.UUID
    applications_total: int
    by_status: dict[str, int]
    by_gender: dict[str, int]
    by_nationality: dict[str, int]
    training: dict[str, int] = Field(default_factory=dict, description=(
        "Pre-departure training: `enrolled` (people in any of its modules), `trained` (every "
        "required module completed), and of those `trained_and_moved` (placed abroad, or back) "
        "and `trained_and_stayed`, whom a programme that trains more than it moves counts too."))
    suppressed_cells: int = Field(0, description=(
        f"Counts left out because they are of 1 to {THRESHOLD - 1} people (0 and "
        f"{THRESHOLD} or more are shown): a ministry reads aggregates only, and so small a "
        "group could name a person."))
