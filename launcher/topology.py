"""The processes that make up Pathways: their names, schemas, apps and default ports.

This is the one place the runner, the bootstrap step and the tests learn which services exist.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """One service process: its Postgres schema and role, its ASGI app and its migrations."""

    name: str
    app: str  # "module:factory" for uvicorn --factory
    migrations_package: str  # package whose folder holds migrations/
    port: int
    http: str = "httptools"  # uvicorn's HTTP protocol (--http): a name or "module:Class"

    @property
    def schema(self) -> str:
        """The Postgres schema the service owns (named after the service)."""
        return self.name

    @property
    def role(self) -> str:
        """The login role the service connects as; it owns its schema and nothing else."""
        return f"pathways_{self.name}"

    @property
    def env_prefix(self) -> str:
        """Prefix of the service's settings in the environment (``CANDIDATES_``)."""
        return f"{self.name.upper()}_"


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("candidates", "services.candidates.main:create_app", "services.candidates", 8101),
    ServiceSpec("placements", "services.placements.main:create_app", "services.placements", 8102),
    ServiceSpec("reintegration", "services.reintegration.main:create_app",
                "services.reintegration", 8103),
    # The only public entry point; last, so it starts after the services it routes to.
    ServiceSpec("gateway", "gateway.main:create_app", "gateway", 8000,
                http="gateway.server:HttpProtocol"),
)


def service(name: str) -> ServiceSpec:
    """Return the spec of the service called ``name``."""
    for spec in SERVICES:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown service {name!r}; known: {', '.join(s.name for s in SERVICES)}")


# Who hears which of whose events, between services: publisher -> subscriber -> event types.
# Each subscriber serves POST /internal/events (shared.events.inbox), the gateway included.
EVENT_ROUTES: dict[str, dict[str, tuple[str, ...]]] = {
    "placements": {
        # Applications follow the stay; notices remind the person of its start and decisions.
        "candidates": ("placement.confirmed", "placement.visa_decided", "placement.started",
                       "placement.completed", "placement.ended_early"),
        "reintegration": ("placement.completed", "placement.ended_early"),
    },
    # The returnee's follow-up reminders (services/candidates/notices).
    "reintegration": {
        "candidates": ("followup.scheduled", "followup.completed", "followup.overdue",
                       "case.closed"),
    },
    "candidates": {
        "placements": ("candidate.erased",),
        "reintegration": ("candidate.erased",),
        # The erased person's account is deleted and its tokens refused (gateway.erasure).
        "gateway": ("candidate.erased",),
    },
}

# Services a service calls over HTTP: it gets ``<SERVICE>_<OTHER>_URL`` for each.
CALLS: dict[str, tuple[str, ...]] = {
    "placements": ("candidates",),
    # Support for someone without a returnee case is authorised by the candidates service.
    "reintegration": ("candidates",),
}
