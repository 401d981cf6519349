"""The proof-of-skills credential over HTTP: the returnee's download, an officer's revocation,
and the public verification with the issuer's keys and status list."""

import base64
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.credentials import document, repository, service
from services.placements.credentials.models import Credential
from services.placements.monitoring.models import Evaluation
from services.placements.placements.models import Placement
from shared.jwks import public_key
from tests.placements.factories import add_employer, add_placement, add_vacancy

Auth = Callable[..., dict[str, str]]


def _returnee(auth: Auth, placement: Placement) -> dict[str, str]:
    return auth("candidate", candidate_id=placement.candidate_id)


def _officer(auth: Auth, placement: Placement) -> dict[str, str]:
    return auth("officer", programme_ids=(placement.programme_id,))


async def _ended(session: AsyncSession, status: str = "completed") -> Placement:
    placement = await add_placement(session, status=status)
    session.add(Evaluation(placement_id=placement.id, technical_skills=4, communication=5,
                           teamwork=3, reliability=5, would_host_again=True,
                           comments="Names a colleague.", evaluator="employer-1"))
    await session.flush()
    return placement


async def _download(client: httpx.AsyncClient, placement: Placement,
                    headers: dict[str, str]) -> httpx.Response:
    return await client.get(f"/v1/placements/{placement.id}/credential", headers=headers)


