"""Every ORM query on candidates and consents (the hot reads are in ``reads``)."""

import uuid
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.candidates.models import Candidate, Consent
from services.candidates.institutions.models import Institution

EMAIL_INDEX = "ix_candidate_email_lower"


class EmailClash(Exception):
    """Another candidate already has this email (case-insensitively)."""


def _is_email_clash(error: IntegrityError) -> bool:
    return EMAIL_INDEX in str(error.orig)


async def get(session: AsyncSession, candidate_id: uuid.UUID) -> Candidate | None:
    """The candidate with this id, if any."""
    return await session.get(Candidate, candidate_id)


async def candidate_exists(session: AsyncSession, candidate_id: uuid.UUID) -> bool:
    """Whether a candidate with this id exists, without loading it."""
    return bool(await session.scalar(select(exists().where(Candidate.id == candidate_id))))


async def add(session: AsyncSession, values: dict[str, Any]) -> Candidate | None:
    """Insert a candidate and return it; None when its email is taken, or its
    ``account_subject`` already has a profile.

    ``ON CONFLICT DO NOTHING`` on every unique index (email, account subject): a concurrent
    insert of the same email or subject waits for the other transaction and then yields no row,
    so there is no race and no aborted transaction to recover from.
    """
    statement = (insert(Candidate).values(**values).on_conflict_do_nothing()
                 .returning(Candidate))
    return (await session.scalars(statement)).one_or_none()


async def profile_of(session: AsyncSession, account_subject: str) -> uuid.UUID | None:
    """The id of the profile the account ``account_subject`` created, if any."""
    return await session.scalar(select(Candidate.id)
                                .where(Candidate.account_subject == account_subject))


async def institution_exists(session: AsyncSession, institution_id: uuid.UUID) -> bool:
    """Whether the institution exists (a new candidate may be registered for it)."""
    return bool(await session.scalar(select(exists().where(Institution.id == institution_id))))


async def update_versioned(
    session: AsyncSession, candidate_id: uuid.UUID, expected_version: int | None,
    values: dict[str, Any],
) -> Candidate | None:
    """Apply ``values`` if the row is still at ``expected_version``; None when it is not.

    Raises :class:`EmailClash` when the new email belongs to someone else. The unique index is
    the check, so two concurrent changes to the same email cannot both succeed.
    """
    statement = (update(Candidate).where(Candidate.id == candidate_id)
                 .values(**values, version=Candidate.version + 1)
                 .returning(Candidate).execution_options(populate_existing=True))
    if expected_version is not None:
        statement = statement.where(Candidate.version == expected_version)
    try:
        return (await session.execute(statement)).scalar_one_or_none()
    except IntegrityError as error:
        if _is_email_clash(error):
            raise EmailClash from error
        raise


async def add_consent(session: AsyncSession, candidate_id: uuid.UUID,
                      values: dict[str, Any]) -> Consent:
    """Append a consent event and return it with its id and time."""
    statement = (insert(Consent).values(candidate_id=candidate_id, **values)
                 .returning(Consent))
    return (await session.scalars(statement)).one()


async def consents(session: AsyncSession, candidate_id: uuid.UUID) -> list[Consent]:
    """Every consent event of a candidate, oldest first."""
    statement = (select(Consent).where(Consent.candidate_id == candidate_id)
                 .order_by(Consent.recorded_at, Consent.id))
    return list((await session.scalars(statement)).all())


async def current_actions(session: AsyncSession, candidate_id: uuid.UUID) -> dict[str, str]:
    """Purpose → action of the latest consent event for each purpose."""
    statement = (select(Consent.purpose, Consent.action)
                 .where(Consent.candidate_id == candidate_id)
                 .ext(distinct_on(Consent.purpose))
                 .order_by(Consent.purpose, Consent.recorded_at.desc(), Consent.id.desc()))
    return {purpose: action for purpose, action in (await session.execute(statement)).all()}
