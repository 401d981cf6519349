"""Consent records (ISO/IEC TS 27560's fields), their state now, and the checks that read it:
the other services' signed question, the visa identity, and the matching-profile export."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.signed_calls import SignedCaller
from shared.events.signing import Verifier, generate_secret
from tests.candidates.factories import candidate_body, create_programme
from tests.conftest import TokenMinter

SECRET = generate_secret()
IN_FORCE = "/internal/consents/in-force"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _at(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


@pytest.fixture
def signer(candidates_app: FastAPI) -> Iterator[SignedCaller]:
    """The candidates app verifying other services' questions with a test secret."""
    candidates_app.state.signed_calls_verifier = Verifier([SECRET])
    try:
        yield SignedCaller([SECRET])
    finally:
        del candidates_app.state.signed_calls_verifier


async def _consent(client: httpx.AsyncClient, candidate: str, headers: dict[str, str],
                   **body: object) -> httpx.Response:
    return await client.post(f"/v1/candidates/{candidate}/consents", headers=headers, json={
        "text_version": "2026-01", **body})


async def _applicant(client: httpx.AsyncClient, mint_token: TokenMinter) -> tuple[str, str]:
    """A programme and a person living in Tunisia (as the admin); their ids."""
    admin = bearer(mint_token("admin"))
    client.headers.update(admin)
    programme_body = await create_programme(client)
    candidate = (await client.post("/v1/candidates", json=candidate_body(
        residence_country="TN"))).json()
    del client.headers["Authorization"]
    return programme_body["id"], candidate["id"]


class TestRecord:
    async def test_the_person_records_online_with_the_defaults_of_their_own(
            self, client: httpx.AsyncClient, mint_token: TokenMinter) -> None:
        _, candidate = await _applicant(client, mint_token)
        me = bearer(mint_token("candidate", candidate_id=candidate))
        response = await _consent(client, candidate, me, purpose="data_processing",
                                  action="given")
        assert response.status_code == 201, response.text
        body = response.json()
        assert {k: body[k] for k in ("legal_basis", "state", "expires_at", "on_behalf_of",
                                     "jurisdiction", "method")} == {
            "legal_basis": "consent", "state": "given", "expires_at": None,
            "on_behalf_of": candidate, "jurisdiction": "TN", "method": "online_form"}
        assert body["given_by"]["kind"] == "data_subject"
        assert body["given_by"]["role"] == "candidate"

    async def test_an_officer_enters_a_paper_form_on_the_persons_behalf(
            self, client: httpx.AsyncClient, mint_token: TokenMinter) -> None:
        programme, candidate = await _applicant(client, mint_token)
        await client.post("/v1/applications", headers=bearer(mint_token("admin")), json={
            "candidate_id": candidate, "programme_id": programme})
        officer = bearer(mint_token("officer", programme_ids=[programme]))
        response = await _consent(client, candidate, officer, purpose="visa_file_sharing",
                                  action="given", legal_basis="consent", jurisdiction="MA",
                                  expires_at=_at(365))
        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["method"], body["jurisdiction"], body["given_by"]["kind"],
                body["given_by"]["role"]) == ("paper_form", "MA", "representative", "officer")

    @pytest.mark.parametrize("bad", [
        {"action": "withdrawn", "expires_at": _at(30)},
        {"action": "given", "expires_at": "2030-01-01T00:00:00"},
        {"action": "given", "legal_basis": "whim"},
        {"action": "given", "method": "import"},
        {"action": "given", "jurisdiction": "XX1"},
    ])
    async def test_bad_records_are_refused_and_change_nothing(
            self, client: httpx.AsyncClient, mint_token: TokenMinter,
            bad: dict[str, str]) -> None:
        _, candidate = await _applicant(client, mint_token)
        admin = bearer(mint_token("admin"))
        response = await _consent(client, candidate, admin, purpose="data_processing", **bad)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        history = await client.get(f"/v1/candidates/{candidate}/consents", headers=admin)
        assert history.json()["items"] == []

    async def test_a_person_may_not_record_a_past_expiry_or_a_paper_form(
            self, client: httpx.AsyncClient, mint_token: TokenMinter) -> None:
        _, candidate = await _applicant(client, mint_token)
        me = bearer(mint_token("candidate", candidate_id=candidate))
        for bad in ({"expires_at": _at(-1)}, {"method": "paper_form"}):
            response = await _consent(client, candidate, me, purpose="data_processing",
                                      action="given", **bad)
            assert response.status_code == 422, response.text
            assert response.json()["type"] == "/problems/invalid-consent"

    async def test_the_record_is_never_changed(self, client: httpx.AsyncClient,
                                               mint_token: TokenMinter) -> None:
        _, candidate = await _applicant(client, mint_token)
        me = bearer(mint_token("candidate", candidate_id=candidate))
        first = (await _consent(client, candidate, me, purpose="data_processing",
                                action="given")).json()
        await _consent(client, candidate, me, purpose="data_processing", action="withdrawn")
        history = (await client.get(f"/v1/candidates/{candidate}/consents",
                                    headers=me)).json()
        assert history["items"][0] == first
        assert [e["state"] for e in history["items"]] == ["given", "withdrawn"]
        assert history["current"]["data_processing"]["state"] == "withdrawn"


