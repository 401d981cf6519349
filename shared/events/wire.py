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


def envelope(*, id: uuid.UUID, type: str, version: int, source: str, subject_id: str,
             occurred_at: datetime, request_id: str | None, traceparent: str | None,
             payload_json: str) -> dict[str, Any]:
    """One event as sent; ``payload_json`` is embedded as is (no decode/encode round trip)."""
    at = occurred_at.isoformat()
    return {"id": str(id), "type": type, "version": version, "source": source,
            "subject_id": subject_id, "occurred_at": at, "timestamp": at,
            "request_id": request_id, "traceparent": traceparent,
            "data": orjson.Fragment(payload_json)}


# Fields of a payload about one person that partners never receive: their systems (a ministry's)
# may read aggregates only, and these would single a person out across events.
PARTNER_WITHHELD = frozenset({"candidate_id", "gender"})


def for_partner(payload_json: str) -> str:
    """``payload_json`` without the fields partners do not receive (:data:`PARTNER_WITHHELD`)."""
    payload = orjson.loads(payload_json)
    if not isinstance(payload, dict) or PARTNER_WITHHELD.isdisjoint(payload):
        return payload_json
    return orjson.dumps({k: v for k, v in payload.items()
                         if k not in PARTNER_WITHHELD}).decode()


def batch_id(event_ids: Sequence[str]) -> str:
    """The ``webhook-id`` of a batch: a digest of its event ids, stable across retries."""
    if len(event_ids) == 1:
        return event_ids[0]
    digest = hashlib.sha256(",".join(event_ids).encode()).hexdigest()[:32]
    return f"batch_{digest}"


def encode(document: Any) -> bytes:
    """JSON bytes of an envelope or a list of them."""
    return orjson.dumps(document)
