"""A programme's consortium and its partners' agreements over HTTP, each call with the token of
the role that makes it: staff record the consortium, partners record what they signed, the
programme's ministry reads, everybody else meets a 403 or a 404.

The world: MENTOR 2 (programme A) run by the City of Milan (lead) with Tangier and Turin;
another programme B whose only partner is an outsider to A.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from services.candidates.agreements import repository
from shared.clock import utc_today
from tests.candidates.factories import create_institution, create_programme
from tests.conftest import TokenMinter
from tests.pages import all_pages

PROBLEM = "application/problem+json"


@dataclass
class World:
    """Ids of the test's programmes and institutions, and a token per actor."""

    a: str
    b: str
    milan: str
    tangier: str
    turin: str
    outsider: str
    tokens: dict[str, str]

    def auth(self, actor: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[actor]}"}


@pytest.fixture
async def world(client: httpx.AsyncClient, mint_token: TokenMinter) -> World:
    admin = {"Authorization": f"Bearer {mint_token('admin')}"}
    client.headers.update(admin)  # the admin registers programmes and institutions
    a = (await create_programme(client, origin_countries=["MA", "TN"],
                                destination_countries=["IT"]))["id"]
    b = (await create_programme(client))["id"]
    milan = (await create_institution(client, name="Comune di Milano", kind="municipality",
                                      country="IT", city="Milano"))["id"]
    tangier = (await create_institution(client, name="Commune de Tanger", kind="municipality",
                                        country="MA", city="Tanger"))["id"]
    turin = (await create_institution(client, name="Città di Torino", kind="municipality",
                                      country="IT", city="Torino"))["id"]
    outsider = (await create_institution(client, name="Région Île-de-France", kind="region",
                                         country="FR", city="Paris"))["id"]
    del client.headers["Authorization"]
    tokens = {
        "admin": mint_token("admin"),
        "service": mint_token("service"),
        "officer": mint_token("officer", programme_ids=[a]),
        "officer_b": mint_token("officer", programme_ids=[b]),
        "ministry": mint_token("ministry", programme_ids=[a]),
        "ministry_b": mint_token("ministry", programme_ids=[b]),
        "milan": mint_token("institution", institution_id=milan),
        "turin": mint_token("institution", institution_id=turin),
        "outsider": mint_token("institution", institution_id=outsider),
        "candidate": mint_token("candidate", candidate_id=uuid.uuid4()),
        "employer": mint_token("employer", employer_id=uuid.uuid4()),
        "visa_authority": mint_token("visa_authority", programme_ids=[a], country="IT"),
    }
    world = World(a=a, b=b, milan=milan, tangier=tangier, turin=turin, outsider=outsider,
                  tokens=tokens)
    for programme, institution, role, officer in ((a, milan, "lead", "officer"),
                                                  (a, tangier, "partner", "officer"),
                                                  (a, turin, "partner", "officer"),
                                                  (b, outsider, "lead", "officer_b")):
        response = await client.post(f"/v1/programmes/{programme}/consortium", json={
            "institution_id": institution, "role": role, "joined_on": "2019-05-01"},
            headers=world.auth(officer))
        assert response.status_code == 201, response.text
    return world


def agreement_body(world: World, **overrides: Any) -> dict[str, Any]:
    """Milan and Tangier's agreement in programme A; override any field."""
    return {"programme_id": world.a, "party_ids": [world.milan, world.tangier],
            "title": "Milan-Tangier cooperation on traineeships",
            "purpose": "Milan hosts trainees from Tangier; both cities mentor them after return.",
            "signed_on": "2019-03-12", "starts_on": "2019-04-01", "ends_on": "2021-03-31",
            "document_reference": "Comune di Milano, delibera 512/2019"} | overrides


async def agreements_of_a(client: httpx.AsyncClient, world: World) -> list[dict[str, Any]]:
    """Every agreement of programme A, as its officer lists them."""
    client.headers.update(world.auth("officer"))
    try:
        return await all_pages(client, "/v1/agreements", programme_id=world.a)
    finally:
        del client.headers["Authorization"]


def error_locs(response: httpx.Response) -> list[list[Any]]:
    return [e["loc"] for e in response.json()["errors"]]


