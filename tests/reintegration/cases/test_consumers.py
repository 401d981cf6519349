"""Placements' events open returnee cases exactly once, scheduled from the return date;
candidates' erasures blank what free text is held."""

import uuid
from datetime import date, timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.reintegration.cases.models import ReturneeCase
from services.reintegration.followups.models import FollowUp
from shared.events.signing import Signer
from tests.etags import DEFAULT_SCHEDULE, if_match
from tests.reintegration.factories import (
    answer_body,
    case_row,
    deliver,
    erased_event,
    follow_ups_of,
    open_case,
    placement_event,
    today,
)


async def cases_of(session: AsyncSession, placement_id: str) -> int:
    return await session.scalar(select(func.count()).select_from(ReturneeCase).where(
        ReturneeCase.placement_id == uuid.UUID(placement_id))) or 0


async def follow_up_count(session: AsyncSession, placement_id: str) -> int:
    return await session.scalar(
        select(func.count()).select_from(FollowUp).join(
            ReturneeCase, ReturneeCase.id == FollowUp.case_id)
        .where(ReturneeCase.placement_id == uuid.UUID(placement_id))) or 0


class TestOpenCase:
    async def test_completed_opens_a_case_with_its_follow_ups(
            self, client: httpx.AsyncClient, session: AsyncSession, signer: Signer) -> None:
        event = placement_event(actual_end_date=date(2026, 1, 31), origin_country="TN",
                                gender="Male", sector="electrical_engineering")
        response = await deliver(client, signer, [event])
        assert response.json() == {"received": 1, "applied": 1, "duplicates": 0}
        [case] = (await client.get("/v1/returnee-cases", params={
            "candidate_id": event["data"]["candidate_id"]})).json()["items"]
        data = event["data"]
        assert {k: case[k] for k in ("placement_id", "candidate_id", "programme_id",
                                     "employer_id", "destination_country")} == \
            {k: data[k] for k in ("placement_id", "candidate_id", "programme_id",
                                  "employer_id", "destination_country")}
        assert case["return_date"] == "2026-01-31"
        assert (case["origin_country"], case["gender"], case["sector"]) == \
            ("TN", "male", "electrical_engineering")
        assert (case["status"], case["caseworker_subject"]) == ("open", None)
        assert case["placement_outcome"] == "completed"
        follow_ups = await follow_ups_of(client, case)
        # Default schedule: at return, then 1, 3, 6, 12 months; the end of a shorter month.
        assert [(f["point_months"], f["due_date"]) for f in follow_ups] == [
            (0, "2026-01-31"), (1, "2026-02-28"), (3, "2026-04-30"), (6, "2026-07-31"),
            (12, "2027-01-31")]
        assert follow_ups[1]["opens_at"] == "2026-02-28T00:00:00Z"
        assert follow_ups[1]["window_closes_at"] == "2026-03-31T00:00:00Z"  # 30 days after
        assert {f["status"] for f in follow_ups} == {"scheduled"}

    async def test_ended_early_opens_a_case_from_the_actual_end(
            self, client: httpx.AsyncClient, signer: Signer) -> None:
        case = await open_case(client, signer, kind="placement.ended_early",
                               actual_end_date=date(2026, 3, 2), end_date=date(2026, 9, 1))
        assert (case["placement_outcome"], case["end_reason"]) == ("ended_early", "health")
        assert case["return_date"] == "2026-03-02"

    async def test_planned_end_when_no_actual_end(self, client: httpx.AsyncClient,
                                                  signer: Signer) -> None:
        case = await open_case(client, signer, actual_end_date=None,
                               end_date=date(2026, 5, 10))
        assert case["return_date"] == "2026-05-10"

    async def test_missing_gender_sector_and_country_are_unknown(
            self, client: httpx.AsyncClient, signer: Signer) -> None:
        case = await open_case(client, signer, gender=..., sector=..., origin_country=None)
        assert (case["gender"], case["sector"], case["origin_country"]) == (None, None, None)

    async def test_programme_schedule_is_used(self, client: httpx.AsyncClient,
                                              signer: Signer) -> None:
        programme = uuid.uuid4()
        put = await client.put(f"/v1/follow-up-schedules/{programme}",
                               json={"points_months": [0, 2, 24], "window_days": 10},
                               headers=DEFAULT_SCHEDULE)
        assert put.status_code == 200, put.text
        case = await open_case(client, signer, programme_id=programme,
                               actual_end_date=date(2026, 6, 15))
        follow_ups = await follow_ups_of(client, case)
        assert [(f["point_months"], f["due_date"], f["window_closes_at"])
                for f in follow_ups] == [
            (0, "2026-06-15", "2026-06-26T00:00:00Z"),
            (2, "2026-08-15", "2026-08-26T00:00:00Z"),
            (24, "2028-06-15", "2028-06-26T00:00:00Z")]


