"""The fields placements reads of a programme owned by the candidates service: the stay types
it runs and its limits (a leaf module, so the candidates client and the rules both import it)."""

from typing import Final

from pydantic import BaseModel, ConfigDict

STAY_TYPES: Final = ("work", "traineeship", "study", "seasonal")


class ProgrammeRules(BaseModel):
    """The fields placements reads of a programme (the candidates service's ``ProgrammeOut``;
    others are ignored, absent ones limit nothing)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    stay_types: tuple[str, ...] | None = None
    max_stay_months: int | None = None
    max_extension_months: int | None = None

    @property
    def allowed_stay_types(self) -> tuple[str, ...]:
        """The stay types the programme runs (every type when it does not say)."""
        return self.stay_types or STAY_TYPES


NO_LIMITS: Final = ProgrammeRules()
