"""Every query on institutions and nominations."""

import uuid
from collections.abc import Sequence
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.institutions.models import Institution, Nomination
from shared.db import insert
from shared.pagination import PageParams, keyset
from shared.versioning import update_versioned as update_versioned_row

UNIQUE_VIOLATION = "23505"


async def get(session: AsyncSession, institution_id: uuid.UUID) -> Institution | None:
    """The institution with this id, if any."""
    return await session.get(Institution, institution_id)


async def exists(session: AsyncSession, institution_id: uuid.UUID) -> bool:
    """Whether the institution exists, without loading it."""
    found = await session.scalar(select(Institution.id).where(Institution.id == institution_id))
    return found is not None


class InstitutionChanges(TypedDict, total=False):
    """The columns an update of an institution may change."""

    name: str
    kind: str
    country: str
    city: str | None
    contact_email: str | None


async def add(session: AsyncSession, institution: Institution) -> Institution:
    """Insert an institution and return it with its generated columns loaded."""
    return await insert(session, institution)


async def update_versioned(
    session: AsyncSession, institution_id: uuid.UUID, expected_version: int | None,
    changes: InstitutionChanges,
) -> Institution | None:
    """Apply ``changes`` if the row is still at ``expected_version``; None when it is not."""
    return await update_versioned_row(session, Institution, institution_id, expected_version,
                                      changes)


async def list_page(session: AsyncSession, page: PageParams, *, country: str | None,
                    kind: str | None,
                    ids: Sequence[uuid.UUID] | None = None) -> list[Institution]:
    """One page (``limit + 1`` rows, to tell if more follow) of institutions, oldest first,
    among ``ids`` when given."""
    statement = select(Institution)
    if ids is not None:
        statement = statement.where(Institution.id.in_(ids))
    if country:
        statement = statement.where(Institution.country == country)
    if kind:
        statement = statement.where(Institution.kind == kind)
    statement = keyset(statement, (Institution.created_at, Institution.id), page)
    return list((await session.scalars(statement)).all())


async def nomination_exists(session: AsyncSession, *, institution_id: uuid.UUID,
                            candidate_id: uuid.UUID, programme_id: uuid.UUID) -> bool:
    """Whether the institution already nominated this candidate for this programme."""
    found = await session.scalar(select(Nomination.id).where(
        Nomination.institution_id == institution_id, Nomination.candidate_id == candidate_id,
        Nomination.programme_id == programme_id))
    return found is not None


async def add_nomination(session: AsyncSession, nomination: Nomination) -> Nomination:
    """Insert a nomination; a constraint violation raises IntegrityError.

    The insert runs in a savepoint so that a violation (a concurrent duplicate, a candidate
    erased meanwhile) leaves the request's transaction usable for the caller's error answer.
    """
    return await insert(session, nomination, savepoint=True)


def is_unique_violation(exc: IntegrityError) -> bool:
    """Whether ``exc`` is a unique constraint violation (rather than, say, a foreign key)."""
    return getattr(exc.orig, "sqlstate", None) == UNIQUE_VIOLATION


async def list_nominations(session: AsyncSession, page: PageParams, *,
                           institution_id: uuid.UUID, programme_id: uuid.UUID | None,
                           programme_ids: Sequence[uuid.UUID] | None) -> list[Nomination]:
    """One page (``limit + 1`` rows) of an institution's nominations, oldest first, for one
    programme or among ``programme_ids`` when given."""
    statement = select(Nomination).where(Nomination.institution_id == institution_id)
    if programme_id is not None:
        statement = statement.where(Nomination.programme_id == programme_id)
    if programme_ids is not None:
        statement = statement.where(Nomination.programme_id.in_(programme_ids))
    statement = keyset(statement, (Nomination.created_at, Nomination.id), page)
    return list((await session.scalars(statement)).all())
