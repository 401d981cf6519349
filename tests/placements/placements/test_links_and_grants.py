"""Links named in a write are authorised as reads; ministries never see a person; a visa
authority sees only the visa files of its programmes in its country; employers record their
own extension offers; a candidate sees their host once the employer accepted them."""

import uuid
from collections.abc import Callable

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.signing import Signer
from tests.placements.conftest import FakeCandidates, post_erased
from tests.placements.factories import (
    add_employer,
    add_placement,
    add_vacancy,
    create_vacancy,
    today,
)

Auth = Callable[..., dict[str, str]]


class TestCandidateLink:
    async def test_candidate_of_another_programme_is_404(
            self, client: httpx.AsyncClient, auth: Auth,
            fake_candidates: FakeCandidates) -> None:
        """The HIGH finding: an officer placing a person of another programme on a vacancy of
        theirs, which would then let them read that person's profile."""
        vacancy = await create_vacancy(client)
        mine, theirs = uuid.UUID(vacancy["programme_id"]), uuid.uuid4()
        stranger = uuid.uuid4()
        fake_candidates.selected.add((theirs, stranger))
        officer = auth("officer", programme_ids=(mine,))
        response = await client.post("/v1/placements", headers=officer, json={
            "vacancy_id": vacancy["id"], "candidate_id": str(stranger)})
        assert response.status_code == 404, response.text
        assert response.json()["type"] == "/problems/candidate-not-found"
        # Even an officer of both programmes: the candidate is selected in the other one.
        both = auth("officer", programme_ids=(mine, theirs))
        response = await client.post("/v1/placements", headers=both, json={
            "vacancy_id": vacancy["id"], "candidate_id": str(stranger)})
        assert response.status_code == 404
        listed = await client.get("/v1/placements", params={"candidate_id": str(stranger)})
        assert listed.json()["items"] == []

    async def test_selected_candidate_is_placed_with_profile_defaults(
            self, client: httpx.AsyncClient, auth: Auth,
            fake_candidates: FakeCandidates) -> None:
        vacancy = await create_vacancy(client)
        programme, candidate = uuid.UUID(vacancy["programme_id"]), uuid.uuid4()
        fake_candidates.selected.add((programme, candidate))
        response = await client.post("/v1/placements", headers=auth(
            "officer", programme_ids=(programme,)), json={
            "vacancy_id": vacancy["id"], "candidate_id": str(candidate)})
        assert response.status_code == 201, response.text
        assert response.json()["origin_country"] == "TN"

    async def test_candidates_service_down_is_503(
            self, client: httpx.AsyncClient, auth: Auth,
            fake_candidates: FakeCandidates) -> None:
        vacancy = await create_vacancy(client)
        fake_candidates.down = True
        response = await client.post("/v1/placements", headers=auth(
            "officer", programme_ids=(uuid.UUID(vacancy["programme_id"]),)), json={
            "vacancy_id": vacancy["id"], "candidate_id": str(uuid.uuid4())})
        assert response.status_code == 503
        assert response.json()["type"] == "/problems/candidates-unavailable"

    async def test_foreign_vacancy_is_404_before_the_candidate(
            self, client: httpx.AsyncClient, auth: Auth,
            fake_candidates: FakeCandidates) -> None:
        vacancy = await create_vacancy(client)
        response = await client.post("/v1/placements", headers=auth(
            "officer", programme_ids=(uuid.uuid4(),)), json={
            "vacancy_id": vacancy["id"], "candidate_id": str(uuid.uuid4())})
        assert response.json()["type"] == "/problems/vacancy-not-found"


class TestMinistry:
    async def test_never_sees_a_person(self, client: httpx.AsyncClient, session: AsyncSession,
                                       auth: Auth) -> None:
        placement = await add_placement(session, status="ended_early")
        ministry = auth("ministry", programme_ids=(placement.programme_id,))
        for url in ("/v1/placements", f"/v1/placements/{placement.id}",
                    f"/v1/placements/{placement.id}/visa-file", "/v1/placements/visa-requests",
                    f"/v1/placements/{placement.id}/transitions"):
            response = await client.get(url, headers=ministry)
            assert response.status_code == 403, (url, response.text)
            assert "candidate_id" not in response.text


