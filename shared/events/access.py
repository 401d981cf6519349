"""Who is calling the events endpoints: the verified token's principal, seen as a client.

With auth off (no ``AUTH_JWKS_URL``) the principal is :data:`shared.auth.AUTH_DISABLED`, an
admin, as everywhere else in a service run on its own.
"""

import uuid
from dataclasses import dataclass

from shared import access
from shared.auth import Principal, PrincipalDep
from shared.events.grants import PARTNER_ROLES

# Who registers webhooks: the roles with a grant (shared.events.grants).
WEBHOOK_ROLES = PARTNER_ROLES


@dataclass(frozen=True, slots=True)
class EventsClient:
    """The caller: a (machine) client id, its roles and its grant's scope (the token's
    programmes and, for a visa authority, destination country)."""

    id: str
    roles: frozenset[str]
    programme_ids: tuple[uuid.UUID, ...] = ()
    country: str | None = None

    @property
    def role(self) -> str:
        """The one role a token carries (its grant)."""
        return next(iter(sorted(self.roles)), "")

    @property
    def principal(self) -> Principal:
        """The client as the access model sees it (:mod:`shared.access`)."""
        return Principal(subject=self.id, role=self.role, programme_ids=self.programme_ids,
                         country=self.country)

    @property
    def is_admin(self) -> bool:
        """True for operators, who see every subscription and the dead letters."""
        return "admin" in self.roles


async def events_client(principal: PrincipalDep) -> EventsClient:
    """The calling client: a machine client's id, else the account's subject, and its role."""
    return EventsClient(id=principal.client_id or principal.subject,
                        roles=frozenset({principal.role}),
                        programme_ids=tuple(principal.programme_ids),
                        country=principal.country)


def require_any_role(client: EventsClient, roles: frozenset[str],
                     doing: str = "manage webhook subscriptions") -> None:
    """Forbidden unless ``client`` has one of ``roles`` (:func:`shared.access.ensure_role`);
    ``doing`` completes its "may not …"."""
    access.ensure_role(client.principal, roles, doing)
