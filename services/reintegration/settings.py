"""Settings of the reintegration service (environment prefix ``REINTEGRATION_``)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The reintegration service's settings."""

    model_config = SettingsConfigDict(env_prefix="REINTEGRATION_", extra="ignore")

    service_name: str = "reintegration"
    # The periodic job marking follow-ups overdue (services.reintegration.followups.overdue).
    # Every replica runs it; an advisory lock lets one of them work at a time.
    overdue_job: bool = True
    overdue_interval_seconds: float = Field(60.0, gt=0)
    overdue_batch_size: int = Field(1000, ge=1, le=100_000)
