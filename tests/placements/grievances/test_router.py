"""Grievances through the placements API: who may file about which placement and when, what
each reader sees of one (the employer never whose it is unless the worker agreed), the actions
and their history, and the events they publish."""

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.grievances.escalation import escalate_due
from shared.events.signing import Signer
from tests.placements.conftest import post_erased
from tests.placements.factories import PROBLEM, add_placement
from tests.placements.grievances.conftest import (
    Auth,
    Clock,
    act,
    events,
    file,
    grievance_body,
    moment,
    parties,
    stored,
)

# What an employer the worker did not tell does not see.
IDENTITY = ("placement_id", "candidate_id", "on_behalf", "filed_by", "filed_by_role",
            "satisfaction", "rated_at")
RESOLVE = {"outcome": "upheld", "resolution": "The recruiter refunded the fee."}


class TestFiling:
    async def test_the_worker_files_about_their_own_placement(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
            clock: Clock) -> None:
        placement = await add_placement(session, status="active")
        who = parties(auth, placement)
        response = await client.post("/v1/grievances", json=grievance_body(placement.id),
                                     headers=who.worker)
        assert response.status_code == 201, response.text
        grievance = response.json()
        assert response.headers["location"] == f"/v1/grievances/{grievance['id']}"
        assert response.headers["etag"]
        assert {k: grievance[k] for k in ("placement_id", "candidate_id", "programme_id",
                                          "employer_id")} == {
            "placement_id": str(placement.id), "candidate_id": str(placement.candidate_id),
            "programme_id": str(placement.programme_id),
            "employer_id": str(placement.employer_id)}
        assert (grievance["level"], grievance["status"], grievance["on_behalf"],
                grievance["filed_by_role"], grievance["share_identity_with_employer"]) == (
            "programme", "open", False, "candidate", False)
        assert moment(grievance["filed_at"]) == clock.now
        assert moment(grievance["due_at"]) == clock.now + timedelta(days=5)  # high: 5 days
        [(kind, payload)] = await events(session, grievance["id"])
        assert kind == "grievance.filed"
        assert payload == {
            "grievance_id": grievance["id"], "programme_id": str(placement.programme_id),
            "category": "fees_charged", "severity": "high", "level": "programme",
            "previous_level": None, "status": "open", "outcome": None,
            "due_at": grievance["due_at"]}

    async def test_another_persons_placement_is_404_and_nothing_is_stored(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        mine = await add_placement(session, status="active")
        theirs = await add_placement(session, status="active")
        before = await stored(session)
        for headers in (parties(auth, mine).worker, parties(auth, mine).other_officer,
                        parties(auth, mine).employer):
            response = await client.post("/v1/grievances", json=grievance_body(theirs.id),
                                         headers=headers)
            assert response.status_code == 404, response.text
            assert response.headers["content-type"] == PROBLEM
            assert response.json()["type"] == "/problems/placement-not-found"
        unknown = await client.post("/v1/grievances", json=grievance_body(uuid.uuid4()),
                                    headers=parties(auth, mine).worker)
        assert unknown.status_code == 404
        assert await stored(session) == before

    async def test_an_officer_files_on_the_workers_behalf(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="completed")
        grievance = await file(client, parties(auth, placement).officer, placement.id,
                               category="wages", severity="low")
        assert (grievance["on_behalf"], grievance["filed_by_role"],
                grievance["candidate_id"]) == (True, "officer", str(placement.candidate_id))

    async def test_the_employer_files_for_its_mentor_and_knows_whose_it_is(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        grievance = await file(client, parties(auth, placement).employer, placement.id,
                               category="housing", handled_first_by="employer",
                               share_identity_with_employer=False)
        assert (grievance["share_identity_with_employer"], grievance["on_behalf"],
                grievance["level"], grievance["placement_id"]) == (
            True, True, "employer", str(placement.id))

    @pytest.mark.parametrize("role", ["ministry", "visa_authority", "institution",
                                      "data_protection_officer"])
    async def test_roles_that_never_file_are_403(self, client: httpx.AsyncClient,
                                                 session: AsyncSession, auth: Auth,
                                                 role: str) -> None:
        placement = await add_placement(session, status="active")
        headers = auth(role, programme_ids=(placement.programme_id,), country="IT")
        response = await client.post("/v1/grievances", json=grievance_body(placement.id),
                                     headers=headers)
        assert response.status_code == 403, response.text
        assert await stored(session) == 0

    @pytest.mark.parametrize("status", ["proposed", "accepted_by_employer", "declined"])
    async def test_not_before_the_worker_accepted(self, client: httpx.AsyncClient,
                                                  session: AsyncSession, auth: Auth,
                                                  status: str) -> None:
        placement = await add_placement(session, status=status)
        response = await client.post("/v1/grievances", json=grievance_body(placement.id),
                                     headers=parties(auth, placement).worker)
        assert response.status_code == 409, response.text
        assert (response.json()["type"], response.json()["current_state"]) == (
            "/problems/placement-state", status)
        assert await stored(session) == 0

    @pytest.mark.parametrize("status", ["accepted_by_candidate", "visa_refused", "ended_early"])
    async def test_from_acceptance_until_after_the_stay(self, client: httpx.AsyncClient,
                                                        session: AsyncSession, auth: Auth,
                                                        status: str) -> None:
        placement = await add_placement(session, status=status)
        await file(client, parties(auth, placement).worker, placement.id)

    @pytest.mark.parametrize("bad", [{"category": "noise"}, {"description": ""},
                                     {"severity": "urgent"}, {"handled_first_by": "ministry"},
                                     {"placement_id": "not-an-id"}, {"on_behalf": True},
                                     {"description": "x" * 5001}, {"description": "a\u0000b"}])
    async def test_bad_input_is_422_and_stores_nothing(self, client: httpx.AsyncClient,
                                                       session: AsyncSession, auth: Auth,
                                                       bad: dict[str, Any]) -> None:
        placement = await add_placement(session, status="active")
        response = await client.post("/v1/grievances", json=grievance_body(placement.id) | bad,
                                     headers=parties(auth, placement).worker)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM
        assert await stored(session) == 0

    async def test_an_idempotency_key_files_once(self, client: httpx.AsyncClient,
                                                 session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        headers = parties(auth, placement).worker | {"Idempotency-Key": str(uuid.uuid4())}
        first = await client.post("/v1/grievances", json=grievance_body(placement.id),
                                  headers=headers)
        again = await client.post("/v1/grievances", json=grievance_body(placement.id),
                                  headers=headers)
        assert (first.status_code, again.status_code) == (201, 201)
        assert first.json()["id"] == again.json()["id"]
        assert await stored(session) == 1

    async def test_no_words_about_an_erased_candidate(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
            signed: Signer) -> None:
        placement = await add_placement(session, status="completed")
        assert (await post_erased(client, signed, placement.candidate_id,
                                  uuid.uuid4())).status_code == 200
        response = await client.post("/v1/grievances", json=grievance_body(placement.id),
                                     headers=parties(auth, placement).officer)
        assert (response.status_code, response.json()["type"]) == (409,
                                                                    "/problems/candidate-erased")


class TestWhoSeesWhat:
    async def test_the_employer_does_not_learn_who_filed(self, client: httpx.AsyncClient,
                                                         session: AsyncSession,
                                                         auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        who = parties(auth, placement)
        grievance = await file(client, who.worker, placement.id, category="harassment",
                               handled_first_by="employer")
        read = (await client.get(f"/v1/grievances/{grievance['id']}",
                                 headers=who.employer)).json()
        assert {k: read[k] for k in IDENTITY} == dict.fromkeys(IDENTITY)
        assert (read["category"], read["description"], read["level"], read["due_at"]) == (
            "harassment", grievance["description"], "employer", grievance["due_at"])
        listed = (await client.get("/v1/grievances", headers=who.employer)).json()["items"]
        assert [g["id"] for g in listed] == [grievance["id"]]
        assert listed[0]["placement_id"] is None
        assert str(placement.candidate_id) not in str(listed)
        # Nor by asking for the placement's grievances.
        probe = await client.get("/v1/grievances", params={"placement_id": str(placement.id)},
                                 headers=who.employer)
        assert probe.json()["items"] == []
        steps = (await client.get(f"/v1/grievances/{grievance['id']}/history",
                                  headers=who.employer)).json()["items"]
        assert [(s["action"], s["actor"], s["actor_role"]) for s in steps] == [
            ("file", None, None)]
        # The worker and the officer see it whole.
        for headers in (who.worker, who.officer):
            whole = (await client.get(f"/v1/grievances/{grievance['id']}",
                                      headers=headers)).json()
            assert whole["placement_id"] == str(placement.id)
            assert whole["filed_by_role"] == "candidate"

    async def test_the_worker_may_tell_the_employer(self, client: httpx.AsyncClient,
                                                    session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        who = parties(auth, placement)
        grievance = await file(client, who.worker, placement.id,
                               share_identity_with_employer=True)
        read = (await client.get(f"/v1/grievances/{grievance['id']}",
                                 headers=who.employer)).json()
        assert (read["placement_id"], read["candidate_id"]) == (str(placement.id),
                                                                str(placement.candidate_id))
        probe = await client.get("/v1/grievances", params={"placement_id": str(placement.id)},
                                 headers=who.employer)
        assert [g["id"] for g in probe.json()["items"]] == [grievance["id"]]

    async def test_strangers_get_404_and_a_ministry_403(self, client: httpx.AsyncClient,
                                                        session: AsyncSession,
                                                        auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        who = parties(auth, placement)
        grievance = await file(client, who.worker, placement.id)
        url = f"/v1/grievances/{grievance['id']}"
        for headers in (who.other_worker, who.other_officer, who.other_employer):
            response = await client.get(url, headers=headers)
            assert (response.status_code, response.json()["type"]) == (
                404, "/problems/grievance-not-found")
            assert (await client.get("/v1/grievances", headers=headers)).json()["items"] == []
        for path in (url, f"{url}/history", "/v1/grievances"):
            assert (await client.get(path, headers=who.ministry)).status_code == 403
        assert (await client.get(url, headers=auth("institution"))).status_code == 403


class TestActions:
    async def test_responded_resolved_and_rated_by_the_worker(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth,
            clock: Clock) -> None:
        placement = await add_placement(session, status="active")
        who = parties(auth, placement)
        grievance = await file(client, who.worker, placement.id)
        answered = await act(client, grievance, "respond", who.officer,
                             json={"message": "We are calling the recruiter."})
        assert answered["status"] == "in_progress"
        assert answered["due_at"] == grievance["due_at"]  # the deadline stands
        mine = await act(client, grievance, "assign", who.officer,
                         json={"officer_subject": "me"})
        assert mine["owner_subject"].startswith("officer-")
        assert clock.now is not None
        clock.now += timedelta(days=3)
        resolved = await act(client, grievance, "resolve", who.officer, json=RESOLVE)
        assert (resolved["status"], resolved["outcome"], resolved["resolution"]) == (
            "resolved", "upheld", RESOLVE["resolution"])
        assert moment(resolved["resolved_at"]) == clock.now
        rated = await act(client, grievance, "satisfaction", who.worker,
                          json={"satisfaction": 4})
        assert rated["satisfaction"] == 4
        again = await act(client, grievance, "satisfaction", who.worker,
                          json={"satisfaction": 5}, expect=409)
        assert again["type"] == "/problems/satisfaction-given"
        steps = (await client.get(f"/v1/grievances/{grievance['id']}/history",
                                  headers=who.worker)).json()["items"]
        assert [(s["action"], s["status"], s["actor_role"]) for s in steps] == [
            ("file", "open", "candidate"), ("respond", "in_progress", "officer"),
            ("assign", "in_progress", "officer"), ("resolve", "resolved", "officer"),
            ("satisfaction", "resolved", "candidate")]
        assert steps[1]["message"] == "We are calling the recruiter."
        assert [kind for kind, _ in await events(session, grievance["id"])] == [
            "grievance.filed", "grievance.resolved"]
        [(_, payload)] = [e for e in await events(session, grievance["id"])
                          if e[0] == "grievance.resolved"]
        assert (payload["status"], payload["outcome"]) == ("resolved", "upheld")

    async def test_the_employer_handles_it_only_at_its_own_level(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        who = parties(auth, placement)
        grievance = await file(client, who.worker, placement.id, handled_first_by="employer")
        answered = await act(client, grievance, "respond", who.employer,
                             json={"message": "We will pay the overtime this month."})
        assert answered["status"] == "in_progress"
        # Its answer is its own to read; the worker still hidden.
        steps = (await client.get(f"/v1/grievances/{grievance['id']}/history",
                                  headers=who.employer)).json()["items"]
        assert steps[1]["message"] == "We will pay the overtime this month."
        assert await escalate_due(session, now=moment(grievance["due_at"])) == 1
        late = await act(client, grievance, "resolve", who.employer, json=RESOLVE, expect=409)
        assert (late["type"], late["current_level"]) == ("/problems/grievance-level",
                                                         "programme")
        # An employer may never assign, nor give the worker's satisfaction.
        assert (await act(client, grievance, "assign", who.employer,
                          json={"officer_subject": "me"}, expect=403))["status"] == 403
        assert (await act(client, grievance, "resolve", who.officer,
                          json=RESOLVE))["status"] == "resolved"
        for headers in (who.employer, who.officer):
            await act(client, grievance, "satisfaction", headers, json={"satisfaction": 1},
                      expect=403)

    async def test_an_illegal_step_is_409_naming_the_status(self, client: httpx.AsyncClient,
                                                            session: AsyncSession,
                                                            auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        who = parties(auth, placement)
        grievance = await file(client, who.worker, placement.id)
        early = await act(client, grievance, "satisfaction", who.worker,
                          json={"satisfaction": 3}, expect=409)
        assert (early["type"], early["current_state"]) == ("/problems/illegal-transition",
                                                           "open")
        await act(client, grievance, "resolve", who.officer, json=RESOLVE)
        for action, body in (("respond", {"message": "More?"}), ("resolve", RESOLVE),
                             ("assign", {"officer_subject": "me"})):
            late = await act(client, grievance, action, who.officer, json=body, expect=409)
            assert late["current_state"] == "resolved"

    async def test_a_stale_if_match_is_412_and_changes_nothing(
            self, client: httpx.AsyncClient, session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        who = parties(auth, placement)
        grievance = await file(client, who.worker, placement.id)
        url = f"/v1/grievances/{grievance['id']}"
        etag = (await client.get(url, headers=who.officer)).headers["etag"]
        await act(client, grievance, "respond", who.officer, json={"message": "Noted."})
        stale = await client.post(f"{url}/resolve", json=RESOLVE,
                                  headers=who.officer | {"If-Match": etag})
        assert stale.status_code == 412
        assert (await client.get(url, headers=who.officer)).json()["status"] == "in_progress"

    async def test_a_stranger_acting_is_404(self, client: httpx.AsyncClient,
                                            session: AsyncSession, auth: Auth) -> None:
        placement = await add_placement(session, status="active")
        who = parties(auth, placement)
        grievance = await file(client, who.worker, placement.id)
        for headers in (who.other_officer, who.other_employer):
            await act(client, grievance, "resolve", headers, json=RESOLVE, expect=404)
        await act(client, grievance, "satisfaction", who.other_worker,
                  json={"satisfaction": 2}, expect=404)
        await act(client, grievance, "resolve", who.ministry, json=RESOLVE, expect=403)


class TestErasure:
    async def test_the_words_go_and_the_counts_stay(self, client: httpx.AsyncClient,
                                                    session: AsyncSession, auth: Auth,
                                                    signed: Signer) -> None:
        placement = await add_placement(session, status="active")
        who = parties(auth, placement)
        grievance = await file(client, who.worker, placement.id)
        await act(client, grievance, "respond", who.officer, json={"message": "Dear Amina…"})
        await act(client, grievance, "resolve", who.officer, json=RESOLVE)
        assert (await post_erased(client, signed, placement.candidate_id,
                                  uuid.uuid4())).status_code == 200
        read = (await client.get(f"/v1/grievances/{grievance['id']}",
                                 headers=who.officer)).json()
        assert (read["description"], read["resolution"], read["filed_by"]) == (
            None, None, "erased")
        assert (read["category"], read["outcome"]) == ("fees_charged", "upheld")
        steps = (await client.get(f"/v1/grievances/{grievance['id']}/history",
                                  headers=who.officer)).json()["items"]
        assert [s["message"] for s in steps] == [None, None, None]
        assert steps[0]["actor"] == "erased"
        statistics = (await client.get("/v1/grievances/statistics", params={
            "programme_id": str(placement.programme_id)}, headers=who.officer)).json()
        assert (statistics["total"], statistics["by_outcome"]["upheld"]) == (1, 1)