async def _verify(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await client.post("/v1/credentials/verify", json={"credential": token},
                                 headers={"Authorization": ""})
    assert response.status_code == 200, response.text
    verdict: dict[str, Any] = response.json()
    return verdict


def _tampered(token: str) -> str:
    head, body, signature = token.split(".")
    payload = orjson.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["credentialSubject"]["employerEvaluation"]["technicalSkills"] = 5
    forged = base64.urlsafe_b64encode(orjson.dumps(payload)).rstrip(b"=").decode()
    return f"{head}.{forged}.{signature}"


async def _revoked_bit(client: httpx.AsyncClient, credential: dict[str, Any]) -> bool:
    entry = credential["credentialStatus"]
    path = "/v1/" + entry["statusListCredential"].split("/v1/", 1)[1]
    response = await client.get(path, headers={"Authorization": ""})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == document.MEDIA_TYPE
    status = document.content(response.text)
    bits = document.decode_list(status["credentialSubject"]["encodedList"])
    return document.bit_set(bits, int(entry["statusListIndex"]))


class TestDownload:
    async def test_the_returnee_gets_a_credential_that_verifies_with_the_published_keys(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        placement = await _ended(session, "ended_early")
        response = await _download(client, placement, _returnee(auth, placement))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["media_type"] == "application/vc+jwt"
        subject = body["credential"]["credentialSubject"]
        assert subject["id"] == f"urn:uuid:{placement.candidate_id}"
        assert subject["stay"]["outcome"] == "ended_early"
        assert subject["employerEvaluation"] == {"technicalSkills": 4, "communication": 5,
                                                 "teamwork": 3, "reliability": 5,
                                                 "wouldHostAgain": True}
        assert "Names a colleague." not in response.text  # the comments may name people
        keys = (await client.get("/v1/credentials/keys", headers={"Authorization": ""})).json()
        verifying = {k.kid: k for k in map(public_key, keys["keys"]) if k is not None}
        verdict = document.verify_jws(body["jwt"], issuer=body["credential"]["issuer"]["id"],
                                      key_of=verifying.get)
        assert verdict.valid and verdict.credential == body["credential"]
        # The same credential again, not a new one.
        again = (await _download(client, placement, _returnee(auth, placement))).json()
        assert (again["id"], again["jwt"]) == (body["id"], body["jwt"])
        assert await _verify(client, body["jwt"]) == {
            "valid": True, "revoked": False, "errors": [], "credential": body["credential"]}
        assert not await _revoked_bit(client, body["credential"])

    async def test_the_occupation_is_named_by_its_esco_uri_and_label(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        programme_id = uuid.uuid4()
        uri = "http://data.europa.eu/esco/occupation/00000000-e5c0-4000-8000-000000000037"
        vacancy = await add_vacancy(
            session, employer=await add_employer(session, programme_id=programme_id),
            programme_id=programme_id, title="Junior developer",
            occupation={"uri": uri, "label": None, "esco": True})
        placement = await add_placement(session, status="completed", vacancy=vacancy)
        body = (await _download(client, placement, _returnee(auth, placement))).json()
        assert body["credential"]["credentialSubject"]["occupation"] == {
            "id": uri, "name": "software developer", "title": "Junior developer",
            "sector": "ict", "code": "2512"}

    async def test_not_while_the_stay_is_under_way(self, client: httpx.AsyncClient,
                                                   session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        response = await _download(client, placement, _returnee(auth, placement))
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/placement-state"

    @pytest.mark.parametrize("role", ["officer", "employer", "admin"])
    async def test_only_the_returnee(self, client: httpx.AsyncClient, session: AsyncSession,
                                     auth: Auth, role: str) -> None:
        placement = await _ended(session)
        headers = auth(role, programme_ids=(placement.programme_id,),
                       employer_id=placement.employer_id)
        assert (await _download(client, placement, headers)).status_code == 403

    async def test_anothers_placement_is_404(self, client: httpx.AsyncClient,
                                             session: AsyncSession, auth: Auth) -> None:
        placement = await _ended(session)
        response = await _download(client, placement,
                                   auth("candidate", candidate_id=uuid.uuid4()))
        assert response.json()["type"] == "/problems/placement-not-found"


class TestRevoke:
    async def test_revoked_is_found_so_and_not_handed_out_again(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        placement = await _ended(session)
        url = f"/v1/placements/{placement.id}/credential/revoke"
        officer = _officer(auth, placement)
        before = await client.post(url, json={"reason": "Wrong placement."}, headers=officer)
        assert before.json()["type"] == "/problems/credential-not-found"
        issued = (await _download(client, placement, _returnee(auth, placement))).json()
        for role in ("employer", "candidate"):
            refused = await client.post(url, json={"reason": "x"}, headers=auth(
                role, employer_id=placement.employer_id, candidate_id=placement.candidate_id))
            assert refused.status_code == 403
        response = await client.post(url, json={"reason": "Wrong placement."}, headers=officer)
        assert response.status_code == 200, response.text
        assert response.json()["revocation_reason"] == "Wrong placement."
        verdict = await _verify(client, issued["jwt"])
        assert (verdict["valid"], verdict["revoked"]) == (False, True)
        assert [e["code"] for e in verdict["errors"]] == ["revoked"]
        assert await _revoked_bit(client, issued["credential"])
        again = await _download(client, placement, _returnee(auth, placement))
        assert (again.status_code, again.json()["type"]) == (409, "/problems/credential-revoked")
        twice = await client.post(url, json={"reason": "Again."}, headers=officer)
        assert twice.json()["type"] == "/problems/credential-revoked"

    async def test_a_reason_is_needed(self, client: httpx.AsyncClient,
                                      session: AsyncSession, auth: Auth) -> None:
        placement = await _ended(session)
        await _download(client, placement, _returnee(auth, placement))
        response = await client.post(f"/v1/placements/{placement.id}/credential/revoke",
                                     json={"reason": ""}, headers=_officer(auth, placement))
        assert response.status_code == 422


class TestVerify:
    async def test_a_tampered_credential_is_refused(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        placement = await _ended(session)
        issued = (await _download(client, placement, _returnee(auth, placement))).json()
        verdict = await _verify(client, _tampered(issued["jwt"]))
        assert (verdict["valid"], verdict["credential"]) == (False, None)
        assert [e["code"] for e in verdict["errors"]] == ["bad-signature"]

    async def test_not_a_credential(self, client: httpx.AsyncClient) -> None:
        verdict = await _verify(client, "abc.def.ghi")
        assert [e["code"] for e in verdict["errors"]] == ["malformed"]
        response = await client.post("/v1/credentials/verify", json={"credential": "nope"})
        assert response.status_code == 422

    async def test_a_status_list_no_credential_uses_is_404(
            self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/credentials/status/999")
        assert response.json()["type"] == "/problems/status-list-not-found"


class TestReissue:
    async def test_a_later_evaluation_gives_a_new_credential_the_old_one_fails(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="completed")
        returnee = _returnee(auth, placement)
        first = (await _download(client, placement, returnee)).json()
        assert "employerEvaluation" not in first["credential"]["credentialSubject"]
        assert first["supersedes_id"] is None
        session.add(Evaluation(placement_id=placement.id, technical_skills=5, communication=4,
                               teamwork=4, reliability=5, would_host_again=True,
                               evaluator="employer-1"))
        await session.flush()
        second = (await _download(client, placement, returnee)).json()
        assert (second["id"] != first["id"], second["supersedes_id"]) == (True, first["id"])
        assert second["credential"]["credentialSubject"]["employerEvaluation"] == {
            "technicalSkills": 5, "communication": 4, "teamwork": 4, "reliability": 5,
            "wouldHostAgain": True}
        # The old one fails, offline (its bit is set) as at the issuer's verification.
        old = await _verify(client, first["jwt"])
        assert (old["valid"], old["revoked"], [e["code"] for e in old["errors"]]) == (
            False, True, ["revoked"])
        assert "replaced" in old["errors"][0]["detail"]
        assert await _revoked_bit(client, first["credential"])
        assert (await _verify(client, second["jwt"]))["valid"] is True
        assert not await _revoked_bit(client, second["credential"])
        # Nothing changed since: the same one again. Both are kept.
        third = (await _download(client, placement, returnee)).json()
        assert third["jwt"] == second["jwt"]
        kept = await session.scalar(select(func.count()).where(
            Credential.placement_id == placement.id))
        assert kept == 2

    async def test_a_revoked_one_is_not_replaced(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="completed")
        await _download(client, placement, _returnee(auth, placement))
        revoked = await client.post(f"/v1/placements/{placement.id}/credential/revoke",
                                    json={"reason": "Wrong placement."},
                                    headers=_officer(auth, placement))
        assert revoked.status_code == 200, revoked.text
        session.add(Evaluation(placement_id=placement.id, technical_skills=3, communication=3,
                               teamwork=3, reliability=3, would_host_again=False,
                               evaluator="employer-1"))
        await session.flush()
        again = await _download(client, placement, _returnee(auth, placement))
        assert (again.status_code, again.json()["type"]) == (409, "/problems/credential-revoked")


class TestStatusIndex:
    async def _in_use(self, session: AsyncSession) -> int:
        """The first bit of the status list in use."""
        highest = await repository.highest_status_index(session) or 0
        return highest // document.LIST_SIZE * document.LIST_SIZE

    async def test_drawn_at_random_a_taken_bit_drawn_again(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
            monkeypatch: pytest.MonkeyPatch) -> None:
        placement = await _ended(session)
        issued = (await _download(client, placement, _returnee(auth, placement))).json()
        taken = int(issued["credential"]["credentialStatus"]["statusListIndex"])
        first = await self._in_use(session)
        used = await repository.taken_indexes(session, range(first, first + 64))
        free = next(p for p in range(64) if first + p not in used)
        # Every draw of a first round hits the taken bit, the next round's first one is free.
        draws = iter([taken] * service.DRAWS + [free] * service.DRAWS)
        monkeypatch.setattr(service.secrets, "randbelow", lambda n: next(draws))
        assert await service.status_index(session) == first + free

    async def test_a_full_list_makes_way_for_the_next(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
            monkeypatch: pytest.MonkeyPatch) -> None:
        placement = await _ended(session)
        await _download(client, placement, _returnee(auth, placement))
        first = await self._in_use(session)
        used = await repository.count_between(session, first=first, size=document.LIST_SIZE)
        monkeypatch.setattr(service, "FILL", used)
        index = await service.status_index(session)
        assert index // document.LIST_SIZE == first // document.LIST_SIZE + 1

    async def test_a_bit_another_issuer_took_meanwhile_is_not_used(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
            monkeypatch: pytest.MonkeyPatch) -> None:
        one, other = await _ended(session), await _ended(session)
        issued = (await _download(client, one, _returnee(auth, one))).json()
        taken = int(issued["credential"]["credentialStatus"]["statusListIndex"]) + \
            await self._in_use(session)
        drawn = service.status_index
        answers = iter([taken])

        async def racing(session: AsyncSession) -> int:
            # As if drawn before the other issuer stored it: the insert finds it taken.
            return next(answers, None) or await drawn(session)

        monkeypatch.setattr(service, "status_index", racing)
        response = await _download(client, other, _returnee(auth, other))
        assert response.status_code == 200, response.text
        status = response.json()["credential"]["credentialStatus"]
        assert int(status["statusListIndex"]) != taken % document.LIST_SIZE
