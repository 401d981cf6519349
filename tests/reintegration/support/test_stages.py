"""Support at every stage: for a person of the programme without a case (authorised by the
candidates service, asked with the caller's token), the new kinds and their money, the dates of
what happened, and the measures joining the person's case when it opens."""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.reintegration.support.candidates import CandidatesClient
from shared.events.signing import Signer
from tests.reintegration.factories import deliver, erased_event, open_case, placement_event, today

Auth = Callable[..., dict[str, str]]


@dataclass
class Candidates:
    """A stand-in for the candidates service's ``GET /v1/applications``: the applications it
    holds, what it answers, and the requests it got."""

    applications: list[dict[str, str]] = field(default_factory=list)
    status: int = 200
    down: bool = False
    requests: list[httpx.Request] = field(default_factory=list)

    def apply(self, candidate_id: uuid.UUID | str, programme_id: uuid.UUID | str,
              status: str = "selected") -> None:
        self.applications.append({"candidate_id": str(candidate_id),
                                  "programme_id": str(programme_id), "status": status})

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if self.status != 200:
            return httpx.Response(self.status, json={"type": "/problems/x"})
        wanted = {k: request.url.params.get(k) for k in ("candidate_id", "programme_id")}
        items = [{"id": str(uuid.uuid4()), **a} for a in self.applications
                 if all(a[k] == v for k, v in wanted.items())]
        return httpx.Response(200, json={"items": items, "next_cursor": None})


@pytest.fixture
def candidates(reintegration_app: FastAPI) -> Iterator[Candidates]:
    """The app's candidates client answering from a :class:`Candidates`."""
    fake = Candidates()
    kept = reintegration_app.state.candidates_client
    reintegration_app.state.candidates_client = CandidatesClient(httpx.AsyncClient(
        base_url="http://candidates.test", transport=httpx.MockTransport(fake.handle)))
    try:
        yield fake
    finally:
        reintegration_app.state.candidates_client = kept


PROGRAMME = uuid.UUID("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d")


def person_body(candidate_id: uuid.UUID, programme_id: uuid.UUID = PROGRAMME,
                **body: Any) -> dict[str, Any]:
    return {"candidate_id": str(candidate_id), "programme_id": str(programme_id),
            "stage": "during_stay", "kind": "mentoring", **body}


