"""What a partner's grant may receive from the services' events: one table, as data.

A partner subscription (``/v1/webhooks/{service}/subscriptions``) is registered under its
creator's grant, read from the token: the role, its ``programme_ids`` and, for a visa
authority, its destination ``country``. The grant decides three things:

- which event types it may subscribe to at all (:attr:`Grant.event_types`; asking for another
  is a 403 naming them);
- which events reach it: only those whose payload's ``programme_id`` is among the grant's
  programmes, and for a visa authority whose ``destination_country`` is its country
  (:attr:`Grant.scoped`, :attr:`Grant.by_country`; enforced when the outbox creates the
  delivery rows, :mod:`shared.events.outbox`);
- what of the payload it receives (:attr:`Grant.fields` kept, else every field but
  :data:`WITHHELD`; applied by the relay, :func:`shape`).

The type names are the services' (``services/*/events.py``); they are listed here, like the
internal routes in :mod:`launcher.topology`, so that one table says what each grant sees.
"""

from dataclasses import dataclass

import orjson

# Fields of a payload about one person that no partner receives unless its grant's own field
# list names them: a ministry's system reads aggregates only, and these would single a person
# out across events (``address`` and ``text`` are a notice's, for its notification partner).
WITHHELD = frozenset({"candidate_id", "gender", "address", "text"})


@dataclass(frozen=True, slots=True)
class Grant:
    """What one partner role may receive."""

    # The types it may subscribe to; None: every type the service offers partners.
    event_types: frozenset[str] | None
    # Only events of the grant's programmes (payload ``programme_id``).
    scoped: bool
    # Only events whose payload ``destination_country`` is the grant's country.
    by_country: bool
    # The payload fields it receives; None: all but WITHHELD.
    fields: frozenset[str] | None


# Aggregate-safe types: what a statistics grant counts (no case, no erasure, no incident, no
# visa file: those concern one person). Grievance events carry codes only (no placement,
# employer or person: services/placements/events.py), so a ministry counts them too.
MINISTRY_EVENT_TYPES = frozenset({
    "application.submitted", "application.selected", "application.withdrawn",
    "placement.confirmed", "placement.started", "placement.extended", "placement.completed",
    "placement.ended_early",
    "followup.completed", "followup.overdue",
    "grievance.filed", "grievance.escalated", "grievance.resolved",
})
VISA_EVENT_TYPES = frozenset({"placement.visa_requested", "placement.visa_decided"})
# What a visa desk's decision needs from an event; the visa file (GET
# /v1/placements/{id}/visa-file) gives the rest.
VISA_FIELDS = frozenset({
    "placement_id", "programme_id", "destination_country", "status", "previous_status",
    "start_date", "end_date", "visa_decision", "visa_decision_date",
})

# A person's notices (services/candidates/notices): the one kind of partner delivery that carries
# personal data, the channel address and the short text to send, declared as such
# (services/candidates/notices/personal.py) and withheld at delivery unless the person may still
# be reached by that notice. Only the programme's notification partner (its SMS, WhatsApp or
# e-mail gateway) receives them: no other grant, the admin's included, may subscribe to them.
NOTICE_EVENT_TYPES = frozenset({
    "notice.followup.due_soon", "notice.followup.overdue", "notice.training.session_upcoming",
    "notice.placement.visa_decided", "notice.placement.starting_soon",
})
# What the gateway needs to send one message, and nothing else about the person: no name, no
# candidate id (``notice_id`` is its reference for receipts and duplicates).
NOTICE_FIELDS = frozenset({
    "notice_id", "kind", "programme_id", "language", "channel", "address", "text", "params",
})
# Types a grant receives only when its own list names them (not through "every type").
RESERVED_TYPES = NOTICE_EVENT_TYPES

GRANTS: dict[str, Grant] = {
    "admin": Grant(event_types=None, scoped=False, by_country=False, fields=None),
    "ministry": Grant(event_types=MINISTRY_EVENT_TYPES, scoped=True, by_country=False,
                      fields=None),
    "visa_authority": Grant(event_types=VISA_EVENT_TYPES, scoped=True, by_country=True,
                            fields=VISA_FIELDS),
    "notification_partner": Grant(event_types=NOTICE_EVENT_TYPES, scoped=True,
                                  by_country=False, fields=NOTICE_FIELDS),
}
PARTNER_ROLES = frozenset(GRANTS)


def allowed_types(role: str, offered: frozenset[str]) -> frozenset[str]:
    """The types of ``offered`` (a service's partner types) the grant of ``role`` may see."""
    grant = GRANTS.get(role)
    if grant is None:
        return frozenset()
    if grant.event_types is None:
        return offered - RESERVED_TYPES
    return offered & grant.event_types


def shape(payload_json: str, role: str | None) -> str:
    """``payload_json`` as the grant of ``role`` receives it (an unknown or missing role, e.g.
    a subscription older than grants, gets the ministry's shape: everything but WITHHELD)."""
    grant = GRANTS.get(role or "")
    payload = orjson.loads(payload_json)
    if not isinstance(payload, dict):
        return payload_json
    if grant is not None and grant.fields is not None:
        return orjson.dumps({k: v for k, v in payload.items() if k in grant.fields}).decode()
    if WITHHELD.isdisjoint(payload):
        return payload_json
    return orjson.dumps({k: v for k, v in payload.items() if k not in WITHHELD}).decode()
