"""Personal data in partner deliveries: declared per event type, gated by the person's consent.

No partner grant receives a person's data today (:data:`shared.events.grants.WITHHELD` and the
grants' field lists take it out; a test holds every partner-visible type to that). Should a
service ever offer partners an event type whose payload carries personal fields, it declares
them here (:class:`PersonalEvents`) and supplies the hook that says, at delivery time, whose
consent to partner sharing is in force: the relay then delivers those fields only to partners
of people who consent *now*, and for the others leaves the fields out of the delivery, counts
it (``RelayStats.personal_withheld``) and logs the event id and type (never the data). A hook
that cannot answer fails the delivery, which is retried: personal data never leaves unchecked.
"""

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass

import orjson

# Whose consent a hook is asked about: the people's ids as the payloads carry them.
ConsentHook = Callable[[Collection[str]], Awaitable[set[str]]]


@dataclass(frozen=True, slots=True)
class PersonalEvents:
    """The partner-visible event types carrying personal data, and the consent that gates them.

    ``fields``: per event type, the payload fields that are the person's data; ``person_field``:
    the payload field naming the person; ``consenting``: the service's hook, given people's ids,
    answering those whose consent to ``purpose`` is in force now.
    """

    fields: Mapping[str, frozenset[str]]
    consenting: ConsentHook
    purpose: str = "partner_sharing"
    person_field: str = "candidate_id"

    def person(self, event_type: str, payload_json: str) -> str | None:
        """The person an event of a declared type is about (None: not declared, or nobody)."""
        if event_type not in self.fields:
            return None
        payload = orjson.loads(payload_json)
        value = payload.get(self.person_field) if isinstance(payload, dict) else None
        return None if value is None else str(value)


def without(payload_json: str, names: frozenset[str]) -> str:
    """``payload_json`` without the fields ``names``."""
    payload = orjson.loads(payload_json)
    if not isinstance(payload, dict) or names.isdisjoint(payload):
        return payload_json
    return orjson.dumps({k: v for k, v in payload.items() if k not in names}).decode()
