"""Who is calling the events endpoints: the seam where the gateway's authentication plugs in.

Until tokens exist every caller is treated as an anonymous admin. The gateway work replaces
:func:`events_client` (``app.dependency_overrides[events_client] = …`` or by editing it here)
with one that reads the verified identity; the routes already check the roles they need.
"""

from dataclasses import dataclass

from shared.errors import ProblemError

WEBHOOK_ROLES = frozenset({"ministry", "admin"})


class Forbidden(ProblemError):
    status, slug, title = 403, "forbidden", "Forbidden"


@dataclass(frozen=True, slots=True)
class EventsClient:
    """The caller: a (machine) client id and its roles."""

    id: str
    roles: frozenset[str]

    @property
    def is_admin(self) -> bool:
        """True for operators, who see every subscription and the dead letters."""
        return "admin" in self.roles


async def events_client() -> EventsClient:
    """The calling client (placeholder until the gateway's authentication exists)."""
    return EventsClient(id="anonymous", roles=frozenset({"admin"}))


def require_any_role(client: EventsClient, roles: frozenset[str]) -> None:
    """Raise Forbidden unless ``client`` has one of ``roles``."""
    if not client.roles & roles:
        raise Forbidden(f"This needs one of the roles: {', '.join(sorted(roles))}.")
