"""Settings of the candidates service (environment prefix ``CANDIDATES_``)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The candidates service's settings."""

    model_config = SettingsConfigDict(env_prefix="CANDIDATES_", extra="ignore")

    service_name: str = "candidates"
    import_batch_size: int = 1000
    import_max_bytes: int = 50 * 1024 * 1024
