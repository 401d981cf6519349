"""Settings of the placements service (environment prefix ``PLACEMENTS_``)."""

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import MissingSetting, ServiceSettings


class Settings(ServiceSettings):
    """The placements service's settings."""

    model_config = SettingsConfigDict(env_prefix="PLACEMENTS_", extra="ignore")

    service_name: str = "placements"
    # Where the candidates service listens (matching runs read its matching-profile export).
    # Required: `make dev` and the test rigs set it (launcher.topology.CALLS).
    candidates_url: str = ""
    candidates_timeout_seconds: float = Field(60.0, gt=0)
    # Matching runs executing at once in one process (each is CPU-bound and holds its pools in
    # memory: ~0.5 GB at 10,000 x 2,000); further runs wait in `queued`.
    matching_concurrency: int = Field(1, ge=1, le=16)
    # How often every replica looks for runs a crashed process left unfinished, and how long a
    # run may stay `queued` before its process is presumed gone (its task starts at once).
    matching_sweep_seconds: float = Field(60.0, gt=0)
    matching_queued_grace_seconds: float = Field(60.0, ge=0)
    # The periodic job escalating grievances past their deadline
    # (services.placements.grievances.escalation). Every replica runs it; an advisory lock lets
    # one of them work at a time.
    grievance_escalation_job: bool = True
    grievance_escalation_interval_seconds: float = Field(60.0, gt=0)
    grievance_escalation_batch_size: int = Field(1000, ge=1, le=100_000)
    # Proof-of-skills credentials (services.placements.credentials): the algorithm of the key
    # made on first use, the issuer's name in them (its id is AUTH_ISSUER, the API's public
    # address), and how long a verifier may rely on a copy of a status list (its validUntil).
    credential_algorithm: Literal["EdDSA", "RS256"] = "EdDSA"
    credential_issuer_name: str = "Pathways"
    credential_status_list_seconds: int = Field(86_400, ge=60, le=30 * 86_400)

    @model_validator(mode="after")
    def _candidates_url_given(self) -> "Settings":
        if not self.candidates_url.strip():
            raise MissingSetting(
                "No candidates service address: set PLACEMENTS_CANDIDATES_URL (e.g. "
                "http://127.0.0.1:8101). `make dev` sets it for you.")
        self.candidates_url = self.candidates_url.strip().rstrip("/")
        return self