class TestWithoutACase:
    async def test_officer_records_mentoring_during_the_stay(
            self, client: httpx.AsyncClient, auth: Auth, candidates: Candidates) -> None:
        trainee = uuid.uuid4()
        candidates.apply(trainee, PROGRAMME, "placed")
        officer = auth("officer", programme_ids=(PROGRAMME,))
        response = await client.post("/v1/support-measures", headers=officer, json=person_body(
            trainee, provider="Comune di Milano", start_date=today().isoformat()))
        assert response.status_code == 201, response.text
        measure = response.json()
        assert {k: measure[k] for k in ("case_id", "candidate_id", "programme_id", "stage",
                                        "kind", "status")} == {
            "case_id": None, "candidate_id": str(trainee), "programme_id": str(PROGRAMME),
            "stage": "during_stay", "kind": "mentoring", "status": "planned"}
        [asked] = candidates.requests
        assert (asked.url.path, dict(asked.url.params)) == ("/v1/applications", {
            "programme_id": str(PROGRAMME), "candidate_id": str(trainee), "limit": "200"})
        assert asked.headers["authorization"] == officer["Authorization"]  # the caller's own
        mine = auth("candidate", candidate_id=trainee)
        seen = await client.get(f"/v1/support-measures/{measure['id']}", headers=mine)
        assert seen.status_code == 200
        listed = await client.get("/v1/support-measures", headers=officer,
                                  params={"stage": "during_stay", "candidate_id": str(trainee)})
        assert [m["id"] for m in listed.json()["items"]] == [measure["id"]]

    @pytest.mark.parametrize("status", ["selected", "placed", "returned"])
    async def test_every_status_of_someone_taking_part(
            self, client: httpx.AsyncClient, candidates: Candidates, status: str) -> None:
        person = uuid.uuid4()
        candidates.apply(person, PROGRAMME, status)
        response = await client.post("/v1/support-measures", json=person_body(
            person, stage="before_departure", kind="language"))
        assert response.status_code == 201, response.text

    @pytest.mark.parametrize(("setup", "why"), [
        (lambda c, p: None, "unknown"),
        (lambda c, p: c.apply(p, PROGRAMME, "waitlisted"), "not selected"),
        (lambda c, p: c.apply(p, uuid.uuid4(), "selected"), "another programme"),
        (lambda c, p: setattr(c, "status", 403), "refused there"),
        (lambda c, p: setattr(c, "status", 404), "unknown there"),
    ], ids=["unknown", "waitlisted", "elsewhere", "403", "404"])
    async def test_someone_the_candidates_service_does_not_show_is_404(
            self, client: httpx.AsyncClient, auth: Auth, candidates: Candidates,
            setup: Callable[[Candidates, uuid.UUID], None], why: str) -> None:
        person = uuid.uuid4()
        setup(candidates, person)
        response = await client.post("/v1/support-measures", json=person_body(person),
                                     headers=auth("officer", programme_ids=(PROGRAMME,)))
        assert response.status_code == 404, (why, response.text)
        assert response.json()["type"] == "/problems/candidate-not-found"
        assert (await client.get("/v1/support-measures", params={
            "candidate_id": str(person)})).json()["items"] == []

    async def test_an_officer_of_another_programme_is_404_without_asking(
            self, client: httpx.AsyncClient, auth: Auth, candidates: Candidates) -> None:
        person = uuid.uuid4()
        candidates.apply(person, PROGRAMME)
        other = auth("officer", programme_ids=(uuid.uuid4(),))
        response = await client.post("/v1/support-measures", json=person_body(person),
                                     headers=other)
        assert response.status_code == 404
        assert candidates.requests == []

    @pytest.mark.parametrize("role", ["candidate", "ministry", "employer", "institution",
                                      "visa_authority", "service"])
    async def test_other_roles_may_not(self, client: httpx.AsyncClient, auth: Auth,
                                       candidates: Candidates, role: str) -> None:
        person = uuid.uuid4()
        candidates.apply(person, PROGRAMME)
        response = await client.post("/v1/support-measures", json=person_body(person),
                                     headers=auth(role, candidate_id=person,
                                                  programme_ids=(PROGRAMME,)))
        assert response.status_code == 403, response.text

    @pytest.mark.parametrize("trouble", ["down", "500"])
    async def test_candidates_service_unavailable_is_503_and_nothing_stored(
            self, client: httpx.AsyncClient, candidates: Candidates, trouble: str) -> None:
        candidates.down, candidates.status = trouble == "down", 500 if trouble == "500" else 200
        person = uuid.uuid4()
        response = await client.post("/v1/support-measures", json=person_body(person))
        assert response.status_code == 503, response.text
        assert response.json()["type"] == "/problems/candidates-unavailable"
        assert (await client.get("/v1/support-measures", params={
            "candidate_id": str(person)})).json()["items"] == []

    @pytest.mark.parametrize(("body", "field"), [
        ({"candidate_id": str(uuid.uuid4()), "stage": "during_stay"}, "programme_id"),
        ({"programme_id": str(PROGRAMME), "stage": "during_stay"}, "candidate_id"),
        ({"candidate_id": str(uuid.uuid4()), "programme_id": str(PROGRAMME)}, "stage"),
        ({"stage": "after_return"}, "case_id"),
    ])
    async def test_who_is_required(self, client: httpx.AsyncClient, candidates: Candidates,
                                   body: dict[str, Any], field: str) -> None:
        response = await client.post("/v1/support-measures", json={"kind": "mentoring", **body})
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "/problems/invalid-support-measure"
        assert [e["loc"] for e in response.json()["errors"]] == [["body", field]]
        assert candidates.requests == []

    async def test_unknown_stage_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/support-measures",
                                     json=person_body(uuid.uuid4(), stage="abroad"))
        assert response.status_code == 422

    async def test_erased_person_gets_no_free_text(
            self, client: httpx.AsyncClient, signer: Signer, candidates: Candidates) -> None:
        person = uuid.uuid4()
        candidates.apply(person, PROGRAMME)
        kept = await client.post("/v1/support-measures",
                                 json=person_body(person, description="Weekly calls"))
        await deliver(client, signer, [erased_event(person)])
        blanked = (await client.get(f"/v1/support-measures/{kept.json()['id']}")).json()
        assert blanked["description"] is None
        refused = await client.post("/v1/support-measures",
                                    json=person_body(person, description="More calls"))
        assert refused.status_code == 409
        assert refused.json()["type"] == "/problems/candidate-erased"


