"""The counts kept by the writes give exactly the indicators computed from the rows
(:mod:`tests.reintegration.indicators.direct`), after every step of a varied story and seen at
several hours: before follow-ups are due, in their window, after it closed without the overdue
job, and after the job ran.

The story goes through the service's own write paths where it has them (cases and stays
opened by placement events, a later stay joining a case and moving it to another sector and
destination, answers, support measures created, started, completed and cancelled, a measure
recorded before the case attached to it, a case closed, the overdue job, an erasure), the
indicators' clock moved on (now, as the overdue job does, then 45 days later), and through
plain SQL for what only an operator or a migration does (a due date moved, a gender
learnt, a follow-up moved to another case, a case deleted with everything of it). Another
programme's rows are written alongside, and must not count.
"""

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

import asyncpg
import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.reintegration.followups.overdue import mark_overdue
from services.reintegration.indicators import repository, service
from shared.db import driver_connection
from shared.events.signing import Signer
from tests.reintegration.factories import (
    add_person_measure,
    answer_body,
    erased_event,
    follow_ups_of,
    open_case,
    today,
)
from tests.reintegration.indicators import direct
from tests.shared.events.helpers import deliver

PEOPLE = [  # gender, origin country, sector, destination, days since return
    ("female", "MA", "ict", "FR", 1), ("female", "MA", "ict", "FR", 40),
    ("male", "TN", "logistics", "BE", 100), ("female", "SN", "ict", "IT", 200),
    ("male", "MA", "agriculture", "FR", 400), (None, None, None, None, 20),
    ("male", "NG", "ict", "FR", 5), ("female", "MA", "logistics", "IT", 380)]
ANSWERS = ["self_employed", "employed_host_company", "unreachable", "seeking_work",
           "employed_other_employer", "self_employed", "in_education"]


def _hours() -> list[datetime]:
    """Now and other hours, among them midnights when windows close (31 days after the due
    date, from its start: the windows are 30 days long) and follow-ups fall due."""
    now = datetime.now(UTC).replace(microsecond=0)
    midnight = datetime.combine(today(), time(0), UTC)
    return [now - timedelta(days=10), now, now + timedelta(days=29, hours=23),
            now + timedelta(days=45), now + timedelta(days=400),
            *(midnight + timedelta(days=days) for days in (0, 1, 30, 31, 90))]


async def _same(session: AsyncSession, programmes: list[uuid.UUID], step: str) -> None:
    """Counted and computed from the rows, every programme at every hour, alike."""
    await same(await driver_connection(session), programmes, step)


async def same(connection: asyncpg.Connection, programmes: list[uuid.UUID], step: str) -> None:
    """Counted and computed from the rows, every programme at every hour, alike."""
    for programme in programmes:
        for now in _hours():
            counted = await repository.cells(connection, programme, now=now, today=now.date())
            computed = await direct.cells(connection, programme, now)
            got, expected = (service.shape(programme, cells, now=now).model_dump(mode="json")
                             for cells in (counted, computed))
            assert got == expected, f"after {step}, at {now}"


async def _open(client: httpx.AsyncClient, signer: Signer, programme: uuid.UUID,
                person: tuple[Any, ...], candidate: uuid.UUID | None = None) -> dict[str, Any]:
    gender, origin, sector, destination, days = person
    end = today() - timedelta(days=days)
    return await open_case(client, signer, programme_id=programme,
                           candidate_id=candidate or uuid.uuid4(), gender=gender,
                           origin_country=origin, sector=sector,
                           destination_country=destination, actual_end_date=end,
                           end_date=end)


