"""Small keyword-only factories: placements' events and their delivery, cases opened through
the inbox, answer bodies, and rows inserted directly for fixed datasets."""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.reintegration.cases.models import ReturneeCase, ReturneeStay
from services.reintegration.followups.models import FollowUp
from services.reintegration.schedules.service import closes_at
from services.reintegration.support.models import SupportMeasure
from shared.events.signing import Signer
from tests.shared.events.helpers import deliver

PROBLEM = "application/problem+json"


def today() -> date:
    """Today in UTC, as the service sees it."""
    return datetime.now(UTC).date()


def placement_event(kind: str = "placement.completed", *, event_id: uuid.UUID | None = None,
                    **data: Any) -> dict[str, Any]:
    """A ``placement.*`` event as placements sends it; ``data`` overrides payload fields (a
    value of ``...`` leaves the field out)."""
    end = today() - timedelta(days=1)
    payload: dict[str, Any] = {
        "placement_id": str(uuid.uuid4()), "candidate_id": str(uuid.uuid4()),
        "programme_id": str(uuid.uuid4()), "vacancy_id": str(uuid.uuid4()),
        "employer_id": str(uuid.uuid4()), "matching_run_id": None, "proposal_id": None,
        "status": kind.removeprefix("placement."), "previous_status": "active",
        "start_date": (end - timedelta(days=180)).isoformat(), "end_date": end.isoformat(),
        "actual_start_date": (end - timedelta(days=180)).isoformat(),
        "actual_end_date": end.isoformat(),
        "end_reason": "health" if kind == "placement.ended_early" else None,
        "origin_country": "MA", "destination_country": "FR", "gender": "female",
        "sector": "ict",
    }
    payload.update({k: str(v) if isinstance(v, uuid.UUID | date) else v
                    for k, v in data.items()})
    payload = {k: v for k, v in payload.items() if v is not ...}
    return {"id": str(event_id or uuid.uuid4()), "type": kind, "version": 1,
            "source": "placements", "subject_id": payload.get("placement_id", "?"),
            "occurred_at": datetime.now(UTC).isoformat(), "data": payload}


def erased_event(candidate_id: uuid.UUID | str) -> dict[str, Any]:
    """A ``candidate.erased`` event as candidates sends it."""
    return {"id": str(uuid.uuid4()), "type": "candidate.erased", "version": 1,
            "source": "candidates", "subject_id": str(candidate_id),
            "occurred_at": datetime.now(UTC).isoformat(),
            "data": {"candidate_id": str(candidate_id)}}


async def open_case(client: httpx.AsyncClient, signer: Signer, **data: Any) -> dict[str, Any]:
    """A case opened by a ``placement.completed`` event (``data`` overrides its payload)."""
    event = placement_event(**data)
    response = await deliver(client, signer, [event])
    assert response.status_code == 200, response.text
    cases = (await client.get("/v1/returnee-cases", params={
        "candidate_id": event["data"]["candidate_id"]})).json()["items"]
    assert len(cases) == 1, cases
    return cases[0]  # type: ignore[no-any-return]


async def follow_ups_of(client: httpx.AsyncClient, case: dict[str, Any]) -> list[dict[str, Any]]:
    """The case's follow-ups, earliest due first."""
    response = await client.get(f"/v1/returnee-cases/{case['id']}/follow-ups")
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


def answer_body(status: str = "employed_other_employer", **overrides: Any) -> dict[str, Any]:
    """A valid answer for ``status``; override any field (``...`` leaves it out)."""
    body: dict[str, Any] = {"employment_status": status}
    if status != "unreachable":
        body |= {"income_band": "500_999", "skills_use": "a_lot", "satisfaction": 4,
                 "sustainability": {"economic": "0.7", "social": "0.8",
                                    "psychosocial": "0.9"}}
    if status in ("employed_host_company", "employed_other_employer", "self_employed"):
        body |= {"job_sector": "ict", "job_location": "origin_country"}
    if status == "employed_other_employer":
        body["employer_name"] = "Atlas Digital SARL"
    body |= overrides
    return {k: v for k, v in body.items() if v is not ...}


async def outbox_events(session: AsyncSession, kind: str) -> list[dict[str, Any]]:
    """The payloads of the outbox's events of ``kind``."""
    rows = await session.execute(text(
        "SELECT payload FROM reintegration.outbox WHERE type = :t"), {"t": kind})
    return [r[0] for r in rows.all()]