class TestExpiry:
    async def test_past_its_expiry_a_consent_is_expired_and_gates_like_a_withdrawal(
            self, client: httpx.AsyncClient, mint_token: TokenMinter,
            session: AsyncSession) -> None:
        programme, candidate = await _applicant(client, mint_token)
        admin = bearer(mint_token("admin"))
        await client.post("/v1/applications", headers=admin, json={
            "candidate_id": candidate, "programme_id": programme})
        await _consent(client, candidate, admin, purpose="visa_file_sharing", action="given",
                       expires_at=_at(1))
        officer = bearer(mint_token("officer", programme_ids=[programme]))
        url = f"/v1/candidates/{candidate}/visa-identity"
        assert (await client.get(url, headers=officer)).status_code == 200
        # A day passes: nobody writes, the consent has expired.
        await session.execute(text("UPDATE candidates.consent SET expires_at = now() - "
                                   "interval '1 second' WHERE candidate_id = :c"),
                              {"c": candidate})
        refused = await client.get(url, headers=officer)
        assert refused.status_code == 409
        assert refused.json()["purpose"] == "visa_file_sharing"
        assert refused.json()["candidate_id"] == candidate
        assert refused.json()["consent_state"] == "expired"
        history = (await client.get(f"/v1/candidates/{candidate}/consents",
                                    headers=officer)).json()
        assert history["current"]["visa_file_sharing"]["state"] == "expired"


class TestSignedQuestion:
    async def test_states_now_of_the_ids_asked(self, client: httpx.AsyncClient,
                                               mint_token: TokenMinter,
                                               signer: SignedCaller) -> None:
        _, given = await _applicant(client, mint_token)
        _, withdrawn = await _applicant(client, mint_token)
        _, expired = await _applicant(client, mint_token)
        admin = bearer(mint_token("admin"))
        await _consent(client, given, admin, purpose="partner_sharing", action="given")
        for action in ("given", "withdrawn"):
            await _consent(client, withdrawn, admin, purpose="partner_sharing", action=action)
        await _consent(client, expired, admin, purpose="partner_sharing", action="given",
                       expires_at=_at(-1))
        unknown = str(uuid.uuid4())
        body = orjson.dumps({"purpose": "partner_sharing",
                             "candidate_ids": [given, withdrawn, expired, unknown]})
        response = await client.post(IN_FORCE, content=body, headers=signer.headers(body))
        assert response.status_code == 200, response.text
        assert response.json() == {"purpose": "partner_sharing", "states": {
            given: "given", withdrawn: "withdrawn", expired: "expired", unknown: "missing"}}

    async def test_unsigned_or_forged_is_401_and_bad_questions_422(
            self, client: httpx.AsyncClient, signer: SignedCaller) -> None:
        body = orjson.dumps({"purpose": "partner_sharing", "candidate_ids": []})
        assert (await client.post(IN_FORCE, content=body)).status_code == 401
        forged = SignedCaller([generate_secret()]).headers(body)
        assert (await client.post(IN_FORCE, content=body, headers=forged)).status_code == 401
        bad = orjson.dumps({"purpose": "Partner Sharing", "candidate_ids": ["x"]})
        response = await client.post(IN_FORCE, content=bad, headers=signer.headers(bad))
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"

    async def test_the_gateway_never_documents_it(self, candidates_app: FastAPI) -> None:
        assert IN_FORCE not in candidates_app.openapi()["paths"]