async def test_counts_follow_every_write(client: httpx.AsyncClient, session: AsyncSession,
                                         signer: Signer) -> None:
    programme, other = uuid.uuid4(), uuid.uuid4()
    programmes = [programme, other]
    await _same(session, programmes, "nothing")

    waiting = await add_person_measure(session, programme_id=programme,
                                       stage="before_departure", kind="language")
    cases = [await _open(client, signer, programme, person) for person in PEOPLE]
    cases.append(await _open(client, signer, programme, PEOPLE[1],
                             candidate=waiting.candidate_id))
    strangers = [await _open(client, signer, other, person) for person in PEOPLE[:3]]
    await _same(session, programmes, "cases opened")

    # A later stay joins the first case: it moves to that stay's sector and destination.
    await _open(client, signer, programme, ("female", "MA", "logistics", "BE", 0),
                candidate=uuid.UUID(cases[0]["candidate_id"]))
    await _same(session, programmes, "a second stay")

    answered = 0
    for case in [*cases, *strangers]:
        for follow_up, answer in zip(await follow_ups_of(client, case), ANSWERS, strict=False):
            if follow_up["status"] != "scheduled" or follow_up["due_date"] > today().isoformat():
                continue
            response = await client.post(f"/v1/follow-ups/{follow_up['id']}/answer",
                                         json=answer_body(answer))
            if response.status_code == 200:  # its window may have closed
                answered += 1
            if answered % 2:
                break
    assert answered > 3
    await _same(session, programmes, "answers")

    measures = []
    for case, (kind, amount) in zip(cases, [("micro_grant", "1000.00"), ("micro_loan", "500.00"),
                                            ("mentoring", None), ("micro_grant", "2500.00"),
                                            ("job_referral", None)], strict=False):
        money = {"amount": amount, "currency": "EUR" if amount != "2500.00" else "MAD",
                 "disbursed_date": today().isoformat()} if amount else {}
        response = await client.post("/v1/support-measures", json={
            "case_id": case["id"], "kind": kind, **money})
        assert response.status_code == 201, response.text
        measures.append(response.json())
    await _same(session, programmes, "measures")
    for measure, action in zip(measures, ["start", "cancel", "cancel", "complete"], strict=False):
        if action == "complete":
            assert (await client.post(f"/v1/support-measures/{measure['id']}/start")
                    ).status_code == 200
        body = {"outcome": "successful"} if action == "complete" else {}
        response = await client.post(f"/v1/support-measures/{measure['id']}/{action}",
                                     json=body)
        assert response.status_code == 200, response.text
    await _same(session, programmes, "measures started, cancelled, completed")

    closed = await client.post(f"/v1/returnee-cases/{cases[2]['id']}/close",
                               json={"reason": "other"})
    assert closed.status_code == 200, closed.text
    await _same(session, programmes, "a case closed")

    assert await mark_overdue(session, now=datetime.now(UTC), batch_size=1000) > 0
    await repository.advance(session, datetime.now(UTC))
    await _same(session, programmes, "the overdue job")

    await deliver(client, signer, [erased_event(cases[3]["candidate_id"])])
    await _same(session, programmes, "an erasure")

    for statement, values in [
        # A due date moved a month on (its window with it).
        ("UPDATE reintegration.follow_up SET due_date = due_date + 30, "
         "window_closes_at = window_closes_at + interval '30 days' "
         "WHERE case_id = :case AND status = 'scheduled'", {"case": cases[4]["id"]}),
        ("UPDATE reintegration.returnee_case SET gender = 'female', origin_country = 'MA' "
         "WHERE id = :case", {"case": cases[5]["id"]}),
        # One follow-up moved to another case (as duplicate cases were merged).
        ("UPDATE reintegration.follow_up SET case_id = :to WHERE id = (SELECT id FROM "
         "reintegration.follow_up WHERE case_id = :case AND status = 'completed' LIMIT 1)",
         {"case": cases[1]["id"], "to": cases[6]["id"]}),
        # An answer corrected: the one business of a case is no more, another's is new.
        ("UPDATE reintegration.follow_up SET employment_status = 'seeking_work', "
         "job_location = NULL WHERE id = (SELECT id FROM reintegration.follow_up "
         "WHERE programme_id = :programme AND employment_status = 'self_employed' LIMIT 1)",
         {"programme": programme}),
        ("UPDATE reintegration.follow_up SET employment_status = 'self_employed', "
         "job_location = 'abroad' WHERE id IN (SELECT id FROM reintegration.follow_up "
         "WHERE programme_id = :programme AND status = 'completed' "
         "AND employment_status <> 'self_employed' LIMIT 2)", {"programme": programme}),
        ("UPDATE reintegration.support_measure SET amount = amount * 2 "
         "WHERE amount IS NOT NULL", {}),
        ("DELETE FROM reintegration.returnee_case WHERE id = :case", {"case": cases[0]["id"]}),
        ("DELETE FROM reintegration.follow_up WHERE case_id = :case", {"case": cases[7]["id"]}),
        ("DELETE FROM reintegration.returnee_case WHERE programme_id = :other",
         {"other": other}),
    ]:
        await session.execute(text(statement), values)
        await _same(session, programmes, statement)
        if "amount * 2" in statement:  # the clock moved on, far: most hours are before it
            await repository.advance(session, datetime.now(UTC) + timedelta(days=45))
            await _same(session, programmes, "the clock moved on 45 days")