async def _visa_pending(session: AsyncSession, *, programme: uuid.UUID, country: str):  # type: ignore[no-untyped-def]
    employer = await add_employer(session, programme_id=programme, name="Officina Srl",
                                  city="Torino", country="IT")
    vacancy = await add_vacancy(session, employer=employer, programme_id=programme,
                                country=country, city="Milan" if country == "IT" else "Gent",
                                stipend_amount=900, stipend_currency="EUR")
    return await add_placement(session, vacancy=vacancy, status="visa_pending",
                               destination_country=country)


class TestVisaIdentity:
    async def _requested(self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
                         fake_candidates: FakeCandidates, *, shares: bool) -> tuple[str, dict]:  # type: ignore[type-arg]
        programme = uuid.uuid4()
        placement = await add_placement(session, vacancy=await add_vacancy(
            session, employer=await add_employer(session, programme_id=programme),
            programme_id=programme, country="IT"), status="accepted_by_candidate",
            destination_country="IT")
        if shares:
            fake_candidates.sharing_visa_identity.add(placement.candidate_id)
        officer = auth("officer", programme_ids=(programme,))
        response = await client.post(f"/v1/placements/{placement.id}/request-visa",
                                     headers=officer)
        assert response.status_code == 200, response.text
        desk = auth("visa_authority", programme_ids=(programme,), country="IT")
        file = await client.get(f"/v1/placements/{placement.id}/visa-file", headers=desk)
        assert file.status_code == 200, file.text
        return str(placement.candidate_id), file.json()

    async def test_the_file_carries_the_identity_the_candidate_consented_to_share(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
            fake_candidates: FakeCandidates) -> None:
        candidate_id, file = await self._requested(client, session, auth, fake_candidates,
                                                   shares=True)
        assert file["candidate"] == {"given_name": "Amina", "family_name": "Benali",
                                     "date_of_birth": "2000-05-17", "nationality": "MA",
                                     "gender": "female"}
        assert candidate_id not in str(file)

    async def test_an_erased_candidate_leaves_no_identity_in_the_file(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
            fake_candidates: FakeCandidates, signed: Signer) -> None:
        candidate_id, file = await self._requested(client, session, auth, fake_candidates,
                                                   shares=True)
        assert file["candidate"] is not None
        response = await post_erased(client, signed, uuid.UUID(candidate_id), uuid.uuid4())
        assert response.status_code == 200 and response.json()["applied"] == 1
        held = await session.execute(text(
            "SELECT count(*) FROM placements.placement WHERE candidate_id = :c "
            "AND visa_identity IS NOT NULL"), {"c": candidate_id})
        assert held.scalar() == 0

    async def test_without_the_consent_the_file_names_nobody(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
            fake_candidates: FakeCandidates) -> None:
        _, file = await self._requested(client, session, auth, fake_candidates, shares=False)
        assert file["candidate"] is None

    async def test_candidates_down_is_503_and_changes_nothing(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
            fake_candidates: FakeCandidates) -> None:
        programme = uuid.uuid4()
        placement = await add_placement(session, vacancy=await add_vacancy(
            session, employer=await add_employer(session, programme_id=programme),
            programme_id=programme), status="accepted_by_candidate")
        fake_candidates.down = True
        officer = auth("officer", programme_ids=(programme,))
        response = await client.post(f"/v1/placements/{placement.id}/request-visa",
                                     headers=officer)
        assert response.status_code == 503, response.text
        after = await client.get(f"/v1/placements/{placement.id}", headers=officer)
        assert after.json()["status"] == "accepted_by_candidate"


