"""What partners receive of an event's payload."""

import json
import uuid
from datetime import UTC, datetime

from shared.events import wire


def placement_payload() -> dict[str, object]:
    return {"placement_id": str(uuid.uuid4()), "candidate_id": str(uuid.uuid4()),
            "programme_id": str(uuid.uuid4()), "status": "completed", "gender": "female",
            "origin_country": "MA", "destination_country": "FR", "sector": "ict"}


class TestForPartner:
    def test_person_fields_are_withheld_and_the_rest_kept(self) -> None:
        payload = placement_payload()
        sent = json.loads(wire.for_partner(json.dumps(payload)))
        assert "candidate_id" not in sent and "gender" not in sent
        assert sent == {k: v for k, v in payload.items() if k not in ("candidate_id", "gender")}

    def test_a_payload_without_them_is_sent_as_it_is(self) -> None:
        text = json.dumps({"case_id": "c1", "status": "closed"})
        assert wire.for_partner(text) is text

    def test_the_envelope_embeds_the_partner_payload(self) -> None:
        document = wire.envelope(
            id=uuid.uuid4(), type="placement.completed", version=1, source="placements",
            subject_id="p1", occurred_at=datetime.now(UTC), request_id=None, traceparent=None,
            payload_json=wire.for_partner(json.dumps(placement_payload())))
        data = json.loads(wire.encode(document))["data"]
        assert data["status"] == "completed" and "gender" not in data
