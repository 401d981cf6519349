"""Settings of the placements service (environment prefix ``PLACEMENTS_``)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The placements service's settings."""

    model_config = SettingsConfigDict(env_prefix="PLACEMENTS_", extra="ignore")

    service_name: str = "placements"
