"""The identity of a visa file is shown only while the candidate's ``visa_file_sharing``
consent is in force at the read: the candidates service is asked each time, as this service
(a signed question), since the visa authority's token may not read the person there."""

import uuid
from collections.abc import Callable

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.placements.conftest import FakeCandidates
from tests.placements.factories import add_employer, add_placement, add_vacancy

Auth = Callable[..., dict[str, str]]


async def _requested(client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
                     fake: FakeCandidates) -> tuple[uuid.UUID, str, dict[str, str]]:
    """A placement whose visa was requested with the candidate's identity; its candidate,
    the visa file's URL and the visa desk's headers."""
    programme = uuid.uuid4()
    placement = await add_placement(session, vacancy=await add_vacancy(
        session, employer=await add_employer(session, programme_id=programme),
        programme_id=programme, country="IT"), status="accepted_by_candidate",
        destination_country="IT")
    fake.sharing_visa_identity.add(placement.candidate_id)
    officer = auth("officer", programme_ids=(programme,))
    response = await client.post(f"/v1/placements/{placement.id}/request-visa",
                                 headers=officer)
    assert response.status_code == 200, response.text
    desk = auth("visa_authority", programme_ids=(programme,), country="IT")
    return placement.candidate_id, f"/v1/placements/{placement.id}/visa-file", desk


class TestVisaFileConsent:
    async def test_a_withdrawal_or_an_expiry_hides_the_identity_on_the_next_read(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
            fake_candidates: FakeCandidates) -> None:
        candidate, url, desk = await _requested(client, session, auth, fake_candidates)
        shown = (await client.get(url, headers=desk)).json()
        assert shown["candidate"]["family_name"] == "Benali"
        assert shown["candidate_withheld"] is None
        for state in ("withdrawn", "expired"):
            fake_candidates.lapsed[(candidate, "visa_file_sharing")] = state
            file = (await client.get(url, headers=desk)).json()
            assert file["candidate"] is None
            assert file["candidate_withheld"]["consent_state"] == state
            assert file["candidate_withheld"]["purpose"] == "visa_file_sharing"
            listed = (await client.get("/v1/placements/visa-requests", headers=desk)).json()
            assert [f["candidate"] for f in listed["items"]] == [None]
        del fake_candidates.lapsed[(candidate, "visa_file_sharing")]
        assert (await client.get(url, headers=desk)).json()["candidate"] is not None
        asked = [r for r in fake_candidates.asked if r.url.path.startswith("/internal/")]
        assert asked and all("webhook-signature" in r.headers for r in asked)
        assert all("authorization" not in r.headers for r in asked)

    async def test_no_identity_is_shown_unchecked_when_candidates_is_down(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
            fake_candidates: FakeCandidates) -> None:
        _, url, desk = await _requested(client, session, auth, fake_candidates)
        fake_candidates.down = True
        response = await client.get(url, headers=desk)
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert "Benali" not in response.text