class TestExactlyOnce:
    async def test_redelivered_event_has_no_second_effect(
            self, client: httpx.AsyncClient, session: AsyncSession, signer: Signer) -> None:
        event = placement_event()
        await deliver(client, signer, [event])
        again = await deliver(client, signer, [event])
        assert again.json() == {"received": 1, "applied": 0, "duplicates": 1}
        placement = event["data"]["placement_id"]
        assert await cases_of(session, placement) == 1
        assert await follow_up_count(session, placement) == 5

    async def test_same_placement_under_another_event_id_opens_nothing_more(
            self, client: httpx.AsyncClient, session: AsyncSession, signer: Signer) -> None:
        first = placement_event()
        republished = placement_event(placement_id=first["data"]["placement_id"],
                                      candidate_id=first["data"]["candidate_id"],
                                      actual_end_date=today())
        await deliver(client, signer, [first])
        response = await deliver(client, signer, [republished])
        assert response.json()["applied"] == 1  # a new event id: applied, with no effect
        placement = first["data"]["placement_id"]
        assert await cases_of(session, placement) == 1
        assert await follow_up_count(session, placement) == 5
        row = (await session.execute(select(ReturneeCase).where(
            ReturneeCase.placement_id == uuid.UUID(placement)))).scalar_one()
        assert row.return_date.isoformat() == first["data"]["actual_end_date"]  # first wins

    async def test_both_endings_of_one_placement_open_one_case(
            self, client: httpx.AsyncClient, session: AsyncSession, signer: Signer) -> None:
        completed = placement_event()
        ended = placement_event("placement.ended_early",
                                placement_id=completed["data"]["placement_id"],
                                candidate_id=completed["data"]["candidate_id"])
        response = await deliver(client, signer, [completed, ended, completed])
        assert response.json() == {"received": 3, "applied": 2, "duplicates": 1}
        assert await cases_of(session, completed["data"]["placement_id"]) == 1

    async def test_interleaved_placements_each_open_theirs(
            self, client: httpx.AsyncClient, session: AsyncSession, signer: Signer) -> None:
        a, b, c = placement_event(), placement_event("placement.ended_early"), placement_event()
        await deliver(client, signer, [a, b])
        await deliver(client, signer, [c, b, a])  # retried batch, reordered, with a newcomer
        for event in (a, b, c):
            assert await cases_of(session, event["data"]["placement_id"]) == 1
            assert await follow_up_count(session, event["data"]["placement_id"]) == 5

    async def test_unreadable_payload_is_acknowledged_without_effect(
            self, client: httpx.AsyncClient, session: AsyncSession, signer: Signer) -> None:
        broken = placement_event(programme_id="not-a-uuid")
        response = await deliver(client, signer, [broken])
        assert response.status_code == 200
        assert await cases_of(session, broken["data"]["placement_id"]) == 0

    async def test_other_placement_events_are_acknowledged_without_effect(
            self, client: httpx.AsyncClient, session: AsyncSession, signer: Signer) -> None:
        started = placement_event("placement.started")
        assert (await deliver(client, signer, [started])).status_code == 200
        assert await cases_of(session, started["data"]["placement_id"]) == 0

    async def test_unsigned_is_401_and_opens_nothing(
            self, client: httpx.AsyncClient, session: AsyncSession, signer: Signer) -> None:
        event = placement_event()
        response = await client.post("/internal/events", json=[event])
        assert response.status_code == 401
        assert await cases_of(session, event["data"]["placement_id"]) == 0