# --- rows -----------------------------------------------------------------------------------


async def add_case(session: AsyncSession, *, programme_id: uuid.UUID, stays: int = 1,
                   **overrides: Any) -> ReturneeCase:
    """Insert a case (no follow-ups) of ``programme_id`` with ``stays`` stays, the last one
    the case's (one a year before it for each earlier)."""
    values: dict[str, Any] = {
        "placement_id": uuid.uuid4(), "candidate_id": uuid.uuid4(),
        "programme_id": programme_id, "origin_country": "MA", "gender": "female",
        "sector": "ict", "return_date": date(2026, 1, 15), "placement_outcome": "completed",
    }
    case = ReturneeCase(**(values | overrides))
    session.add(case)
    await session.flush()
    for before in range(stays - 1, -1, -1):
        session.add(ReturneeStay(
            case_id=case.id, programme_id=case.programme_id,
            placement_id=case.placement_id if before == 0 else uuid.uuid4(),
            destination_country=case.destination_country, sector=case.sector,
            return_date=case.return_date - timedelta(days=365 * before),
            placement_outcome=case.placement_outcome))
    await session.flush()
    return case


async def stay_of(session: AsyncSession, case: ReturneeCase) -> ReturneeStay:
    """The case's latest stay."""
    return (await session.execute(select(ReturneeStay).where(
        ReturneeStay.case_id == case.id).order_by(ReturneeStay.return_date.desc())
        .limit(1))).scalar_one()


async def add_follow_up(session: AsyncSession, *, case: ReturneeCase, point_months: int,
                        status: str = "scheduled", employment_status: str | None = None,
                        job_location: str | None = None, **overrides: Any) -> FollowUp:
    """Insert a follow-up of ``case``'s latest stay: answered with ``employment_status`` when
    completed."""
    due = case.return_date + timedelta(days=30 * point_months)
    values: dict[str, Any] = {
        "case_id": case.id, "stay_id": (await stay_of(session, case)).id,
        "programme_id": case.programme_id, "point_months": point_months,
        "due_date": due, "window_closes_at": closes_at(due, 30), "status": status,
    }
    if status == "completed":
        values |= {"employment_status": employment_status, "job_location": job_location,
                   "completed_at": datetime.now(UTC), "answered_on": due,
                   "recorded_via": "caseworker", "satisfaction": 4}
    if status == "overdue":
        values["overdue_at"] = datetime.now(UTC)
    follow_up = FollowUp(**(values | overrides))
    session.add(follow_up)
    await session.flush()
    return follow_up


async def add_measure(session: AsyncSession, *, case: ReturneeCase, kind: str = "micro_grant",
                      amount: str | None = "1000.00", currency: str | None = "EUR",
                      disbursed: bool = True, **overrides: Any) -> SupportMeasure:
    """Insert a support measure of ``case``."""
    values: dict[str, Any] = {
        "case_id": case.id, "candidate_id": case.candidate_id,
        "programme_id": case.programme_id, "stage": "after_return", "kind": kind,
        "amount": Decimal(amount) if amount else None, "currency": currency,
        "disbursed_date": date(2026, 2, 1) if disbursed and amount else None,
        "created_by": "test",
    }
    measure = SupportMeasure(**(values | overrides))
    session.add(measure)
    await session.flush()
    return measure


async def add_person_measure(session: AsyncSession, *, programme_id: uuid.UUID,
                             candidate_id: uuid.UUID | None = None, stage: str, kind: str,
                             case: ReturneeCase | None = None,
                             **overrides: Any) -> SupportMeasure:
    """Insert a measure for a person of ``programme_id`` at ``stage`` (of ``case`` if given,
    else of ``candidate_id`` or a new person, without a case)."""
    measure = SupportMeasure(**({
        "case_id": case.id if case else None,
        "candidate_id": case.candidate_id if case else (candidate_id or uuid.uuid4()),
        "programme_id": programme_id, "stage": stage, "kind": kind, "created_by": "test",
    } | overrides))
    session.add(measure)
    await session.flush()
    return measure


async def case_row(session: AsyncSession, case_id: uuid.UUID | str) -> ReturneeCase:
    """The case's row as stored now."""
    return (await session.execute(select(ReturneeCase).where(
        ReturneeCase.id == uuid.UUID(str(case_id)))
        .execution_options(populate_existing=True))).scalar_one()
