"""Every query of the placements domain."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, Select, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.employers.models import Employer
from services.placements.placements.models import (
    Placement,
    PlacementExtension,
    PlacementTransition,
)
from services.placements.placements.state import OPEN_STATES
from services.placements.vacancies.models import Vacancy
from shared import access
from shared.auth import Principal
from shared.db import column_values, one_or_none
from shared.filters import equal_to
from shared.pagination import PageParams, keyset

_UNIQUE_VIOLATION = "23505"
_BATCH = 1000  # rows per multi-row INSERT


@dataclass(frozen=True, slots=True)
class Move:
    """One status change to record: who (``actor``, ``actor_role``) did ``action``, from where
    to where (``from_status`` None: the placement's creation), and why."""

    action: str
    from_status: str | None
    to_status: str
    actor: str
    actor_role: str
    reason: str | None = None


def readable_conditions(principal: Principal) -> list[ColumnElement[bool]]:
    """Which placements ``principal`` is related to, as WHERE clauses (for statements that
    join other tables to the placement)."""
    return access.conditions(
        principal, programme=Placement.programme_id, employer=Placement.employer_id,
        candidate=Placement.candidate_id, country=Placement.destination_country)


def readable_statement(principal: Principal) -> Select[Placement]:
    """The placements ``principal`` is related to: every list, lookup, action and visa file
    of a placement for a caller starts here."""
    return select(Placement).where(*readable_conditions(principal))


async def get(session: AsyncSession, placement_id: uuid.UUID, *,
              principal: Principal | None = None,
              for_update: bool = False) -> Placement | None:
    """The placement with this id, if ``principal`` may read it (None: the service itself);
    ``for_update`` locks its row until the transaction ends."""
    base = select(Placement) if principal is None else readable_statement(principal)
    return await one_or_none(session, base.where(Placement.id == placement_id),
                             for_update=for_update)


async def by_proposals(session: AsyncSession,
                       proposal_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Placement]:
    """The placements these proposals made, by proposal id."""
    rows = await session.scalars(select(Placement).where(
        Placement.proposal_id.in_(set(proposal_ids))).execution_options(populate_existing=True))
    return {p.proposal_id: p for p in rows.all() if p.proposal_id is not None}


async def open_placement_ids(session: AsyncSession, *, candidate_ids: Iterable[uuid.UUID],
                             programme_id: uuid.UUID) -> dict[uuid.UUID, uuid.UUID]:
    """The open placement in the programme of each of these candidates who has one."""
    rows = await session.execute(select(Placement.candidate_id, Placement.id).where(
        Placement.candidate_id.in_(set(candidate_ids)), Placement.programme_id == programme_id,
        Placement.status.in_(OPEN_STATES)))
    return {candidate: placement for candidate, placement in rows.all()}


async def open_placement_id(session: AsyncSession, *, candidate_id: uuid.UUID,
                            programme_id: uuid.UUID) -> uuid.UUID | None:
    """The id of the candidate's open (not final) placement in the programme, if any."""
    return await session.scalar(select(Placement.id).where(
        Placement.candidate_id == candidate_id, Placement.programme_id == programme_id,
        Placement.status.in_(OPEN_STATES)))


class PlacementChanges(TypedDict, total=False):
    """The columns the lifecycle actions of a placement set, besides its status."""

    end_date: date
    actual_start_date: date
    actual_end_date: date
    visa_requested_on: date
    visa_decision: str
    visa_decision_date: date
    visa_reference: str | None
    visa_identity: dict[str, Any] | None
    end_reason: str
    enrolment_reference: str | None


async def add(session: AsyncSession, placement: Placement, move: Move) -> Placement | None:
    """Insert a placement and its creation in the history; None on a unique violation (the
    proposal already made one, or the candidate has an open placement in the programme).

    The insert runs in a savepoint, so losing such a race leaves the transaction usable. (Not
    ``shared.db.insert(savepoint=True)``: it adds the row before opening the savepoint, whose
    implicit flush then runs outside it.)
    """
    try:
        async with session.begin_nested():
            session.add(placement)
            await session.flush()
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) == _UNIQUE_VIOLATION:
            return None  # the savepoint's rollback already expunged the pending row
        raise
    await session.refresh(placement)
    await record(session, placement.id, move)
    return placement


async def add_many(session: AsyncSession, placements: Sequence[Placement],
                   moves: Sequence[Move]) -> list[Placement]:
    """Insert placements of matching proposals (each has its ``proposal_id``; ``moves`` their
    creations in the history, in the same order) in a few statements. A placement a unique
    index refuses (its proposal already made one, or its candidate has an open placement in
    the programme) is skipped, not an error. Returns those inserted."""
    rows = [column_values(placement) for placement in placements]
    inserted: list[Placement] = []
    for start in range(0, len(rows), _BATCH):  # a statement takes at most 32,767 parameters
        statement = (pg_insert(Placement).values(list(rows[start:start + _BATCH]))
                     .on_conflict_do_nothing().returning(Placement)
                     .execution_options(populate_existing=True))
        inserted += (await session.scalars(statement)).all()
    move_of = {p.proposal_id: m for p, m in zip(placements, moves, strict=True)}
    history = [{"placement_id": p.id, "action": m.action, "from_status": m.from_status,
                "to_status": m.to_status, "actor": m.actor, "actor_role": m.actor_role,
                "reason": m.reason} for p in inserted for m in [move_of[p.proposal_id]]]
    for start in range(0, len(history), _BATCH):
        await session.execute(insert(PlacementTransition).values(history[start:start + _BATCH]))
    return inserted


