"""Settings of the gateway (environment prefix ``GATEWAY_``)."""

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import MissingSetting, ServiceSettings
from shared.trusted_issuers import TrustedIssuers

MiB = 1024 * 1024


class Settings(ServiceSettings):
    """The gateway's settings: where each service is, who issues tokens, and its limits."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    service_name: str = "gateway"
    # Base URL of each service, e.g. {"candidates": "http://127.0.0.1:8101", ...}, or a list of
    # replicas' URLs taken in turn. Required: every service a route of gateway.routes points at
    # must be here.
    upstreams: dict[str, str | list[str]] = Field(default_factory=dict)
    # Extra or replaced path prefixes: {"/v1/employers": "placements"}.
    routes: dict[str, str] = Field(default_factory=dict)
    connect_timeout: float = 2.0
    read_timeout: float = 30.0
    max_connections: int = 512
    # The gateway's /health/ready asks each service's (gateway.readiness): how long it waits for
    # a replica's answer, and how long it keeps the services' state before asking again.
    upstream_ready_timeout: float = 1.0
    upstream_ready_cache_seconds: float = 1.0

    issuer: str = Field("http://127.0.0.1:8000",
                        validation_alias=AliasChoices("GATEWAY_ISSUER", "AUTH_ISSUER"))
    audience: str = Field("pathways",
                          validation_alias=AliasChoices("GATEWAY_AUDIENCE", "AUTH_AUDIENCE"))
    token_ttl_seconds: int = 900
    signing_algorithm: str = "RS256"
    # The operator's own OpenID Connect providers, trusted besides the built-in issuer: the
    # same JSON list the services read (shared.trusted_issuers documents its format).
    trusted_issuers: TrustedIssuers = Field(
        default_factory=list,
        validation_alias=AliasChoices("GATEWAY_TRUSTED_ISSUERS", "AUTH_TRUSTED_ISSUERS"))

    rate_limit_requests: int = 6000
    rate_limit_window_seconds: int = 60
    redis_url: str | None = Field(None,
                                  validation_alias=AliasChoices("GATEWAY_REDIS_URL", "REDIS_URL"))
    # Keys in Redis start with this: set one per deployment when several share a Redis.
    rate_limit_key_prefix: str = "pathways:ratelimit"
    # With Redis unreachable: false refuses requests (503 rate-limiter-unavailable) rather than
    # serve them with no limit at all; true lets them through uncounted (gateway.ratelimit).
    rate_limit_fail_open: bool = False
    # Failed sign-ins (gateway.throttle): after LOGIN_*_FAILURES within the window the account
    # (or address) is locked for DELAY seconds, doubling per further lock up to MAX_DELAY. The
    # account's lock stays short so that guessing cannot keep its owner out for long.
    login_account_failures: int = 5
    login_account_delay_seconds: float = 5.0
    login_account_max_delay_seconds: float = 60.0
    login_address_failures: int = 20
    login_address_delay_seconds: float = 30.0
    login_address_max_delay_seconds: float = 900.0
    login_failure_window_seconds: int = 900
    # Sign-ups per client address and window.
    signup_rate_limit_requests: int = 10
    signup_rate_limit_window_seconds: int = 3600
    # How often each replica reads the revocations other replicas made (its own are at once).
    revocations_poll_seconds: float = 0.5
    max_body_bytes: int = 1 * MiB
    import_max_body_bytes: int = 50 * MiB
    max_page_size: int = 200
    openapi_cache_seconds: float = 60.0
    # How long the programme overview waits for a section it can do without (indicators,
    # consortium, agreements) before answering without it.
    overview_section_seconds: float = 5.0

    @model_validator(mode="after")
    def _check_upstreams(self) -> "Settings":
        from gateway.routes import route_table

        missing = sorted(set(route_table(self.routes).values()) - set(self.upstreams))
        if missing:
            raise MissingSetting(
                f"GATEWAY_UPSTREAMS has no address for: {', '.join(missing)}. Set it to a JSON "
                'object such as {"candidates": "http://127.0.0.1:8101", ...}.')
        if self.signing_algorithm not in ("RS256", "EdDSA"):
            raise ValueError("GATEWAY_SIGNING_ALGORITHM must be RS256 or EdDSA")
        named = [t.issuer for t in self.trusted_issuers]
        if self.issuer in named or len(set(named)) != len(named):
            raise ValueError("AUTH_TRUSTED_ISSUERS names the gateway's own issuer, or one "
                             "issuer twice")
        return self
