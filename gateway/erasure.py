"""The gateway's part of an erasure: it hears ``candidate.erased`` from the candidates service
(``POST /internal/events``, :mod:`shared.events.inbox`) and deletes the erased person's account,
with its e-mail and password hash; the account's subject stays blocked in the revocations, so
every token it was given is refused from the next request on, at the gateway (its own copy of
the revocations) and at the services (the revocation feed), and the password grant fails.

The inbox acknowledges the event only once the deletion committed with its inbox row: the
candidates service reads that acknowledgement as "the gateway forgot" in the erasure's status.
The gateway sends no events: of the events kit's tables it has only the inbox. Like the
revocation feed, ``/internal/events`` is the gateway's own route, never proxied; it applies only
events signed with the services' shared secret (``GATEWAY_EVENTS_SIGNING_SECRETS``), and a
deployment may keep ``/internal/`` off its public ingress all the same.
"""


from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import erasure_repository as repository
from gateway import identity
from gateway.models import SCHEMA, Account
from shared.events.erasure import erased_candidate
from shared.events.inbox import Handler, Inbox, ReceivedEvent
from shared.events.service_events import ServiceEvents
from shared.events.tables import event_tables as define_event_tables

# On a MetaData of their own: only ``inbox`` is migrated (gate0003), the gateway has no outbox.
event_tables = define_event_tables(MetaData(schema=SCHEMA))
EVENTS = ServiceEvents(tables=event_tables, source="gateway", outbox=False)


async def candidate_erased(session: AsyncSession, event: ReceivedEvent) -> None:
    """Delete the accounts (and machine clients) linked to the erased candidate and block
    their tokens."""
    if (candidate_id := erased_candidate(event)) is None:
        return
    for row in await repository.principals_of_candidate(session, candidate_id):
        subject = str(row.id) if isinstance(row, Account) else identity.client_subject(
            row.client_id)
        await identity.delete_principal(session, row, subject=subject)


HANDLERS: dict[str, Handler] = {"candidate.erased": candidate_erased}
INBOX = Inbox(handlers=HANDLERS)