class TestCandidateErased:
    async def test_free_text_is_blanked_and_coded_answers_stay(
            self, client: httpx.AsyncClient, session: AsyncSession, signer: Signer) -> None:
        case = await open_case(client, signer, actual_end_date=today())
        noted = await client.patch(f"/v1/returnee-cases/{case['id']}",
                                   json={"notes": "Call at 18:00"}, headers=if_match(case))
        assert noted.status_code == 200, noted.text
        first = (await follow_ups_of(client, case))[0]
        answered = await client.post(f"/v1/follow-ups/{first['id']}/answer",
                                     json=answer_body(notes="Works in Rabat"))
        assert answered.status_code == 200, answered.text
        measure = await client.post("/v1/support-measures", json={
            "case_id": case["id"], "kind": "mentoring", "description": "Weekly calls"})
        assert measure.status_code == 201, measure.text
        await deliver(client, signer, [erased_event(case["candidate_id"])])
        after = (await client.get(f"/v1/returnee-cases/{case['id']}")).json()
        assert after["notes"] is None and after["erased_at"] is not None
        answer = (await client.get(f"/v1/follow-ups/{first['id']}")).json()["answer"]
        assert (answer["employer_name"], answer["notes"]) == (None, None)
        assert (answer["employment_status"], answer["job_sector"], answer["satisfaction"]) == \
            ("employed_other_employer", "ict", 4)
        kept = (await client.get(f"/v1/support-measures/{measure.json()['id']}")).json()
        assert (kept["description"], kept["kind"]) == (None, "mentoring")

    async def test_no_free_text_is_taken_afterwards(self, client: httpx.AsyncClient,
                                                    signer: Signer) -> None:
        case = await open_case(client, signer, actual_end_date=today())
        await deliver(client, signer, [erased_event(case["candidate_id"])])
        url = f"/v1/returnee-cases/{case['id']}"
        notes = await client.patch(url, json={"notes": "x"},
                                   headers=if_match(await client.get(url)))
        assert notes.status_code == 409
        assert notes.json()["type"] == "/problems/candidate-erased"
        first = (await follow_ups_of(client, case))[0]
        refused = await client.post(f"/v1/follow-ups/{first['id']}/answer",
                                    json=answer_body())  # has an employer_name
        assert refused.status_code == 409
        coded = await client.post(f"/v1/follow-ups/{first['id']}/answer",
                                  json=answer_body("employed_host_company"))
        assert coded.status_code == 200, coded.text

    async def test_erasure_before_the_case_opens_is_remembered(
            self, client: httpx.AsyncClient, session: AsyncSession, signer: Signer) -> None:
        candidate = uuid.uuid4()
        await deliver(client, signer, [erased_event(candidate)])  # arrives first
        case = await open_case(client, signer, candidate_id=candidate)
        assert case["erased_at"] is not None
        assert (await case_row(session, case["id"])).notes is None

    async def test_erasure_of_a_stranger_changes_nothing(
            self, client: httpx.AsyncClient, signer: Signer) -> None:
        case = await open_case(client, signer)
        noted = await client.patch(f"/v1/returnee-cases/{case['id']}", json={"notes": "kept"},
                                   headers=if_match(case))
        assert noted.status_code == 200, noted.text
        await deliver(client, signer, [erased_event(uuid.uuid4())])
        assert (await client.get(f"/v1/returnee-cases/{case['id']}")).json()["notes"] == "kept"


async def test_return_date_of_today_opens_the_first_follow_up_now(
        client: httpx.AsyncClient, signer: Signer) -> None:
    case = await open_case(client, signer, actual_end_date=today())
    first = (await follow_ups_of(client, case))[0]
    assert first["due_date"] == today().isoformat()
    assert first["window_closes_at"].startswith((today() + timedelta(days=31)).isoformat())


