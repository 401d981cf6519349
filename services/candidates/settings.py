"""Settings of the candidates service (environment prefix ``CANDIDATES_``)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The candidates service's settings."""

    model_config = SettingsConfigDict(env_prefix="CANDIDATES_", extra="ignore")

    service_name: str = "candidates"
    import_batch_size: int = 1000
    import_max_bytes: int = 50 * 1024 * 1024
    # The periodic job erasing people whose retention expired
    # (services.candidates.retention.job). Every replica runs it; claims of each person with
    # SKIP LOCKED let them share the work. The first round comes one interval after start.
    retention_job: bool = True
    retention_interval_seconds: float = Field(86_400.0, gt=0)
    retention_batch_size: int = Field(500, ge=1, le=100_000)
    # The periodic job sending the notices that fell due (services.candidates.notices.job).
    # Every replica runs it; an advisory lock and SKIP LOCKED make each notice go once.
    notices_job: bool = True
    notices_interval_seconds: float = Field(60.0, gt=0)
    notices_batch_size: int = Field(500, ge=1, le=100_000)
