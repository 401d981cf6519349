"""Every query of returnee cases, and the erasure of a candidate's free text."""

import uuid
from datetime import datetime
from typing import TypedDict

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.reintegration.cases.models import ErasedCandidate, ReturneeCase
from shared import access
from shared.auth import Principal
from shared.db import column_values, one_or_none
from shared.pagination import PageParams, keyset
from shared.versioning import update_locked


class CaseChanges(TypedDict, total=False):
    """The columns the actions on a case set."""

    caseworker_subject: str | None
    notes: str | None
    status: str
    closed_at: datetime
    close_reason: str


async def add_if_new(session: AsyncSession, case: ReturneeCase) -> ReturneeCase | None:
    """Insert the case of a placement; None when that placement already has one."""
    statement = (insert(ReturneeCase).values(**column_values(case))
                 .on_conflict_do_nothing(index_elements=[ReturneeCase.placement_id])
                 .returning(ReturneeCase))
    return (await session.execute(statement)).scalar_one_or_none()


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


async def blank_notes(session: AsyncSession, candidate_id: uuid.UUID) -> list[uuid.UUID]:
    """Blank the notes of the candidate's cases and mark them erased; their ids."""
    statement = (update(ReturneeCase).where(ReturneeCase.candidate_id == candidate_id)
                 .values(notes=None, erased_at=func.coalesce(ReturneeCase.erased_at, func.now()),
                         version=ReturneeCase.version + 1)
                 .returning(ReturneeCase.id))
    return list((await session.scalars(statement)).all())