class TestStays:
    """One case per person and programme: each ended placement is a stay of it."""

    async def test_a_second_season_joins_the_case_and_is_scheduled_from_its_return(
            self, client: httpx.AsyncClient, session: AsyncSession, signer: Signer) -> None:
        person, programme = uuid.uuid4(), uuid.uuid4()
        first = await open_case(client, signer, candidate_id=person, programme_id=programme,
                                actual_start_date=date(2025, 3, 1),
                                actual_end_date=date(2025, 6, 30), stay_type="seasonal",
                                season="2025", destination_country="ES", sector="agriculture")
        again = placement_event(candidate_id=person, programme_id=programme,
                                actual_start_date=date(2026, 3, 2),
                                actual_end_date=date(2026, 7, 1), stay_type="seasonal",
                                season=" 2026 ", destination_country="es",
                                sector="Agriculture")
        assert (await deliver(client, signer, [again])).json()["applied"] == 1
        [case] = (await client.get("/v1/returnee-cases", params={
            "candidate_id": str(person)})).json()["items"]
        assert case["id"] == first["id"]
        assert (case["placement_id"], case["return_date"]) == \
            (again["data"]["placement_id"], "2026-07-01")
        assert case["stays"] == [
            {"placement_id": first["placement_id"], "destination_country": "ES",
             "stay_type": "seasonal", "season": "2025", "start_date": "2025-03-01",
             "return_date": "2025-06-30", "end_reason": None},
            {"placement_id": again["data"]["placement_id"], "destination_country": "ES",
             "stay_type": "seasonal", "season": "2026", "start_date": "2026-03-02",
             "return_date": "2026-07-01", "end_reason": None}]
        follow_ups = await follow_ups_of(client, case)
        assert [(f["point_months"], f["due_date"]) for f in follow_ups] == [
            (0, "2025-06-30"), (1, "2025-07-30"), (3, "2025-09-30"), (6, "2025-12-30"),
            (12, "2026-06-30"),
            (0, "2026-07-01"), (1, "2026-08-01"), (3, "2026-10-01"), (6, "2027-01-01"),
            (12, "2027-07-01")]
        assert len({f["id"] for f in follow_ups}) == 10

    async def test_a_closed_case_reopens_when_its_person_returns_again(
            self, client: httpx.AsyncClient, session: AsyncSession, signer: Signer) -> None:
        case = await open_case(client, signer, actual_end_date=date(2025, 6, 30))
        closed = await client.post(f"/v1/returnee-cases/{case['id']}/close",
                                   json={"reason": "follow_up_finished"})
        assert closed.json()["status"] == "closed"
        await deliver(client, signer, [placement_event(
            "placement.ended_early", candidate_id=case["candidate_id"],
            programme_id=case["programme_id"], actual_end_date=date(2026, 2, 1))])
        reopened = (await client.get(f"/v1/returnee-cases/{case['id']}")).json()
        assert (reopened["status"], reopened["closed_at"], reopened["close_reason"]) == \
            ("open", None, None)
        assert (reopened["placement_outcome"], reopened["end_reason"]) == \
            ("ended_early", "health")
        follow_ups = await follow_ups_of(client, reopened)
        # The first stay's were cancelled with the case; the second return's are scheduled.
        assert [f["status"] for f in follow_ups].count("cancelled") == 5
        assert [f["due_date"] for f in follow_ups if f["status"] == "scheduled"] == [
            "2026-02-01", "2026-03-01", "2026-05-01", "2026-08-01", "2027-02-01"]

    async def test_an_earlier_stay_reported_late_is_not_the_latest(
            self, client: httpx.AsyncClient, signer: Signer) -> None:
        case = await open_case(client, signer, actual_end_date=date(2026, 7, 1),
                               destination_country="IT")
        await deliver(client, signer, [placement_event(
            candidate_id=case["candidate_id"], programme_id=case["programme_id"],
            actual_end_date=date(2025, 7, 1), destination_country="BE")])
        after = (await client.get(f"/v1/returnee-cases/{case['id']}")).json()
        assert (after["placement_id"], after["return_date"], after["destination_country"]) == \
            (case["placement_id"], "2026-07-01", "IT")
        assert [s["return_date"] for s in after["stays"]] == ["2025-07-01", "2026-07-01"]

    async def test_another_programme_is_another_case(self, client: httpx.AsyncClient,
                                                     signer: Signer) -> None:
        case = await open_case(client, signer)
        await deliver(client, signer, [placement_event(candidate_id=case["candidate_id"])])
        cases = (await client.get("/v1/returnee-cases", params={
            "candidate_id": case["candidate_id"]})).json()["items"]
        assert len(cases) == 2 and all(len(c["stays"]) == 1 for c in cases)

    async def test_stay_type_and_season_are_optional_and_unknown_ones_dropped(
            self, client: httpx.AsyncClient, signer: Signer) -> None:
        plain = await open_case(client, signer, stay_type=..., season=...)
        assert (plain["stays"][0]["stay_type"], plain["stays"][0]["season"]) == (None, None)
        odd = await open_case(client, signer, stay_type="volunteering", season="")
        assert (odd["stays"][0]["stay_type"], odd["stays"][0]["season"]) == (None, None)
        study = await open_case(client, signer, stay_type="Study", start_date="2025-09-01",
                                actual_start_date=None)
        assert (study["stays"][0]["stay_type"], study["stays"][0]["start_date"]) == \
            ("study", "2025-09-01")
