"""The retention job's round: who expired is erased once, with the existing erasure, and
recorded; who has not expired is untouched.

Every person goes through the API (profile, consent, application, screening, selection) and
placements' events as the inbox receives them (signed, with the stay's real end date). Rounds
run at "now", or at a later moment given to the round function.
"""

import asyncio
import logging
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.candidates.main import create_app
from services.candidates.retention.job import run_round
from services.candidates.settings import Settings
from shared.clock import utc_today
from shared.events.signing import Signer, Verifier
from tests.candidates.factories import post_candidate, programme_body
from tests.candidates.retention.conftest import SECRET, Retention
from tests.conftest import RunDatabase
from tests.shared.events.helpers import deliver

YEARS_AGO = date(2020, 6, 30)
# Only so that a broken job fails the test instead of hanging it; nothing waits on time.
HANG_GUARD_SECONDS = 300


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


async def _programme(r: Retention, **fields: Any) -> dict[str, Any]:
    response = await r.http.post("/v1/programmes", json=programme_body(
        capacity=1, gender_balance_min_share=None, **fields))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _candidate(r: Retention) -> str:
    candidate = await post_candidate(r.http)
    consent = await r.http.post(f"/v1/candidates/{candidate['id']}/consents", json={
        "purpose": "data_processing", "action": "given", "text_version": "v1"})
    assert consent.status_code == 201, consent.text
    return str(candidate["id"])


async def _selected(r: Retention, programme: dict[str, Any], candidate_id: str) -> str:
    """The candidate applies, is screened and selected (the programme's only seat)."""
    application = await r.http.post("/v1/applications", json={
        "candidate_id": candidate_id, "programme_id": programme["id"]})
    assert application.status_code == 201, application.text
    application_id = application.json()["id"]
    for action in ("submit", "screen"):
        response = await r.http.post(f"/v1/applications/{application_id}/{action}")
        assert response.status_code == 200, response.text
    selection = await r.http.post(f"/v1/programmes/{programme['id']}/selection")
    assert selection.status_code == 200, selection.text
    assert await _status(r, application_id) == "selected"
    return str(application_id)


async def _status(r: Retention, application_id: str) -> str:
    status: str = (await r.http.get(f"/v1/applications/{application_id}")).json()["status"]
    return status


def _event(kind: str, candidate_id: str, programme_id: str, **data: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "type": kind, "version": 1, "source": "placements",
            "subject_id": "p1", "occurred_at": datetime.now(UTC).isoformat(),
            "data": {"placement_id": str(uuid.uuid4()), "candidate_id": candidate_id,
                     "programme_id": programme_id, **data}}


async def _returnee(r: Retention, programme: dict[str, Any], *, returned_on: date,
                    candidate_id: str | None = None, kind: str = "placement.completed") -> str:
    """A person selected, placed and back on ``returned_on``, as placements reports it."""
    candidate_id = candidate_id or await _candidate(r)
    application_id = await _selected(r, programme, candidate_id)
    response = await deliver(r.http, r.signer, [
        _event("placement.started", candidate_id, programme["id"]),
        _event(kind, candidate_id, programme["id"], actual_end_date=returned_on.isoformat())])
    assert response.status_code == 200 and response.json()["applied"] == 2, response.text
    assert await _status(r, application_id) == "returned"
    return candidate_id


async def _round(r: Retention, now: datetime | None = None) -> list[str]:
    """One round (the admin's route for now, the round function for another moment); the ids
    it erased."""
    if now is None:
        response = await r.http.post("/v1/retention/rounds")
        assert response.status_code == 200, response.text
        return [e["candidate_id"] for e in response.json()["erased"]]
    erased = await run_round(r.app.state.database.sessionmaker, now=now, batch_size=500)
    return [str(e.candidate_id) for e in erased]


async def _erased(r: Retention, candidate_id: str) -> bool:
    profile = (await r.http.get(f"/v1/candidates/{candidate_id}")).json()
    assert profile["given_name"] in ("Amina", "erased"), profile
    return profile["given_name"] == "erased"