async def move(session: AsyncSession, placement_id: uuid.UUID, move: Move,
               changes: PlacementChanges) -> Placement:
    """Write ``changes`` and the move's status, bump the version, record the move."""
    statement = (update(Placement).where(Placement.id == placement_id)
                 .values(**changes, status=move.to_status, version=Placement.version + 1)
                 .returning(Placement).execution_options(populate_existing=True))
    updated = (await session.execute(statement)).scalar_one()
    await record(session, placement_id, move)
    return updated


async def record(session: AsyncSession, placement_id: uuid.UUID, move: Move) -> None:
    """Append one row to the placement's history."""
    await session.execute(insert(PlacementTransition).values(
        placement_id=placement_id, action=move.action, from_status=move.from_status,
        to_status=move.to_status, actor=move.actor, actor_role=move.actor_role,
        reason=move.reason))


async def add_extension(session: AsyncSession, extension: PlacementExtension) -> None:
    """Record an extension."""
    await session.execute(insert(PlacementExtension).values(**column_values(extension)))


async def end_date_before_extensions(session: AsyncSession,
                                     placement_id: uuid.UUID) -> date | None:
    """The end the placement had before its first extension; None if never extended."""
    return await session.scalar(
        select(PlacementExtension.previous_end_date)
        .where(PlacementExtension.placement_id == placement_id)
        .order_by(PlacementExtension.created_at, PlacementExtension.id).limit(1))


async def transitions(session: AsyncSession,
                      placement_id: uuid.UUID) -> list[PlacementTransition]:
    """A placement's status changes, oldest first."""
    rows = await session.scalars(
        select(PlacementTransition).where(PlacementTransition.placement_id == placement_id)
        .order_by(PlacementTransition.at, PlacementTransition.id))
    return list(rows.all())


async def extensions(session: AsyncSession, placement_id: uuid.UUID) -> list[PlacementExtension]:
    """A placement's extensions, oldest first."""
    rows = await session.scalars(
        select(PlacementExtension).where(PlacementExtension.placement_id == placement_id)
        .order_by(PlacementExtension.created_at, PlacementExtension.id))
    return list(rows.all())


async def list_page(session: AsyncSession, page: PageParams, *, principal: Principal,
                    filters: dict[str, Any]) -> list[Placement]:
    """One page (``limit + 1`` rows) of the placements ``principal`` may read, oldest first;
    ``filters`` maps columns to the values they must equal (None: no filter)."""
    statement = readable_statement(principal).where(*equal_to(Placement, filters))
    statement = keyset(statement, (Placement.created_at, Placement.id), page)
    return list((await session.scalars(statement)).all())


async def visa_file(session: AsyncSession,
                    placement_id: uuid.UUID) -> tuple[Placement, Employer, Vacancy] | None:
    """The placement with its employer and vacancy (what its visa file shows)."""
    row = (await session.execute(
        select(Placement, Employer, Vacancy)
        .join(Employer, Employer.id == Placement.employer_id)
        .join(Vacancy, Vacancy.id == Placement.vacancy_id)
        .where(Placement.id == placement_id))).first()
    return None if row is None else (row[0], row[1], row[2])


async def visa_files_page(session: AsyncSession, page: PageParams, *, principal: Principal,
                          statuses: Sequence[str]
                          ) -> list[tuple[Placement, Employer, Vacancy]]:
    """One page (``limit + 1`` rows) of placements in ``statuses`` with their employer and
    vacancy, oldest first, that ``principal`` may read (a visa authority: its programmes'
    in its destination country)."""
    statement = (select(Placement, Employer, Vacancy)
                 .join(Employer, Employer.id == Placement.employer_id)
                 .join(Vacancy, Vacancy.id == Placement.vacancy_id)
                 .where(*readable_conditions(principal),
                        Placement.status.in_(list(statuses))))
    statement = keyset(statement, (Placement.created_at, Placement.id), page)
    return [(r[0], r[1], r[2]) for r in (await session.execute(statement)).all()]


async def forget_visa_identity(session: AsyncSession, candidate_id: uuid.UUID) -> None:
    """Blank the visa identity of every placement of ``candidate_id`` (an erasure)."""
    await session.execute(update(Placement).where(Placement.candidate_id == candidate_id,
                                                  Placement.visa_identity.is_not(None))
                          .values(visa_identity=None))
