"""Settings common to every service; each service subclasses with its own ``env_prefix``."""

import os

from pydantic import BaseModel, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from shared import sealing


class MissingSetting(RuntimeError):
    """A required setting is absent; the process refuses to start."""


def role_url(admin_url: str, *, role: str, password: str | None) -> str:
    """The URL of ``admin_url``'s database, logged in as ``role`` instead of the admin."""
    url = make_url(admin_url).set(username=role, password=password)
    return url.render_as_string(hide_password=False)


class EventSubscriber(BaseModel):
    """An internal subscriber: another service that wants some of this service's events."""

    name: str
    url: str
    events: list[str]  # event types, or ["*"] for all


# Refused as signing secrets: values copied from examples must never sign real traffic.
PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "whsec_changeme"})


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
    # Connections of the hot read pool (opened on demand, only by services that have hot reads).
    db_hot_pool_size: int = 20
    log_level: str = "INFO"

    # Events (shared.events). Subscribers and secrets are JSON lists in the environment, e.g.
    # CANDIDATES_EVENT_SUBSCRIBERS='[{"name": "placements", "url": "http://…/internal/events",
    # "events": ["application.selected"]}]'. The secrets sign internal deliveries and verify
    # incoming ones; during a rotation list several: each signs, any verifies.
    event_subscribers: list[EventSubscriber] = []
    events_signing_secrets: list[SecretStr] = []
    events_relay: bool = True  # run the relay inside the service process
    events_batch_size: int = 500  # deliveries claimed per round
    events_request_batch: int = 100  # events per POST to an internal subscriber
    events_max_attempts: int = 10  # then the delivery is dead-lettered
    events_backoff_base_seconds: float = 1.0  # retry n waits base * 2**(n-1), with jitter
    events_backoff_max_seconds: float = 3600.0
    events_poll_seconds: float = 0.5  # fallback when no NOTIFY arrives
    events_delivery_timeout_seconds: float = 10.0
    events_timestamp_tolerance_seconds: int = 300
    # Development only: let partner webhooks target loopback/private addresses.
    webhooks_allow_private_targets: bool = False

    @model_validator(mode="after")
    def _check_event_secrets(self) -> "ServiceSettings":
        values = [s.get_secret_value() for s in self.events_signing_secrets]
        if any(v.lower() in PLACEHOLDER_SECRETS for v in values):
            raise MissingSetting("events_signing_secrets holds a placeholder; set real secrets.")
        if self.event_subscribers and not values:
            prefix = (self.model_config.get("env_prefix") or "").upper()
            raise MissingSetting(
                f"Event subscribers are configured but no signing secret: set "
                f'{prefix}EVENTS_SIGNING_SECRETS (a JSON list, e.g. ["whsec_…"]).'
            )
        return self

    @model_validator(mode="after")
    def _check_sealing_keys(self) -> "ServiceSettings":
        # Secrets at rest are sealed, unique e-mails keyed by digest (shared.sealing): the keys
        # (SEALING_KEYS, SEALING_KEY_ID, DIGEST_KEY) have no default, so a process without them
        # refuses to start rather than store a secret in the clear.
        try:
            sealing.keys()
        except sealing.MissingKey as error:
            raise MissingSetting(str(error)) from None
        return self

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