async def _erased_events(r: Retention, candidate_id: str) -> int:
    async with r.app.state.database.sessionmaker() as session:
        count = await session.scalar(text(
            "SELECT count(*) FROM candidates.outbox WHERE type = 'candidate.erased' "
            "AND subject_id = :s"), {"s": candidate_id})
    return int(count or 0)


class TestRound:
    async def test_a_returnee_past_retention_is_erased_and_recorded(
            self, retention: Retention, caplog: pytest.LogCaptureFixture) -> None:
        short = await _programme(retention, follow_up_months=12, retention_months=12)
        gone = await _returnee(retention, short, returned_on=YEARS_AGO,
                               kind="placement.ended_early")
        recent = await _returnee(retention, await _programme(retention),
                                 returned_on=utc_today() - timedelta(days=90))
        abroad = await _candidate(retention)
        abroad_programme = await _programme(retention, retention_months=0)
        await _selected(retention, abroad_programme, abroad)

        profile = (await retention.http.get(f"/v1/candidates/{gone}")).json()
        with caplog.at_level(logging.INFO, logger="pathways.candidates.retention"):
            assert await _round(retention) == [gone]
        assert await _erased(retention, gone)
        [line] = [r for r in caplog.records if r.name == "pathways.candidates.retention"]
        assert getattr(line, "candidate_id", None) == gone
        logged = f"{line.getMessage()} {vars(line)}"
        for personal in (profile["given_name"], profile["family_name"], profile["email"],
                         profile["phone"]):
            assert personal not in logged
        assert await _erased_events(retention, gone) == 1
        for kept in (recent, abroad):
            assert not await _erased(retention, kept)
            assert await _erased_events(retention, kept) == 0

        listed = (await retention.http.get("/v1/retention/erasures")).json()
        assert [e["candidate_id"] for e in listed["items"]] == [gone]
        record = listed["items"][0]
        assert record["programme_id"] == short["id"]
        assert (record["follow_up_months"], record["retention_months"]) == (12, 12)
        # Back on 30 June 2020, followed up a year, kept a year after that.
        assert record["ended_at"].startswith("2021-06-30T00:00:00")
        assert record["expired_at"].startswith("2022-06-30T00:00:00")
        mine = await retention.http.get("/v1/retention/erasures",
                                        params={"programme_id": short["id"]})
        assert len(mine.json()["items"]) == 1
        other = await retention.http.get("/v1/retention/erasures",
                                         params={"programme_id": abroad_programme["id"]})
        assert other.json()["items"] == []

    async def test_a_person_of_two_programmes_is_kept_until_the_later_expiry(
            self, retention: Retention) -> None:
        early = await _programme(retention, follow_up_months=12, retention_months=12)
        late = await _programme(retention, follow_up_months=6, retention_months=24)
        person = await _returnee(retention, early, returned_on=YEARS_AGO)
        # Back from the second programme on 31 March 2025: follow-up to 30 September 2025,
        # kept to 30 September 2027.
        await _returnee(retention, late, returned_on=date(2025, 3, 31), candidate_id=person)

        assert await _round(retention) == []
        assert await _round(retention, _at(date(2027, 9, 29))) == []
        assert not await _erased(retention, person)
        assert await _round(retention, _at(date(2027, 9, 30))) == [person]
        assert await _erased(retention, person)
        record = (await retention.http.get("/v1/retention/erasures")).json()["items"][0]
        assert record["programme_id"] == late["id"]
        assert record["expired_at"].startswith("2027-09-30T00:00:00")

    async def test_an_application_still_running_keeps_the_person(self,
                                                                 retention: Retention) -> None:
        person = await _returnee(retention, await _programme(retention, retention_months=0),
                                 returned_on=YEARS_AGO)
        await _selected(retention, await _programme(retention, retention_months=0), person)
        assert await _round(retention, _at(date(2060, 1, 1))) == []
        assert not await _erased(retention, person)

    async def test_someone_never_placed_counts_from_the_intake_close(
            self, retention: Retention) -> None:
        now = datetime.now(UTC)
        closes = now + timedelta(days=30)
        programme = await _programme(retention, retention_months=1,
                                     intake_closes_at=closes.isoformat())
        person = await _candidate(retention)
        application = await retention.http.post("/v1/applications", json={
            "candidate_id": person, "programme_id": programme["id"]})
        withdrawn = await retention.http.post(
            f"/v1/applications/{application.json()['id']}/withdraw")
        assert withdrawn.status_code == 200, withdrawn.text

        # Withdrawn today, but the intake closes in 30 days: kept a month after that.
        assert await _round(retention, now + timedelta(days=45)) == []
        assert await _round(retention, now + timedelta(days=65)) == [person]
        record = (await retention.http.get("/v1/retention/erasures")).json()["items"][0]
        assert datetime.fromisoformat(record["ended_at"]) == closes

    async def test_rounds_twice_and_at_once_erase_each_person_once(
            self, retention: Retention) -> None:
        programme_fields = {"follow_up_months": 0, "retention_months": 0}
        people = [await _returnee(retention, await _programme(retention, **programme_fields),
                                  returned_on=YEARS_AGO) for _ in range(6)]
        sessionmaker = retention.app.state.database.sessionmaker
        now = datetime.now(UTC)
        first, second = await asyncio.gather(
            run_round(sessionmaker, now=now, batch_size=500),
            run_round(sessionmaker, now=now, batch_size=2))
        erased = [str(e.candidate_id) for e in [*first, *second]]
        assert sorted(erased) == sorted(people)  # every one, none twice
        assert await _round(retention) == []
        for person in people:
            assert await _erased(retention, person)
            assert await _erased_events(retention, person) == 1
        async with sessionmaker() as session:
            recorded = await session.scalar(text(
                "SELECT count(*) FROM candidates.retention_erasure"))
        assert recorded == len(people)

    async def test_a_person_erased_on_request_is_not_erased_again(
            self, retention: Retention) -> None:
        person = await _returnee(retention, await _programme(retention, retention_months=0),
                                 returned_on=YEARS_AGO)
        erased = await retention.http.post(f"/v1/candidates/{person}/erase")
        assert erased.status_code == 200, erased.text
        assert await _round(retention) == []
        assert await _erased_events(retention, person) == 1

    async def test_a_late_older_return_does_not_move_the_return_back(
            self, retention: Retention) -> None:
        programme = await _programme(retention, follow_up_months=12, retention_months=12)
        person = await _returnee(retention, programme, returned_on=date(2025, 6, 30))
        # The same stay reported again with an older date (a replay, a correction's echo).
        await deliver(retention.http, retention.signer, [_event(
            "placement.completed", person, programme["id"], actual_end_date="2019-01-31")])
        assert await _round(retention) == []
        assert await _round(retention, _at(date(2027, 6, 30))) == [person]


class TestJob:
    async def test_the_service_runs_rounds_on_its_own(self, own_database: RunDatabase) -> None:
        app = create_app(Settings(database_url=own_database.url("candidates"),
                                  retention_interval_seconds=0.05))
        async with app.router.lifespan_context(app):
            app.state.events_verifier = Verifier([SECRET])
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://c") as http:
                r = Retention(app, http, Signer([SECRET]))
                person = await _returnee(r, await _programme(r, retention_months=0),
                                         returned_on=YEARS_AGO)
                job = app.state.retention_job
                # A round under way may have read who is due before she was: the one after
                # it started later. Waiting on rounds, not time (a hang guard only).
                await asyncio.wait_for(job.after_rounds(job.rounds + 2), HANG_GUARD_SECONDS)
                assert await _erased(r, person)
                assert await _erased_events(r, person) == 1
        assert app.state.retention_job is not None