class TestWithACase:
    async def test_the_case_joins_measures_recorded_before_it_opened(
            self, client: httpx.AsyncClient, signer: Signer, candidates: Candidates) -> None:
        person = uuid.uuid4()
        candidates.apply(person, PROGRAMME)
        before = await client.post("/v1/support-measures", json=person_body(
            person, stage="before_departure", kind="scholarship", amount="1200.00",
            currency="EUR", disbursed_date=(today() - timedelta(days=200)).isoformat()))
        assert before.status_code == 201, before.text
        case = await open_case(client, signer, candidate_id=person, programme_id=PROGRAMME)
        joined = (await client.get(f"/v1/support-measures/{before.json()['id']}")).json()
        assert joined["case_id"] == case["id"]
        assert joined["version"] == before.json()["version"] + 1
        # Named by the person now that there is an open case: it gets the case, unasked.
        requests = len(candidates.requests)
        after = await client.post("/v1/support-measures", json=person_body(
            person, stage="after_return", kind="job_referral"))
        assert after.status_code == 201, after.text
        assert after.json()["case_id"] == case["id"]
        assert len(candidates.requests) == requests
        listed = await client.get("/v1/support-measures", params={"case_id": case["id"]})
        assert {m["stage"] for m in listed.json()["items"]} == {"before_departure",
                                                                "after_return"}

    async def test_case_and_person_must_agree(self, client: httpx.AsyncClient, signer: Signer,
                                              candidates: Candidates) -> None:
        case = await open_case(client, signer, programme_id=PROGRAMME)
        stranger = uuid.uuid4()
        candidates.apply(stranger, PROGRAMME)
        mismatched = await client.post("/v1/support-measures", json={
            **person_body(stranger), "case_id": case["id"]})
        assert mismatched.status_code == 422, mismatched.text
        assert [e["loc"] for e in mismatched.json()["errors"]] == [["body", "candidate_id"]]
        agreed = await client.post("/v1/support-measures", json={
            **person_body(uuid.UUID(case["candidate_id"])), "case_id": case["id"]})
        assert agreed.status_code == 201, agreed.text
        assert (agreed.json()["case_id"], agreed.json()["stage"]) == (case["id"], "during_stay")

    async def test_a_case_measure_is_after_return_by_default(
            self, client: httpx.AsyncClient, signer: Signer) -> None:
        case = await open_case(client, signer)
        measure = await client.post("/v1/support-measures",
                                    json={"case_id": case["id"], "kind": "housing"})
        assert measure.status_code == 201, measure.text
        assert (measure.json()["stage"], measure.json()["candidate_id"]) == \
            ("after_return", case["candidate_id"])


MONEY = {"amount": "150.00", "currency": "EUR"}