class TestConsortium:
    async def test_officer_takes_an_institution_in(self, client: httpx.AsyncClient,
                                                   world: World) -> None:
        response = await client.post(f"/v1/programmes/{world.a}/consortium", json={
            "institution_id": world.outsider, "role": "associate"},
            headers=world.auth("officer"))
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["programme_id"] == world.a and body["institution_id"] == world.outsider
        assert body["role"] == "associate"
        assert body["joined_on"] == utc_today().isoformat()  # the default: today
        assert body["institution"] == {"id": world.outsider, "name": "Région Île-de-France",
                                       "kind": "region", "country": "FR", "city": "Paris"}

    async def test_staff_the_ministry_and_members_read_it(self, client: httpx.AsyncClient,
                                                          world: World) -> None:
        for actor in ("officer", "ministry", "milan", "admin", "service"):
            response = await client.get(f"/v1/programmes/{world.a}/consortium",
                                        headers=world.auth(actor))
            assert response.status_code == 200, (actor, response.text)
            members = response.json()["items"]
            # One transaction records them all here: the same created_at, no order to check.
            assert sorted((m["institution"]["name"], m["role"]) for m in members) == [
                ("Città di Torino", "partner"), ("Commune de Tanger", "partner"),
                ("Comune di Milano", "lead")], actor
            assert all(m["joined_on"] == "2019-05-01" for m in members)
            # Partners see who their partners are, not how to reach them.
            assert all("contact_email" not in m["institution"] for m in members)

    async def test_pages(self, client: httpx.AsyncClient, world: World) -> None:
        client.headers.update(world.auth("officer"))
        seen = await all_pages(client, f"/v1/programmes/{world.a}/consortium", limit=1)
        assert sorted(m["institution_id"] for m in seen) == sorted(
            [world.milan, world.tangier, world.turin])

    @pytest.mark.parametrize(("actor", "status"), [
        ("officer_b", 404), ("ministry_b", 404), ("outsider", 404),
        ("candidate", 403), ("employer", 403), ("visa_authority", 403)])
    async def test_others_do_not_read_it(self, client: httpx.AsyncClient, world: World,
                                         actor: str, status: int) -> None:
        response = await client.get(f"/v1/programmes/{world.a}/consortium",
                                    headers=world.auth(actor))
        assert response.status_code == status
        assert response.headers["content-type"] == PROBLEM
        if status == 404:
            assert response.json()["type"] == "/problems/programme-not-found"

    async def test_twice_is_409_and_keeps_one(self, client: httpx.AsyncClient,
                                              world: World) -> None:
        response = await client.post(f"/v1/programmes/{world.a}/consortium", json={
            "institution_id": world.tangier, "role": "lead"}, headers=world.auth("officer"))
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/already-member"
        listed = (await client.get(f"/v1/programmes/{world.a}/consortium",
                                   headers=world.auth("officer"))).json()["items"]
        assert [m["role"] for m in listed if m["institution_id"] == world.tangier] == ["partner"]

    async def test_a_concurrent_twin_is_409(self, client: httpx.AsyncClient, world: World,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
        async def not_yet(*args: Any, **kwargs: Any) -> bool:
            return False  # as if the twin had not committed when we checked

        monkeypatch.setattr(repository, "is_member", not_yet)
        response = await client.post(f"/v1/programmes/{world.a}/consortium", json={
            "institution_id": world.milan, "role": "lead"}, headers=world.auth("officer"))
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/already-member"

    @pytest.mark.parametrize(("bad", "loc"), [
        ({"role": "sponsor"}, "role"), ({"role": None}, "role"),
        ({"joined_on": "tomorrow"}, "joined_on"), ({"institution_id": "nope"}, "institution_id"),
        ({"since": "2019-01-01"}, "since")])
    async def test_bad_body_is_422_naming_the_field(self, client: httpx.AsyncClient,
                                                    world: World, bad: dict[str, Any],
                                                    loc: str) -> None:
        if bad.get("joined_on") == "tomorrow":
            bad = {"joined_on": (utc_today() + timedelta(days=1)).isoformat()}
        response = await client.post(f"/v1/programmes/{world.a}/consortium", json={
            "institution_id": world.outsider, "role": "partner"} | bad,
            headers=world.auth("officer"))
        assert response.status_code == 422
        assert ["body", loc] in error_locs(response)
        listed = (await client.get(f"/v1/programmes/{world.a}/consortium",
                                   headers=world.auth("officer"))).json()["items"]
        assert world.outsider not in [m["institution_id"] for m in listed]

    @pytest.mark.parametrize(("actor", "programme", "institution", "status", "slug"), [
        ("officer", "a", "unknown", 404, "institution-not-found"),
        ("officer", "unknown", "outsider", 404, "programme-not-found"),
        ("officer_b", "a", "outsider", 404, "programme-not-found"),
        ("ministry", "a", "outsider", 403, "forbidden"),
        ("milan", "a", "outsider", 403, "forbidden"),
        ("candidate", "a", "outsider", 403, "forbidden")])
    async def test_refused(self, client: httpx.AsyncClient, world: World, actor: str,
                           programme: str, institution: str, status: int, slug: str) -> None:
        ids = {"a": world.a, "outsider": world.outsider, "unknown": str(uuid.uuid4())}
        response = await client.post(f"/v1/programmes/{ids[programme]}/consortium", json={
            "institution_id": ids[institution], "role": "partner"}, headers=world.auth(actor))
        assert response.status_code == status
        assert response.json()["type"] == f"/problems/{slug}"

    async def test_officer_takes_one_out(self, client: httpx.AsyncClient, world: World) -> None:
        url = f"/v1/programmes/{world.a}/consortium"
        refused = await client.delete(f"{url}/{world.turin}", headers=world.auth("milan"))
        assert refused.status_code == 403
        foreign = await client.delete(f"{url}/{world.turin}", headers=world.auth("officer_b"))
        assert foreign.status_code == 404
        response = await client.delete(f"{url}/{world.turin}", headers=world.auth("officer"))
        assert response.status_code == 204
        listed = (await client.get(url, headers=world.auth("officer"))).json()["items"]
        assert {m["institution_id"] for m in listed} == {world.milan, world.tangier}
        again = await client.delete(f"{url}/{world.turin}", headers=world.auth("officer"))
        assert again.status_code == 404
        assert again.json()["type"] == "/problems/consortium-member-not-found"
        # Out of the consortium, Turin reads it no more.
        gone = await client.get(url, headers=world.auth("turin"))
        assert gone.status_code == 404


class TestRecordAgreement:
    async def test_officer_records_one(self, client: httpx.AsyncClient, world: World) -> None:
        body = agreement_body(world)
        response = await client.post("/v1/agreements", json=body, headers=world.auth("officer"))
        assert response.status_code == 201, response.text
        created = response.json()
        assert {k: created[k] for k in body} == body
        assert [p["name"] for p in created["parties"]] == ["Comune di Milano",
                                                           "Commune de Tanger"]
        assert [p["kind"] for p in created["parties"]] == ["municipality", "municipality"]
        assert response.headers["location"] == f"/v1/agreements/{created['id']}"
        read = await client.get(response.headers["location"], headers=world.auth("officer"))
        assert read.json() == created

    async def test_a_party_records_what_it_signed(self, client: httpx.AsyncClient,
                                                  world: World) -> None:
        # Parties in the order the caller names them; open-ended, without a reference.
        body = agreement_body(world, party_ids=[world.tangier, world.milan], ends_on=None,
                              document_reference=None)
        response = await client.post("/v1/agreements", json=body, headers=world.auth("milan"))
        assert response.status_code == 201, response.text
        assert response.json()["party_ids"] == [world.tangier, world.milan]
        assert response.json()["ends_on"] is None
        assert [a["id"] for a in await agreements_of_a(client, world)] == [response.json()["id"]]

    async def test_a_party_may_not_name_an_institution_it_cannot_see(
            self, client: httpx.AsyncClient, world: World) -> None:
        # The outsider exists, but is no partner of Milan's in this programme: it does not
        # exist for Milan. Nor does an id that names nothing.
        for other in (world.outsider, str(uuid.uuid4())):
            response = await client.post("/v1/agreements", json=agreement_body(
                world, party_ids=[world.milan, other]), headers=world.auth("milan"))
            assert response.status_code == 404, response.text
            assert response.json()["type"] == "/problems/institution-not-found"
            assert other in response.json()["detail"]
        assert await agreements_of_a(client, world) == []

    async def test_an_institution_records_only_what_it_signed(
            self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.post("/v1/agreements", json=agreement_body(
            world, party_ids=[world.tangier, world.turin]), headers=world.auth("milan"))
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/not-a-party"
        assert error_locs(response) == [["body", "party_ids"]]
        assert await agreements_of_a(client, world) == []

    async def test_an_institution_outside_the_consortium_records_nothing(
            self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.post("/v1/agreements", json=agreement_body(
            world, party_ids=[world.milan, world.outsider]), headers=world.auth("outsider"))
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/party-not-in-consortium"
        assert error_locs(response) == [["body", "party_ids", 1]]
        assert await agreements_of_a(client, world) == []

    async def test_staff_name_consortium_members_only(self, client: httpx.AsyncClient,
                                                      world: World) -> None:
        response = await client.post("/v1/agreements", json=agreement_body(
            world, party_ids=[world.milan, world.outsider, world.tangier]),
            headers=world.auth("officer"))
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/party-not-in-consortium"
        assert error_locs(response) == [["body", "party_ids", 1]]
        unknown = await client.post("/v1/agreements", json=agreement_body(
            world, party_ids=[world.milan, str(uuid.uuid4())]), headers=world.auth("officer"))
        assert unknown.status_code == 404
        assert unknown.json()["type"] == "/problems/institution-not-found"
        assert await agreements_of_a(client, world) == []

    @pytest.mark.parametrize(("actor", "status", "slug"), [
        ("officer_b", 404, "programme-not-found"), ("ministry", 403, "forbidden"),
        ("candidate", 403, "forbidden"), ("employer", 403, "forbidden"),
        ("visa_authority", 403, "forbidden")])
    async def test_refused(self, client: httpx.AsyncClient, world: World, actor: str,
                           status: int, slug: str) -> None:
        response = await client.post("/v1/agreements", json=agreement_body(world),
                                     headers=world.auth(actor))
        assert response.status_code == status
        assert response.json()["type"] == f"/problems/{slug}"
        assert await agreements_of_a(client, world) == []

    async def test_unknown_programme_is_404(self, client: httpx.AsyncClient,
                                            world: World) -> None:
        response = await client.post("/v1/agreements", json=agreement_body(
            world, programme_id=str(uuid.uuid4())), headers=world.auth("admin"))
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/programme-not-found"

    @pytest.mark.parametrize(("bad", "loc"), [
        ({"signed_on": "+1"}, "signed_on"),
        ({"ends_on": "2019-04-01"}, "ends_on"),
        ({"ends_on": "2019-03-01"}, "ends_on"),
        ({"party_ids": ["milan"]}, "party_ids"),
        ({"party_ids": ["milan", "milan"]}, "party_ids"),
        ({"party_ids": []}, "party_ids"),
        ({"title": ""}, "title"), ({"purpose": ""}, "purpose"), ({"title": None}, "title"),
        ({"starts_on": "April"}, "starts_on"), ({"status": "signed"}, "status"),
    ])
    async def test_bad_body_is_422_naming_the_field(self, client: httpx.AsyncClient,
                                                    world: World, bad: dict[str, Any],
                                                    loc: str) -> None:
        if bad.get("signed_on") == "+1":
            bad = {"signed_on": (utc_today() + timedelta(days=1)).isoformat()}
        if "party_ids" in bad:
            bad = {"party_ids": [world.milan for _ in bad["party_ids"]]}
        response = await client.post("/v1/agreements", json=agreement_body(world) | bad,
                                     headers=world.auth("officer"))
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/validation"
        assert ["body", loc] in error_locs(response)
        assert await agreements_of_a(client, world) == []

    async def test_signed_today_is_fine(self, client: httpx.AsyncClient, world: World) -> None:
        today = utc_today()
        response = await client.post("/v1/agreements", json=agreement_body(
            world, signed_on=today.isoformat(), starts_on=today.isoformat(),
            ends_on=(today + timedelta(days=365)).isoformat()), headers=world.auth("officer"))
        assert response.status_code == 201, response.text

    async def test_same_idempotency_key_replays(self, client: httpx.AsyncClient,
                                                world: World) -> None:
        headers = world.auth("milan") | {"Idempotency-Key": f"agr-{uuid.uuid4()}"}
        first = await client.post("/v1/agreements", json=agreement_body(world),
                                  headers=headers)
        second = await client.post("/v1/agreements", json=agreement_body(world),
                                   headers=headers)
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert second.headers["idempotent-replayed"] == "true"
        assert len(await agreements_of_a(client, world)) == 1


class TestReadAgreements:
    @pytest.fixture
    async def signed(self, client: httpx.AsyncClient, world: World) -> dict[str, str]:
        """Milan-Tangier recorded by Milan, Tangier-Turin by the officer, and the outsider's
        own agreement in programme B."""
        # Milan is a partner in B too: an agreement it signs there is its business as well.
        response = await client.post(f"/v1/programmes/{world.b}/consortium", json={
            "institution_id": world.milan, "role": "partner"}, headers=world.auth("officer_b"))
        assert response.status_code == 201, response.text
        ids = {}
        for name, actor, body in (
                ("milan_tangier", "milan", agreement_body(world)),
                ("tangier_turin", "officer", agreement_body(
                    world, party_ids=[world.tangier, world.turin], title="Tangier-Turin")),
                ("in_b", "officer_b", agreement_body(
                    world, programme_id=world.b, party_ids=[world.outsider, world.milan])),
        ):
            response = await client.post("/v1/agreements", json=body,
                                         headers=world.auth(actor))
            assert response.status_code == 201, response.text
            ids[name] = response.json()["id"]
        return ids

    @pytest.mark.parametrize(("actor", "sees"), [
        ("admin", {"milan_tangier", "tangier_turin", "in_b"}),
        ("service", {"milan_tangier", "tangier_turin", "in_b"}),
        ("officer", {"milan_tangier", "tangier_turin"}),
        ("ministry", {"milan_tangier", "tangier_turin"}),
        ("officer_b", {"in_b"}),
        ("milan", {"milan_tangier", "in_b"}),  # what it signed, in every programme
        ("turin", {"tangier_turin"}),
        ("outsider", {"in_b"}),
    ])
    async def test_each_reads_its_own(self, client: httpx.AsyncClient, world: World,
                                      signed: dict[str, str], actor: str,
                                      sees: set[str]) -> None:
        client.headers.update(world.auth(actor))
        listed = {a["id"] for a in await all_pages(client, "/v1/agreements")}
        assert listed & set(signed.values()) == {signed[name] for name in sees}
        for name, agreement_id in signed.items():
            response = await client.get(f"/v1/agreements/{agreement_id}")
            assert response.status_code == (200 if name in sees else 404), (name, response.text)
            if response.status_code == 404:
                assert response.json()["type"] == "/problems/agreement-not-found"

    async def test_filtered_by_programme_and_paged(self, client: httpx.AsyncClient,
                                                   world: World, signed: dict[str, str]) -> None:
        client.headers.update(world.auth("milan"))
        in_a = await all_pages(client, "/v1/agreements", programme_id=world.a, limit=1)
        assert [a["id"] for a in in_a] == [signed["milan_tangier"]]
        client.headers.update(world.auth("admin"))
        in_a = await all_pages(client, "/v1/agreements", programme_id=world.a, limit=1)
        assert sorted(a["id"] for a in in_a) == sorted([signed["milan_tangier"],
                                                        signed["tangier_turin"]])

    @pytest.mark.parametrize("actor", ["officer_b", "ministry_b"])
    async def test_another_programme_is_404(self, client: httpx.AsyncClient, world: World,
                                            signed: dict[str, str], actor: str) -> None:
        response = await client.get("/v1/agreements", params={"programme_id": world.a},
                                    headers=world.auth(actor))
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/programme-not-found"

    @pytest.mark.parametrize("actor", ["candidate", "employer", "visa_authority"])
    async def test_people_roles_read_none(self, client: httpx.AsyncClient, world: World,
                                          signed: dict[str, str], actor: str) -> None:
        listed = await client.get("/v1/agreements", headers=world.auth(actor))
        assert listed.status_code == 403
        one = await client.get(f"/v1/agreements/{signed['milan_tangier']}",
                               headers=world.auth(actor))
        assert one.status_code == 403

    async def test_removed_from_the_consortium_a_party_still_reads_what_it_signed(
            self, client: httpx.AsyncClient, world: World, signed: dict[str, str]) -> None:
        response = await client.delete(f"/v1/programmes/{world.a}/consortium/{world.turin}",
                                       headers=world.auth("officer"))
        assert response.status_code == 204
        read = await client.get(f"/v1/agreements/{signed['tangier_turin']}",
                                headers=world.auth("turin"))
        assert read.status_code == 200
        assert read.json()["party_ids"] == [world.tangier, world.turin]

    async def test_unknown_and_malformed(self, client: httpx.AsyncClient, world: World) -> None:
        unknown = await client.get(f"/v1/agreements/{uuid.uuid4()}", headers=world.auth("admin"))
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == PROBLEM
        malformed = await client.get("/v1/agreements/nope", headers=world.auth("admin"))
        assert malformed.status_code == 422
