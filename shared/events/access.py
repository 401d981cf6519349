"""Who is calling the events endpoints: the verified token's principal, seen as a client.

With auth off (no ``AUTH_JWKS_URL``) the principal is :data:`shared.auth.AUTH_DISABLED`, an
admin, as everywhere else in a service run on its own.
"""

from dataclasses import dataclass

from shared.auth import Forbidden, PrincipalDep

WEBHOOK_ROLES = frozenset({"ministry", "admin"})


@dataclass(frozen=True, slots=True)
class EventsClient:
    """The caller: a (machine) client id and its roles."""

    id: str
    roles: frozenset[str]

    @property
    def is_admin(self) -> bool:
        """True for operators, who see every subscription and the dead letters."""
        return "admin" in self.roles


async def events_client(principal: PrincipalDep) -> EventsClient:
    """The calling client: a machine client's id, else the account's subject, and its role."""
    return EventsClient(id=principal.client_id or principal.subject,
                        roles=frozenset({principal.role}))


def require_any_role(client: EventsClient, roles: frozenset[str]) -> None:
    """Raise Forbidden unless ``client`` has one of ``roles``."""
    if not client.roles & roles:
        raise Forbidden(f"This needs one of the roles: {', '.join(sorted(roles))}.")
