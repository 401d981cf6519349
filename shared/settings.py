"""Settings common to every service; each service subclasses with its own ``env_prefix``."""

import os

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url


class MissingSetting(RuntimeError):
    """A required setting is absent; the process refuses to start."""


def role_url(admin_url: str, *, role: str, password: str | None) -> str:
    """The URL of ``admin_url``'s database, logged in as ``role`` instead of the admin."""
    url = make_url(admin_url).set(username=role, password=password)
    return url.render_as_string(hide_password=False)


class ServiceSettings(BaseSettings):
    """What every service needs: where its database is and how big its pool may grow.

    ``database_url`` defaults to ``DATABASE_URL`` (the cluster the operator points at) with the
    service's own role substituted for the user, so one variable configures the whole system;
    ``<SERVICE>_DATABASE_URL`` overrides it for a service that must log in differently.
    """

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = ""
    database_url: str | None = None
    database_password: SecretStr | None = None
    db_pool_size: int = 10
    db_max_overflow: int = 10
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _resolve_database_url(self) -> "ServiceSettings":
        if self.database_url:
            return self
        admin_url = os.environ.get("DATABASE_URL")
        if not admin_url:
            prefix = (self.model_config.get("env_prefix") or "").upper()
            raise MissingSetting(
                f"No database configured: set DATABASE_URL (or {prefix}DATABASE_URL). "
                "`make dev` sets it for you when it starts the embedded PostgreSQL."
            )
        password = self.database_password.get_secret_value() if self.database_password else None
        self.database_url = role_url(
            admin_url, role=f"pathways_{self.service_name}", password=password
        )
        return self
