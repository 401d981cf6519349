"""The identity a visa file may carry: only with the candidate's ``visa_file_sharing`` consent,
only for those who may read the candidate."""

import uuid

import httpx

from tests.candidates.factories import candidate_body, create_programme
from tests.conftest import TokenMinter


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _applicant(client: httpx.AsyncClient, mint_token: TokenMinter) -> tuple[str, str]:
    """A programme and a candidate who applied to it (as the admin); their ids."""
    admin = bearer(mint_token("admin"))
    client.headers.update(admin)
    programme = await create_programme(client)
    candidate = (await client.post("/v1/candidates", json=candidate_body())).json()
    response = await client.post("/v1/applications", json={
        "candidate_id": candidate["id"], "programme_id": programme["id"]})
    assert response.status_code == 201, response.text
    del client.headers["Authorization"]
    return programme["id"], candidate["id"]


class TestVisaIdentity:
    async def test_only_with_the_consent_in_force(self, client: httpx.AsyncClient,
                                                  mint_token: TokenMinter) -> None:
        programme, candidate = await _applicant(client, mint_token)
        officer = bearer(mint_token("officer", programme_ids=[programme]))
        url = f"/v1/candidates/{candidate}/visa-identity"
        refused = await client.get(url, headers=officer)
        assert refused.status_code == 409
        assert refused.json()["type"] == "/problems/consent-required"
        me = bearer(mint_token("candidate", candidate_id=candidate))
        for action in ("given", "withdrawn", "given"):
            await client.post(f"/v1/candidates/{candidate}/consents", headers=me, json={
                "purpose": "visa_file_sharing", "text_version": "2026-01", "action": action})
        shared = await client.get(url, headers=officer)
        assert shared.status_code == 200, shared.text
        assert shared.json() == {"candidate_id": candidate, "given_name": "Amina",
                                 "family_name": "Benali", "date_of_birth": "2000-05-17",
                                 "nationality": "MA", "gender": "female"}
        await client.post(f"/v1/candidates/{candidate}/consents", headers=me, json={
            "purpose": "visa_file_sharing", "text_version": "2026-01", "action": "withdrawn"})
        assert (await client.get(url, headers=officer)).status_code == 409

    async def test_another_party_gets_404_and_a_ministry_403(
            self, client: httpx.AsyncClient, mint_token: TokenMinter) -> None:
        programme, candidate = await _applicant(client, mint_token)
        url = f"/v1/candidates/{candidate}/visa-identity"
        other = bearer(mint_token("officer", programme_ids=[str(uuid.uuid4())]))
        assert (await client.get(url, headers=other)).status_code == 404
        for role in ("ministry", "visa_authority"):
            grant = bearer(mint_token(role, programme_ids=[programme], country="FR"))
            assert (await client.get(url, headers=grant)).status_code == 403