class TestKindsAndMoney:
    @pytest.mark.parametrize("kind", ["financial", "scholarship", "award", "micro_grant",
                                      "micro_loan", "income_generating_activity"])
    async def test_money_kinds(self, client: httpx.AsyncClient, signer: Signer,
                               kind: str) -> None:
        case = await open_case(client, signer)
        response = await client.post("/v1/support-measures", json={
            "case_id": case["id"], "kind": kind, **MONEY,
            "disbursed_date": today().isoformat()})
        assert response.status_code == 201, response.text
        assert (response.json()["amount"], response.json()["currency"]) == ("150.00", "EUR")

    @pytest.mark.parametrize("kind", ["mentoring", "social", "health", "housing", "language",
                                      "entrepreneurship_training", "job_referral",
                                      "psychosocial_support"])
    async def test_kinds_without_money(self, client: httpx.AsyncClient, signer: Signer,
                                       kind: str) -> None:
        case = await open_case(client, signer)
        plain = await client.post("/v1/support-measures",
                                  json={"case_id": case["id"], "kind": kind})
        assert plain.status_code == 201, plain.text
        paid = await client.post("/v1/support-measures",
                                 json={"case_id": case["id"], "kind": kind, **MONEY})
        assert paid.status_code == 422
        assert ["body", "amount"] in [e["loc"] for e in paid.json()["errors"]]


class TestDatesOfWhatHappened:
    async def test_start_and_completion_take_their_day_not_in_the_future(
            self, client: httpx.AsyncClient, signer: Signer) -> None:
        case = await open_case(client, signer)
        measure = (await client.post("/v1/support-measures", json={
            "case_id": case["id"], "kind": "language"})).json()
        url = f"/v1/support-measures/{measure['id']}"
        tomorrow = (today() + timedelta(days=1)).isoformat()
        early = (today() - timedelta(days=40)).isoformat()
        future = await client.post(f"{url}/start", json={"start_date": tomorrow})
        assert future.status_code == 422
        assert [e["loc"] for e in future.json()["errors"]] == [["body", "start_date"]]
        started = await client.post(f"{url}/start", json={"start_date": early})
        assert started.status_code == 200, started.text
        assert (started.json()["status"], started.json()["start_date"]) == ("in_progress", early)
        late = await client.post(f"{url}/complete", json={"outcome": "successful",
                                                          "end_date": tomorrow})
        assert late.status_code == 422
        assert [e["loc"] for e in late.json()["errors"]] == [["body", "end_date"]]
        done = await client.post(f"{url}/complete", json={"outcome": "successful"})
        assert (done.json()["status"], done.json()["end_date"]) == \
            ("completed", today().isoformat())

    async def test_a_planned_start_to_come_starts_today(self, client: httpx.AsyncClient,
                                                        signer: Signer,
                                                        session: AsyncSession) -> None:
        case = await open_case(client, signer)
        planned = (today() + timedelta(days=10)).isoformat()
        measure = (await client.post("/v1/support-measures", json={
            "case_id": case["id"], "kind": "mentoring", "start_date": planned})).json()
        started = await client.post(f"/v1/support-measures/{measure['id']}/start")
        assert started.json()["start_date"] == today().isoformat()
        # Recording it and starting it are both changes of the person's support, on record.
        recorded = (await session.execute(text(
            "SELECT action, route FROM reintegration.access_record WHERE resource_id = :m "
            "ORDER BY seq"), {"m": measure["id"]})).all()
        assert [tuple(r) for r in recorded] == [
            ("change", "/v1/support-measures"),
            ("change", "/v1/support-measures/{measure_id}/start")]


async def test_placement_event_for_a_measured_person_in_another_programme_leaves_it(
        client: httpx.AsyncClient, signer: Signer, candidates: Candidates) -> None:
    person = uuid.uuid4()
    candidates.apply(person, PROGRAMME)
    measure = (await client.post("/v1/support-measures", json=person_body(person))).json()
    await deliver(client, signer, [placement_event(candidate_id=person)])  # elsewhere
    assert (await client.get(f"/v1/support-measures/{measure['id']}")).json()["case_id"] is None
