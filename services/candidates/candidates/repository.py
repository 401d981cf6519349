"""Every ORM query on candidates and consents (the hot reads' SQL is in ``read_repository``)."""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, and_, case, exists, false, func, or_, select, update
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.applications.models import Application
from services.candidates.candidates.models import Candidate, Consent
from services.candidates.institutions.models import Institution, Nomination
from shared import access
from shared.auth import Principal
from shared.db import column_values

EMAIL_INDEX = "ix_candidate_email_digest"


class EmailClash(Exception):
    """Another candidate already has this email (case-insensitively)."""


def _is_email_clash(error: IntegrityError) -> bool:
    return EMAIL_INDEX in str(error.orig)


# --- readable by a principal ----------------------------------------------------------------
# Who relates to a candidate (shared.access.TIES picks the relation of each role): an officer
# through a programme the person applied to, was nominated for or was registered for; a
# candidate account through its own profile (the token's candidate_id, or the profile the
# account created); an institution through its nominees and the students it registered.
# Each relation is written twice from this one list: as SQLAlchemy for the ORM queries and as
# SQL on ``candidates.candidate AS c`` for the hot reads (raw asyncpg); a test runs both for
# every role and compares the rows.


def readable_conditions(principal: Principal) -> list[ColumnElement[bool]]:
    """Which candidates ``principal`` is related to, as WHERE clauses on ``Candidate``."""
    return access.conditions(
        principal,
        programme=lambda ids: or_(
            exists().where(Application.candidate_id == Candidate.id,
                           Application.programme_id.in_(ids)),
            exists().where(Nomination.candidate_id == Candidate.id,
                           Nomination.programme_id.in_(ids)),
            Candidate.registered_programme_id.in_(ids)),
        candidate=lambda candidate_id: or_(Candidate.id == candidate_id,
                                           Candidate.account_subject == principal.subject),
        # No institution on the token relates to nobody (``== None`` would be IS NULL: every
        # person no institution registered).
        institution=lambda institution_id: false() if institution_id is None else or_(
            exists().where(Nomination.candidate_id == Candidate.id,
                           Nomination.institution_id == institution_id),
            Candidate.registered_institution_id == institution_id),
    )


# The same relations on ``candidates.candidate AS c``; {0}, {1}: the arguments' placeholders.
_READABLE_SQL: dict[str, tuple[str, Callable[[Principal], tuple[Any, ...]]]] = {
    "programme": (
        "(EXISTS (SELECT 1 FROM candidates.application AS sa "
        "WHERE sa.candidate_id = c.id AND sa.programme_id = ANY(${0}::uuid[])) "
        "OR EXISTS (SELECT 1 FROM candidates.nomination AS sn "
        "WHERE sn.candidate_id = c.id AND sn.programme_id = ANY(${0}::uuid[])) "
        "OR c.registered_programme_id = ANY(${0}::uuid[]))",
        lambda p: (list(p.programme_ids),)),
    "candidate": ("(c.id = ${0} OR c.account_subject = ${1})",
                  lambda p: (p.candidate_id, p.subject)),
    "institution": (
        "(EXISTS (SELECT 1 FROM candidates.nomination AS sn "
        "WHERE sn.candidate_id = c.id AND sn.institution_id = ${0}) "
        "OR c.registered_institution_id = ${0})",
        lambda p: (p.institution_id,)),
}


@dataclass(frozen=True, slots=True)
class CandidateScope:
    """The candidates a caller may see as SQL for the hot reads: a condition on ``c`` and its
    arguments; ``condition`` None means every candidate."""

    condition: str | None = None
    arguments: tuple[Any, ...] = ()

    def sql(self, first: int) -> str:
        """The condition with its arguments at ``$first``, ``$first + 1``, …"""
        assert self.condition is not None
        return self.condition.format(*range(first, first + len(self.arguments)))


EVERYONE = CandidateScope()


async def is_readable(session: AsyncSession, principal: Principal,
                      candidate_id: uuid.UUID) -> bool:
    """Whether the candidate exists and ``principal`` may read it."""
    return await session.scalar(select(Candidate.id).where(
        Candidate.id == candidate_id, *readable_conditions(principal))) is not None


async def created_by(session: AsyncSession, candidate_id: uuid.UUID, *, subject: str) -> bool:
    """Whether the account ``subject`` created this candidate's profile."""
    return await session.scalar(select(Candidate.id).where(
        Candidate.id == candidate_id, Candidate.account_subject == subject)) is not None


def readable_sql(principal: Principal) -> CandidateScope:
    """:func:`readable_conditions` as SQL for the hot reads (``candidates.candidate AS c``)."""
    if principal.role in access.UNRESTRICTED:
        return EVERYONE
    ties = access.TIES.get(principal.role, ())
    if len(ties) != 1 or ties[0].name not in _READABLE_SQL:
        return CandidateScope("FALSE")
    condition, arguments = _READABLE_SQL[ties[0].name]
    return CandidateScope(condition, arguments(principal))


async def get(session: AsyncSession, candidate_id: uuid.UUID) -> Candidate | None:
    """The candidate with this id, if any."""
    return await session.get(Candidate, candidate_id)


async def candidate_exists(session: AsyncSession, candidate_id: uuid.UUID) -> bool:
    """Whether a candidate with this id exists, without loading it."""
    return bool(await session.scalar(select(exists().where(Candidate.id == candidate_id))))


