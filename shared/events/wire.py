"""The event envelope on the wire and the ids of signed messages.

An event travels as ``{"id", "type", "version", "source", "subject_id", "occurred_at",
"timestamp", "request_id", "traceparent", "data"}``; ``data`` is the payload (ids and statuses,
never personal data). Internal deliveries POST a JSON array of events in order, signed once with
``webhook-id`` = :func:`batch_id` of their ids (the same batch retried keeps its id); partner
webhooks POST one event, signed with ``webhook-id`` = the event id.
"""

import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson

from shared.events import grants


def envelope(*, id: uuid.UUID, type: str, version: int, source: str, subject_id: str,
             occurred_at: datetime, request_id: str | None, traceparent: str | None,
             payload_json: str) -> dict[str, Any]:
    """One event as sent; ``payload_json`` is embedded as is (no decode/encode round trip)."""
    at = occurred_at.isoformat()
    return {"id": str(id), "type": type, "version": version, "source": source,
            "subject_id": subject_id, "occurred_at": at, "timestamp": at,
            "request_id": request_id, "traceparent": traceparent,
            "data": orjson.Fragment(payload_json)}


# Fields of a payload about one person that partners never receive (see shared.events.grants).
PARTNER_WITHHELD = grants.WITHHELD


def for_partner(payload_json: str, role: str | None = None) -> str:
    """``payload_json`` as a partner of ``role`` receives it (:func:`grants.shape`); without a
    role, everything but :data:`PARTNER_WITHHELD`."""
    return grants.shape(payload_json, role)


def batch_id(event_ids: Sequence[str]) -> str:
    """The ``webhook-id`` of a batch: a digest of its event ids, stable across retries."""
    if len(event_ids) == 1:
        return event_ids[0]
    digest = hashlib.sha256(",".join(event_ids).encode()).hexdigest()[:32]
    return f"batch_{digest}"


def encode(document: Any) -> bytes:
    """JSON bytes of an envelope or a list of them."""
    return orjson.dumps(document)
