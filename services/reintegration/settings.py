"""Settings of the reintegration service (environment prefix ``REINTEGRATION_``)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The reintegration service's settings."""

    model_config = SettingsConfigDict(env_prefix="REINTEGRATION_", extra="ignore")

    service_name: str = "reintegration"