class TestVisaAuthority:
    async def test_visa_file_of_its_country_and_programme_only(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        programme = uuid.uuid4()
        italy = await _visa_pending(session, programme=programme, country="IT")
        belgium = await _visa_pending(session, programme=programme, country="BE")
        other = await _visa_pending(session, programme=uuid.uuid4(), country="IT")
        proposed = await add_placement(session, vacancy=await add_vacancy(
            session, employer=await add_employer(session, programme_id=programme),
            programme_id=programme), destination_country="IT")
        desk = auth("visa_authority", programme_ids=(programme,), country="IT")

        response = await client.get(f"/v1/placements/{italy.id}/visa-file", headers=desk)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["employer"] == {"id": str(italy.employer_id), "name": "Officina Srl",
                                    "kind": "company", "city": "Torino", "country": "IT"}
        assert body["vacancy"]["occupation_code"] == "2512"
        assert body["vacancy"]["stipend_amount"] == "900.000" or float(
            body["vacancy"]["stipend_amount"]) == 900
        assert (body["destination_country"], body["candidate"]) == ("IT", None)
        assert str(italy.candidate_id) not in response.text
        for hidden in (belgium, other, proposed):
            missing = await client.get(f"/v1/placements/{hidden.id}/visa-file", headers=desk)
            assert missing.status_code == 404, hidden.destination_country
        listed = await client.get("/v1/placements/visa-requests", headers=desk)
        assert [f["placement_id"] for f in listed.json()["items"]] == [str(italy.id)]
        # Never the person's placement itself, nor a list of people.
        assert (await client.get(f"/v1/placements/{italy.id}", headers=desk)).status_code == 403
        assert (await client.get("/v1/placements", headers=desk)).status_code == 403

    async def test_decides_its_own_only(self, client: httpx.AsyncClient, session: AsyncSession,
                                        auth: Auth) -> None:
        programme = uuid.uuid4()
        italy = await _visa_pending(session, programme=programme, country="IT")
        belgium = await _visa_pending(session, programme=programme, country="BE")
        desk = auth("visa_authority", programme_ids=(programme,), country="IT")
        body = {"decision": "granted", "reference": "IT-2026-1"}
        refused = await client.post(f"/v1/placements/{belgium.id}/visa-decision", json=body,
                                    headers=desk)
        assert refused.status_code == 404
        decided = await client.post(f"/v1/placements/{italy.id}/visa-decision", json=body,
                                    headers=desk)
        assert decided.status_code == 200, decided.text
        assert decided.json()["status"] == "visa_granted"
        ministry = auth("ministry", programme_ids=(programme,))
        assert (await client.post(f"/v1/placements/{belgium.id}/visa-decision", json=body,
                                  headers=ministry)).status_code == 403


class TestExtensionsAndHost:
    async def test_employer_records_its_own_offer(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        body = {"new_end_date": str(placement.end_date.replace(year=placement.end_date.year + 1)),
                "offer_reference": "EXT-1"}
        other = auth("employer", employer_id=uuid.uuid4())
        assert (await client.post(f"/v1/placements/{placement.id}/extend", json=body,
                                  headers=other)).status_code == 404
        own = auth("employer", employer_id=placement.employer_id)
        response = await client.post(f"/v1/placements/{placement.id}/extend", json=body,
                                     headers=own)
        assert response.status_code == 200, response.text
        extensions = (await client.get(f"/v1/placements/{placement.id}/extensions",
                                       headers=own)).json()["items"]
        assert [e["offer_reference"] for e in extensions] == ["EXT-1"]

    async def test_candidate_sees_host_once_accepted(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        programme = uuid.uuid4()
        employer = await add_employer(session, programme_id=programme, name="Officina Srl",
                                      city="Torino", country="IT")
        vacancy = await add_vacancy(session, employer=employer, programme_id=programme)
        placement = await add_placement(session, vacancy=vacancy)
        me = auth("candidate", candidate_id=placement.candidate_id)
        url = f"/v1/placements/{placement.id}"
        assert (await client.get(url, headers=me)).json()["host"] is None
        accepted = await client.post(f"{url}/accept-employer", headers=auth(
            "employer", employer_id=employer.id))
        assert accepted.status_code == 200
        assert (await client.get(url, headers=me)).json()["host"] == {
            "name": "Officina Srl", "city": "Torino", "country": "IT"}
        officer = auth("officer", programme_ids=(programme,))
        assert (await client.get(url, headers=officer)).json()["host"] is None
        assert today()  # dates of the factory are relative to today
