"""Answering a follow-up: every field's validation, what is recorded, the event, and once."""

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.signing import Signer
from tests.reintegration.factories import (
    PROBLEM,
    answer_body,
    follow_ups_of,
    open_case,
    outbox_events,
)

RETURNED = date(2026, 3, 1)
NOW = "2026-03-05T10:00:00+00:00"  # inside the at-return follow-up's window


@pytest.fixture
async def follow_up(client: httpx.AsyncClient, signer: Signer, clock: Any) -> dict[str, Any]:
    """The at-return follow-up of a case returned on RETURNED, with the clock in its window."""
    clock.set(NOW)
    case = await open_case(client, signer, actual_end_date=RETURNED)
    return (await follow_ups_of(client, case))[0]


async def answer(client: httpx.AsyncClient, follow_up: dict[str, Any], body: dict[str, Any],
                 **kwargs: Any) -> httpx.Response:
    return await client.post(f"/v1/follow-ups/{follow_up['id']}/answer", json=body, **kwargs)


class TestValidAnswers:
    @pytest.mark.parametrize("status", [
        "employed_host_company", "employed_other_employer", "self_employed", "in_education",
        "seeking_work", "not_seeking_work", "unreachable"])
    async def test_each_employment_status(self, client: httpx.AsyncClient,
                                          follow_up: dict[str, Any], status: str) -> None:
        response = await answer(client, follow_up, answer_body(status))
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["status"], body["completed_at"]) == ("completed", NOW.replace(
            "+00:00", "Z"))
        assert body["answer"]["employment_status"] == status
        assert body["answer"]["recorded_via"] == "caseworker"
        assert response.headers["etag"] == f'"{body["version"]}"'

    async def test_everything_is_recorded(self, client: httpx.AsyncClient,
                                          follow_up: dict[str, Any]) -> None:
        sent = answer_body("self_employed", employer_name="Dar Web", job_location="abroad",
                           income_band="2000_or_more", skills_use="somewhat", satisfaction=5,
                           sustainability={"economic": "1", "social": "0",
                                           "psychosocial": "0.333"}, notes="Opened in May")
        body = (await answer(client, follow_up, sent)).json()["answer"]
        assert body == {**sent, "sustainability": {"economic": 1.0, "social": 0.0,
                                                   "psychosocial": 0.333},
                        "recorded_via": "caseworker", "answered_on": "2026-03-05"}
        again = (await client.get(f"/v1/follow-ups/{follow_up['id']}")).json()["answer"]
        assert again == body

    async def test_publishes_followup_completed(self, client: httpx.AsyncClient,
                                                session: AsyncSession,
                                                follow_up: dict[str, Any]) -> None:
        await answer(client, follow_up, answer_body())
        [event] = await outbox_events(session, "followup.completed")
        assert event == {"follow_up_id": follow_up["id"], "case_id": follow_up["case_id"],
                         "programme_id": follow_up["programme_id"],
                         "candidate_id": event["candidate_id"], "point_months": 0,
                         "due_date": "2026-03-01", "status": "completed",
                         "at": "2026-03-05T10:00:00Z",
                         "answered_on": "2026-03-05"}  # ids, statuses and dates only

    async def test_twice_is_409_and_keeps_the_first(self, client: httpx.AsyncClient,
                                                    follow_up: dict[str, Any]) -> None:
        await answer(client, follow_up, answer_body("seeking_work"))
        second = await answer(client, follow_up, answer_body("self_employed"))
        assert second.status_code == 409
        assert second.json()["current_state"] == "completed"
        kept = (await client.get(f"/v1/follow-ups/{follow_up['id']}")).json()
        assert kept["answer"]["employment_status"] == "seeking_work"

    async def test_stale_if_match_is_412(self, client: httpx.AsyncClient,
                                         follow_up: dict[str, Any]) -> None:
        response = await answer(client, follow_up, answer_body(),
                                headers={"If-Match": '"99"'})
        assert response.status_code == 412
        fresh = await answer(client, follow_up, answer_body(),
                             headers={"If-Match": f'"{follow_up["version"]}"'})
        assert fresh.status_code == 200


