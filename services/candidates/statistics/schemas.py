"""Wire format of a programme's statistics."""

import uuid

from pydantic import BaseModel, Field

from shared.disclosure import THRESHOLD

_NULL = (f"Null for a reader below officer when withheld: a count of 1 to {THRESHOLD - 1} "
         "people, or one the other counts would give away (see `suppressed_cells`).")


class ProgrammeStatistics(BaseModel):
    """A programme's applications counted by status, and its applicants by gender and
    nationality. Each breakdown sums to `applications_total`; in `training`, `trained` is
    `trained_and_moved` + `trained_and_stayed`."""

    programme_id: uuid.UUID
    applications_total: int | None = Field(description=_NULL)
    by_status: dict[str, int | None] = Field(description=(
        "The statuses that occur (absent: none). " + _NULL))
    by_gender: dict[str, int | None] = Field(description=_NULL)
    by_nationality: dict[str, int | None] = Field(description=_NULL)
    training: dict[str, int | None] = Field(default_factory=dict, description=(
        "Pre-departure training: `enrolled` (people in any of its modules), `trained` (every "
        "required module completed), and of those `trained_and_moved` (placed abroad, or back) "
        "and `trained_and_stayed`, whom a programme that trains more than it moves counts too. "
        + _NULL))
    suppressed_cells: int = Field(0, description=(
        f"Counts withheld (null) for a reader below officer: those of 1 to {THRESHOLD - 1} "
        f"people (0 and {THRESHOLD} or more are shown), and those the shown counts and the sums "
        "above would give away. Officers and admins read every count (0 here)."))
    small_cell_threshold: int | None = Field(None, description=(
        f"{THRESHOLD} for a reader whose figures are suppressed; null for exact figures."))