async def add(session: AsyncSession, candidate: Candidate) -> Candidate | None:
    """Insert a candidate and return it; None when its email is taken, or its
    ``account_subject`` already has a profile.

    ``ON CONFLICT DO NOTHING`` on every unique index (email, account subject): a concurrent
    insert of the same email or subject waits for the other transaction and then yields no row,
    so there is no race and no aborted transaction to recover from.
    """
    statement = (insert(Candidate).values(**column_values(candidate)).on_conflict_do_nothing()
                 .returning(Candidate))
    return (await session.scalars(statement)).one_or_none()


async def profile_of(session: AsyncSession, account_subject: str) -> uuid.UUID | None:
    """The id of the profile the account ``account_subject`` created, if any."""
    return await session.scalar(select(Candidate.id)
                                .where(Candidate.account_subject == account_subject))


async def institution_exists(session: AsyncSession, institution_id: uuid.UUID) -> bool:
    """Whether the institution exists (a new candidate may be registered for it)."""
    return bool(await session.scalar(select(exists().where(Institution.id == institution_id))))


class CandidateChanges(TypedDict, total=False):
    """The columns an update of a candidate profile may change."""

    given_name: str
    family_name: str
    email: str
    email_digest: str | None  # with ``email``: its keyed digest (shared.sealing)
    name_key: str | None  # with a name: both names' skeletons (duplicates.matching)
    phone: str | None
    date_of_birth: date
    gender: str
    nationality: str
    residence_country: str
    residence_city: str | None
    education: list[dict[str, Any]]
    skills: list[dict[str, Any]]
    skill_keys: list[str]
    languages: list[dict[str, Any]]
    preferred_sectors: list[str]
    preferred_countries: list[str]
    available_from_date: date | None
    available_until_date: date | None


async def update_versioned(
    session: AsyncSession, candidate_id: uuid.UUID, expected_version: int | None,
    changes: CandidateChanges,
) -> Candidate | None:
    """Apply ``changes`` if the row is still at ``expected_version``; None when it is not.

    Raises :class:`EmailClash` when the new email belongs to someone else. The unique index is
    the check, so two concurrent changes to the same email cannot both succeed.
    """
    statement = (update(Candidate).where(Candidate.id == candidate_id)
                 .values(**changes, version=Candidate.version + 1)
                 .returning(Candidate).execution_options(populate_existing=True))
    if expected_version is not None:
        statement = statement.where(Candidate.version == expected_version)
    try:
        return (await session.execute(statement)).scalar_one_or_none()
    except IntegrityError as error:
        if _is_email_clash(error):
            raise EmailClash from error
        raise


# --- consents -------------------------------------------------------------------------------
# The consent in force for a purpose is its latest event (withdrawn first at the same instant:
# the safe reading); a given one past its ``expires_at`` is expired, at the moment it is read.

def consent_state() -> ColumnElement[str]:
    """An event's state now: ``given``, ``withdrawn`` or ``expired``."""
    return case((and_(Consent.action == "given", Consent.expires_at <= func.now()), "expired"),
                else_=Consent.action)


# The same test on ``candidates.candidate AS c`` for the hot reads; {purpose}: an SQL expression
# (a placeholder, a column) naming the purpose.
IN_FORCE_SQL = (
    "EXISTS (SELECT 1 FROM (SELECT k.action, k.expires_at FROM candidates.consent AS k "
    "WHERE k.candidate_id = c.id AND k.purpose = {purpose} "
    "ORDER BY k.recorded_at DESC, (k.action = 'withdrawn') DESC LIMIT 1) AS latest "
    "WHERE latest.action = 'given' AND (latest.expires_at IS NULL OR latest.expires_at > now()))")


async def add_consent(session: AsyncSession, consent: Consent) -> Consent:
    """Append a consent event and return it with its id and time."""
    statement = insert(Consent).values(**column_values(consent)).returning(Consent)
    return (await session.scalars(statement)).one()


async def consents(session: AsyncSession, candidate_id: uuid.UUID) -> list[tuple[Consent, str]]:
    """Every consent event of a candidate, oldest first, each with its state now."""
    statement = (select(Consent, consent_state()).where(Consent.candidate_id == candidate_id)
                 .order_by(Consent.recorded_at, Consent.action, Consent.id))
    return [(event, state) for event, state in (await session.execute(statement)).all()]


async def current_actions(session: AsyncSession, candidate_id: uuid.UUID) -> dict[str, str]:
    """Purpose → state now (given, withdrawn, expired) of the latest event of each purpose."""
    statement = (select(Consent.purpose, consent_state())
                 .where(Consent.candidate_id == candidate_id)
                 .ext(distinct_on(Consent.purpose))
                 .order_by(Consent.purpose, Consent.recorded_at.desc(),
                           (Consent.action == "withdrawn").desc(), Consent.id.desc()))
    return {purpose: state for purpose, state in (await session.execute(statement)).all()}


async def states_among(session: AsyncSession, candidate_ids: Sequence[uuid.UUID], *,
                       purpose: str) -> dict[uuid.UUID, str]:
    """The state now of the consent for ``purpose`` of those of ``candidate_ids`` who ever
    recorded one (given, withdrawn or expired); the others are absent."""
    if not candidate_ids:
        return {}
    statement = (select(Consent.candidate_id, consent_state())
                 .where(Consent.candidate_id.in_(list(candidate_ids)), Consent.purpose == purpose)
                 .ext(distinct_on(Consent.candidate_id))
                 .order_by(Consent.candidate_id, Consent.recorded_at.desc(),
                           (Consent.action == "withdrawn").desc(), Consent.id.desc()))
    return {candidate: state for candidate, state in (await session.execute(statement)).all()}


async def residence_country(session: AsyncSession, candidate_id: uuid.UUID) -> str | None:
    """The candidate's country of residence (None: no such candidate)."""
    return await session.scalar(select(Candidate.residence_country)
                                .where(Candidate.id == candidate_id))
