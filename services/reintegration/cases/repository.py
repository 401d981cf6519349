"""Every query of returnee cases and their stays, and the erasure of a candidate's free text."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import TypedDict

from sqlalchemy import ColumnElement, Select, delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.reintegration.cases.models import ErasedCandidate, ReturneeCase, ReturneeStay
from services.reintegration.database import idempotency_keys
from shared import access
from shared.auth import Principal
from shared.db import column_values, one_or_none
from shared.pagination import PageParams, keyset
from shared.versioning import update_locked


class CaseChanges(TypedDict, total=False):
    """The columns the actions on a case, and a new stay, set."""

    caseworker_subject: str | None
    notes: str | None
    status: str
    closed_at: datetime | None
    close_reason: str | None
    placement_id: uuid.UUID
    employer_id: uuid.UUID | None
    destination_country: str | None
    sector: str | None
    return_date: date
    placement_outcome: str
    end_reason: str | None
    gender: str | None
    origin_country: str | None


async def add_or_lock(session: AsyncSession, case: ReturneeCase) -> tuple[ReturneeCase, bool]:
    """Insert the case of its person and programme, or lock the one they have; the case and
    whether it is new."""
    statement = (insert(ReturneeCase).values(**column_values(case))
                 .on_conflict_do_nothing(index_elements=[ReturneeCase.candidate_id,
                                                         ReturneeCase.programme_id])
                 .returning(ReturneeCase))
    added = (await session.execute(statement)).scalar_one_or_none()
    if added is not None:
        return added, True
    existing = await of_person(session, case.candidate_id, case.programme_id, for_update=True)
    assert existing is not None  # the conflict was this very row, and cases are not deleted
    return existing, False


async def of_person(session: AsyncSession, candidate_id: uuid.UUID, programme_id: uuid.UUID, *,
                    principal: Principal | None = None,
                    for_update: bool = False) -> ReturneeCase | None:
    """The person's case in the programme, if ``principal`` may read it (None: the service
    itself); ``for_update`` locks its row."""
    base = select(ReturneeCase) if principal is None else readable_statement(principal)
    return await one_or_none(session, base.where(ReturneeCase.candidate_id == candidate_id,
                                                 ReturneeCase.programme_id == programme_id),
                             for_update=for_update)


async def stay_exists(session: AsyncSession, placement_id: uuid.UUID) -> bool:
    """Whether the placement's stay is already recorded (in whichever case)."""
    return bool(await session.scalar(select(exists().where(
        ReturneeStay.placement_id == placement_id))))


async def add_stay_if_new(session: AsyncSession, stay: ReturneeStay) -> ReturneeStay | None:
    """Insert a stay; None when its placement already has one."""
    statement = (insert(ReturneeStay).values(**column_values(stay))
                 .on_conflict_do_nothing(index_elements=[ReturneeStay.placement_id])
                 .returning(ReturneeStay))
    return (await session.execute(statement)).scalar_one_or_none()


async def people_of(session: AsyncSession,
                    case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """Each case's candidate, by case id."""
    rows = await session.execute(select(ReturneeCase.id, ReturneeCase.candidate_id)
                                 .where(ReturneeCase.id.in_(list(set(case_ids)))))
    return {case_id: candidate_id for case_id, candidate_id in rows}


async def stays_of(session: AsyncSession,
                   case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ReturneeStay]]:
    """The stays of these cases, each case's in the order they ended."""
    found: dict[uuid.UUID, list[ReturneeStay]] = {case_id: [] for case_id in case_ids}
    if case_ids:
        rows = await session.scalars(
            select(ReturneeStay).where(ReturneeStay.case_id.in_(case_ids))
            .order_by(ReturneeStay.case_id, ReturneeStay.return_date, ReturneeStay.created_at))
        for stay in rows.all():
            found[stay.case_id].append(stay)
    return found


def readable_statement(principal: Principal) -> Select[ReturneeCase]:
    """The cases ``principal`` is related to (through the programme or the candidate): every
    list and lookup of a case for a caller starts here."""
    return select(ReturneeCase).where(*access.conditions(
        principal, programme=ReturneeCase.programme_id, candidate=ReturneeCase.candidate_id))


async def get(session: AsyncSession, case_id: uuid.UUID, *, principal: Principal | None = None,
              for_update: bool = False) -> ReturneeCase | None:
    """The case with this id, if ``principal`` may read it (None: the service itself);
    ``for_update`` locks its row until the transaction ends."""
    base = select(ReturneeCase) if principal is None else readable_statement(principal)
    return await one_or_none(session, base.where(ReturneeCase.id == case_id),
                             for_update=for_update)


async def list_page(session: AsyncSession, page: PageParams, *, principal: Principal,
                    conditions: list[ColumnElement[bool]]) -> list[ReturneeCase]:
    """One page (``limit + 1`` rows) of the cases ``principal`` may read meeting
    ``conditions``, oldest first."""
    statement = keyset(readable_statement(principal).where(*conditions),
                       (ReturneeCase.created_at, ReturneeCase.id), page)
    return list((await session.scalars(statement)).all())


async def change(session: AsyncSession, case_id: uuid.UUID,
                 changes: CaseChanges) -> ReturneeCase:
    """Write ``changes`` and bump the version."""
    return await update_locked(session, ReturneeCase, case_id, changes)


async def is_erased(session: AsyncSession, candidate_id: uuid.UUID) -> bool:
    """Whether the candidate's personal data was erased."""
    return await session.get(ErasedCandidate, candidate_id) is not None


async def record_erasure(session: AsyncSession, candidate_id: uuid.UUID) -> None:
    """Remember the erasure (once), for cases opened later."""
    await session.execute(insert(ErasedCandidate).values(candidate_id=candidate_id)
                          .on_conflict_do_nothing())


async def forget_stored_answers(session: AsyncSession, ids: Sequence[uuid.UUID]) -> None:
    """Delete the answers kept for idempotent retries that name any of ``ids`` (the person, their
    cases): copies of what was blanked."""
    if ids:
        table = idempotency_keys
        await session.execute(delete(table).where(or_(
            *(table.c.response_body.contains(str(i)) for i in ids))))


async def blank_notes(session: AsyncSession, candidate_id: uuid.UUID) -> list[uuid.UUID]:
    """Blank the notes of the candidate's cases and mark them erased; their ids."""
    statement = (update(ReturneeCase).where(ReturneeCase.candidate_id == candidate_id)
                 .values(notes=None, erased_at=func.coalesce(ReturneeCase.erased_at, func.now()),
                         version=ReturneeCase.version + 1)
                 .returning(ReturneeCase.id))
    return list((await session.scalars(statement)).all())