# Fields the schema refuses on their own: (field, value).
BAD_FIELDS = [
    ("employment_status", "employed"), ("employment_status", None),
    ("employer_name", ""), ("employer_name", "x" * 201), ("employer_name", 42),
    ("job_sector", "ICT"), ("job_sector", "it sector"), ("job_sector", "x"),
    ("job_location", "home"), ("job_location", "FR"),
    ("income_band", "1000"), ("income_band", "high"),
    ("skills_use", "yes"), ("skills_use", 3),
    ("satisfaction", 0), ("satisfaction", 6), ("satisfaction", 3.5), ("satisfaction", "good"),
    ("sustainability", {"economic": "1.01", "social": "0.5", "psychosocial": "0.5"}),
    ("sustainability", {"economic": "-0.1", "social": "0.5", "psychosocial": "0.5"}),
    ("sustainability", {"economic": "0.1234", "social": "0.5", "psychosocial": "0.5"}),
    ("sustainability", {"economic": "0.5", "social": "0.5"}),
    ("sustainability", {"economic": "0.5", "social": "0.5", "psychosocial": "0.5",
                        "spiritual": "0.5"}),
    ("sustainability", "high"),
    ("notes", "x" * 5001),
    ("status", "completed"), ("recorded_via", "app"), ("candidate_id", None),
]


class TestFieldValidation:
    @pytest.mark.parametrize(("field", "value"), BAD_FIELDS,
                             ids=[f"{f}={str(v)[:12]}" for f, v in BAD_FIELDS])
    async def test_refused(self, client: httpx.AsyncClient, follow_up: dict[str, Any],
                           field: str, value: Any) -> None:
        response = await answer(client, follow_up, {**answer_body(), field: value})
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM
        assert any(field in e["loc"] for e in response.json()["errors"]), response.json()
        assert (await client.get(f"/v1/follow-ups/{follow_up['id']}")).json()["status"] == \
            "scheduled"

    @pytest.mark.parametrize(("status", "missing"), [
        ("employed_other_employer", "employer_name"),
        ("employed_other_employer", "job_sector"),
        ("employed_host_company", "job_location"),
        ("self_employed", "job_sector"),
        ("seeking_work", "income_band"),
        ("in_education", "skills_use"),
        ("not_seeking_work", "satisfaction"),
        ("employed_host_company", "sustainability"),
    ])
    async def test_required_for_the_status(self, client: httpx.AsyncClient,
                                           follow_up: dict[str, Any], status: str,
                                           missing: str) -> None:
        response = await answer(client, follow_up, answer_body(status, **{missing: ...}))
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "/problems/invalid-answer"
        assert [e["loc"] for e in response.json()["errors"]] == [["body", missing]]

    @pytest.mark.parametrize("field", ["employer_name", "job_sector", "job_location"])
    @pytest.mark.parametrize("status", ["in_education", "seeking_work", "not_seeking_work"])
    async def test_no_job_without_work(self, client: httpx.AsyncClient,
                                       follow_up: dict[str, Any], status: str,
                                       field: str) -> None:
        value = {"employer_name": "Atlas", "job_sector": "ict",
                 "job_location": "abroad"}[field]
        response = await answer(client, follow_up, answer_body(status, **{field: value}))
        assert response.status_code == 422
        assert [e["loc"] for e in response.json()["errors"]] == [["body", field]]

    async def test_unreachable_carries_nothing_but_notes(self, client: httpx.AsyncClient,
                                                         follow_up: dict[str, Any]) -> None:
        response = await answer(client, follow_up, answer_body(
            "unreachable", satisfaction=3, income_band="none"))
        assert response.status_code == 422
        assert sorted(e["loc"][-1] for e in response.json()["errors"]) == \
            ["income_band", "satisfaction"]
        noted = await answer(client, follow_up, answer_body("unreachable", notes="No answer"))
        assert noted.status_code == 200
        assert noted.json()["answer"]["satisfaction"] is None

    async def test_body_is_required(self, client: httpx.AsyncClient,
                                    follow_up: dict[str, Any]) -> None:
        response = await client.post(f"/v1/follow-ups/{follow_up['id']}/answer")
        assert response.status_code == 422
