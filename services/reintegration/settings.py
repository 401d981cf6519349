"""Settings of the reintegration service (environment prefix ``REINTEGRATION_``)."""

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import MissingSetting, ServiceSettings


class Settings(ServiceSettings):
    """The reintegration service's settings."""

    model_config = SettingsConfigDict(env_prefix="REINTEGRATION_", extra="ignore")

    service_name: str = "reintegration"
    # Where the candidates service listens: a support measure for someone without a case is
    # authorised by asking it whether the caller reads their application in the programme.
    # Required: `make dev` and the test rigs set it (launcher.topology.CALLS).
    candidates_url: str = ""
    candidates_timeout_seconds: float = Field(10.0, gt=0)
    # The periodic job marking follow-ups overdue (services.reintegration.followups.overdue).
    # Every replica runs it; an advisory lock lets one of them work at a time.
    overdue_job: bool = True
    overdue_interval_seconds: float = Field(60.0, gt=0)
    overdue_batch_size: int = Field(1000, ge=1, le=100_000)

    @model_validator(mode="after")
    def _candidates_url_given(self) -> "Settings":
        if not self.candidates_url.strip():
            raise MissingSetting(
                "No candidates service address: set REINTEGRATION_CANDIDATES_URL (e.g. "
                "http://127.0.0.1:8101). `make dev` sets it for you.")
        self.candidates_url = self.candidates_url.strip().rstrip("/")
        return self
