"""Every query on a programme's consortium and on its partners' agreements."""

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, Select, delete, exists, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.agreements.models import Agreement, AgreementParty, ConsortiumMember
from services.candidates.institutions.models import Institution
from shared import access
from shared.auth import Principal
from shared.db import insert, one_or_none, rows_changed
from shared.pagination import PageParams, keyset

# --- consortium ----------------------------------------------------------------------------


async def is_member(session: AsyncSession, *, programme_id: uuid.UUID,
                    institution_id: uuid.UUID | None) -> bool:
    """Whether the institution is in the programme's consortium."""
    if institution_id is None:
        return False
    found = await session.scalar(select(ConsortiumMember.id).where(
        ConsortiumMember.programme_id == programme_id,
        ConsortiumMember.institution_id == institution_id))
    return found is not None


async def add_member(session: AsyncSession, member: ConsortiumMember) -> ConsortiumMember:
    """Insert a member; a constraint violation raises IntegrityError, in a savepoint so that
    the request's transaction stays usable for the caller's error answer."""
    return await insert(session, member, savepoint=True)


async def list_members(session: AsyncSession, page: PageParams, *,
                       programme_id: uuid.UUID) -> list[ConsortiumMember]:
    """One page (``limit + 1`` rows) of the programme's consortium, first to join first (then
    by when they were recorded)."""
    statement = keyset(select(ConsortiumMember).where(
        ConsortiumMember.programme_id == programme_id),
        (ConsortiumMember.created_at, ConsortiumMember.id), page)
    return list((await session.scalars(statement)).all())


async def remove_member(session: AsyncSession, *, programme_id: uuid.UUID,
                        institution_id: uuid.UUID) -> bool:
    """Take the institution out of the programme's consortium; False when it was not in it."""
    return await rows_changed(session, delete(ConsortiumMember).where(
        ConsortiumMember.programme_id == programme_id,
        ConsortiumMember.institution_id == institution_id)) > 0


async def institutions_by_id(session: AsyncSession,
                             ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Institution]:
    """The institutions among ``ids`` that exist, by id."""
    if not ids:
        return {}
    rows = await session.scalars(select(Institution).where(Institution.id.in_(list(ids))))
    return {institution.id: institution for institution in rows}


async def members_among(session: AsyncSession, *, programme_id: uuid.UUID,
                        institution_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Which of ``institution_ids`` are in the programme's consortium."""
    rows = await session.scalars(select(ConsortiumMember.institution_id).where(
        ConsortiumMember.programme_id == programme_id,
        ConsortiumMember.institution_id.in_(list(institution_ids))))
    return set(rows)


# --- agreements ----------------------------------------------------------------------------


def _is_party(institution_id: uuid.UUID | None) -> ColumnElement[bool]:
    # No institution on the token is party to nothing (``== None`` would be IS NULL).
    if institution_id is None:
        return false()
    return exists().where(AgreementParty.agreement_id == Agreement.id,
                          AgreementParty.institution_id == institution_id)


def readable_statement(principal: Principal) -> Select[Agreement]:
    """The agreements ``principal`` is related to: staff and the ministry through the
    programme, an institution through its signature. Every read of an agreement starts here."""
    return select(Agreement).where(*access.conditions(
        principal, programme=Agreement.programme_id, institution=_is_party))


async def get(session: AsyncSession, agreement_id: uuid.UUID, *,
              principal: Principal) -> Agreement | None:
    """The agreement, if ``principal`` may read it."""
    return await one_or_none(session, readable_statement(principal).where(
        Agreement.id == agreement_id))


async def list_page(session: AsyncSession, page: PageParams, *, principal: Principal,
                    programme_id: uuid.UUID | None) -> list[Agreement]:
    """One page (``limit + 1`` rows) of the agreements ``principal`` may read, oldest record
    first, of one programme when given."""
    statement = readable_statement(principal)
    if programme_id is not None:
        statement = statement.where(Agreement.programme_id == programme_id)
    statement = keyset(statement, (Agreement.created_at, Agreement.id), page)
    return list((await session.scalars(statement)).all())


async def add(session: AsyncSession, agreement: Agreement,
              party_ids: Sequence[uuid.UUID]) -> Agreement:
    """Insert an agreement and its parties, in the order given."""
    agreement = await insert(session, agreement)
    session.add_all([AgreementParty(agreement_id=agreement.id, institution_id=party,
                                    position=position)
                     for position, party in enumerate(party_ids)])
    await session.flush()
    return agreement


async def parties_of(session: AsyncSession, agreement_ids: Collection[uuid.UUID],
                     ) -> dict[uuid.UUID, list[Institution]]:
    """Each agreement's parties, in the order they were named."""
    if not agreement_ids:
        return {}
    rows = await session.execute(
        select(AgreementParty.agreement_id, Institution)
        .join(Institution, Institution.id == AgreementParty.institution_id)
        .where(AgreementParty.agreement_id.in_(list(agreement_ids)))
        .order_by(AgreementParty.agreement_id, AgreementParty.position))
    parties: dict[uuid.UUID, list[Institution]] = defaultdict(list)
    for agreement_id, institution in rows:
        parties[agreement_id].append(institution)
    return parties
