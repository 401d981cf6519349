"""Every query of the applications domain.

Candidate, consent and nomination rows are read here directly (same service, same schema)
rather than through their domains' services, so this domain depends only on their tables.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import Select, case, exists, false, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.applications.models import Application, ApplicationTransition
from services.candidates.candidates.models import Candidate, Consent
from services.candidates.candidates.repository import consent_state
from services.candidates.institutions.models import Nomination
from services.candidates.programmes.models import Programme
from shared import access
from shared.auth import Principal
from shared.db import one_or_none
from shared.pagination import PageParams, keyset

UNIQUE_PAIR = "uq_application_candidate_id_programme_id"
_UNIQUE_VIOLATION = "23505"


@dataclass(frozen=True, slots=True)
class Move:
    """One status change to record: ``action`` took the application ``from_status → to_status``."""

    action: str
    from_status: str
    to_status: str
    reason: str | None = None


async def get(session: AsyncSession, application_id: uuid.UUID, *,
              for_update: bool = False) -> Application | None:
    """The application with this id; ``for_update`` locks its row until the transaction ends."""
    return await one_or_none(session, select(Application).where(Application.id == application_id),
                             for_update=for_update)


async def find_pair(session: AsyncSession, *, candidate_id: uuid.UUID,
                    programme_id: uuid.UUID) -> uuid.UUID | None:
    """The id of the candidate's application to the programme, if there is one."""
    return await session.scalar(select(Application.id).where(
        Application.candidate_id == candidate_id, Application.programme_id == programme_id))


async def get_candidate(session: AsyncSession, candidate_id: uuid.UUID, *,
                        key_share: bool = False) -> Candidate | None:
    """The candidate row; ``key_share`` keeps it from being deleted until the transaction ends.

    (The lock is what a foreign key would take anyway, taken early so that an insert referring
    to the candidate cannot fail on a concurrent erasure.)
    """
    statement = select(Candidate).where(Candidate.id == candidate_id)
    if key_share:
        statement = statement.with_for_update(key_share=True)
    return (await session.execute(statement)).scalar_one_or_none()


class ApplicationChanges(TypedDict, total=False):
    """The columns the steps of an application set, besides its status."""

    submitted_at: datetime
    screened_at: datetime
    screening_reasons: list[dict[str, Any]]
    score: Decimal
    score_parts: dict[str, Any]
    selection_rank: int | None
    decision_reason: str | None


async def add(session: AsyncSession, application: Application) -> Application | None:
    """Insert an application; None when the candidate already applied to that programme.

    The insert runs in a savepoint so that losing a race on the unique constraint leaves the
    request's transaction usable for the 409 answer.
    """
    try:
        async with session.begin_nested():
            session.add(application)
            await session.flush()
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) == _UNIQUE_VIOLATION and UNIQUE_PAIR in str(exc):
            return None  # the savepoint's rollback already expunged the pending row
        raise
    await session.refresh(application)
    return application


async def latest_consents(session: AsyncSession, *, candidate_id: uuid.UUID,
                          purposes: Iterable[str]) -> dict[str, str]:
    """``{purpose: state}`` of the latest consent event per purpose, its state now (given,
    withdrawn or expired; absent: never recorded).

    Should two events carry the same instant, withdrawn wins: the safe reading.
    """
    wanted = list(purposes)
    if not wanted:
        return {}
    # A candidate has a handful of consent events: read them all, newest first, and keep the
    # first per purpose (portable, unlike DISTINCT ON's changing SQLAlchemy spelling).
    statement = (
        # Its state now: a given consent past its expiry reads ``expired`` (not in force).
        select(Consent.purpose, consent_state())
        .where(Consent.candidate_id == candidate_id, Consent.purpose.in_(wanted))
        .order_by(Consent.recorded_at.desc(), case((Consent.action == "withdrawn", 0), else_=1))
    )
    latest: dict[str, str] = {}
    for purpose, action in (await session.execute(statement)).all():
        latest.setdefault(purpose, action)
    return latest


async def nominated_candidates(session: AsyncSession, *, programme_id: uuid.UUID,
                               candidate_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of ``candidate_ids`` a partner institution nominated to the programme."""
    ids = list(candidate_ids)
    if not ids:
        return set()
    rows = await session.scalars(select(Nomination.candidate_id).distinct().where(
        Nomination.programme_id == programme_id, Nomination.candidate_id.in_(ids)))
    return set(rows.all())


async def placed_elsewhere(session: AsyncSession, *, programme_id: uuid.UUID,
                           candidate_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """For each of ``candidate_ids`` placed (or returned) through another programme, the
    codes of those programmes."""
    ids = list(candidate_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(Application.candidate_id, Programme.code)
        .join(Programme, Programme.id == Application.programme_id)
        .where(Application.candidate_id.in_(ids), Application.programme_id != programme_id,
               Application.status.in_(("placed", "returned")))
        .order_by(Programme.code))
    placed: dict[uuid.UUID, list[str]] = {}
    for candidate_id, code in rows.all():
        placed.setdefault(candidate_id, []).append(code)
    return placed


async def lock_with_candidates(session: AsyncSession, *, programme_id: uuid.UUID,
                               statuses: Iterable[str], nationality: str | None = None,
                               ) -> list[tuple[Application, Candidate]]:
    """The programme's applications in ``statuses`` (of candidates of ``nationality``, when
    given) with their candidates, rows locked.

    Locked in id order so that two runs over the same programme queue up instead of
    deadlocking; the second sees the first's committed changes once it gets the locks.
    """
    statement = (
        select(Application, Candidate)
        .join(Candidate, Candidate.id == Application.candidate_id)
        .where(Application.programme_id == programme_id, Application.status.in_(list(statuses)))
        .order_by(Application.id)
        .with_for_update(of=Application)
        .execution_options(populate_existing=True)
    )
    if nationality is not None:
        statement = statement.where(Candidate.nationality == nationality)
    return [(a, c) for a, c in (await session.execute(statement)).all()]


async def move(session: AsyncSession, application: Application, moves: Sequence[Move],
               changes: ApplicationChanges) -> Application:
    """Write ``changes`` and the moves' final status, bump the version, record every move."""
    statement = (update(Application).where(Application.id == application.id)
                 .values(**changes, version=Application.version + 1)
                 .returning(Application).execution_options(populate_existing=True))
    if moves:
        statement = statement.values(status=moves[-1].to_status)
    updated = (await session.execute(statement)).scalar_one()
    await _record(session, [(application.id, m) for m in moves])
    return updated


async def move_many(session: AsyncSession,
                    changes: Sequence[tuple[Application, Sequence[Move], ApplicationChanges]],
                    ) -> None:
    """:func:`move` for many locked applications in two statements (bulk update, bulk insert).

    The rows must be locked: the new version is computed from the loaded one.
    """
    if not changes:
        return
    rows = []
    for application, moves, values in changes:
        row: dict[str, Any] = {"id": application.id, **values,
                               "version": application.version + 1}
        if moves:
            row["status"] = moves[-1].to_status
        rows.append(row)
    await session.execute(update(Application), rows)
    await _record(session, [(a.id, m) for a, moves, _ in changes for m in moves])


async def _record(session: AsyncSession, moves: Sequence[tuple[uuid.UUID, Move]]) -> None:
    if moves:
        await session.execute(insert(ApplicationTransition), [
            {"application_id": application_id, "action": m.action, "from_status": m.from_status,
             "to_status": m.to_status, "reason": m.reason} for application_id, m in moves])


async def by_ids(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Application]:
    """The applications with these ids, freshly read."""
    wanted = list(ids)
    if not wanted:
        return {}
    rows = await session.scalars(select(Application).where(Application.id.in_(wanted))
                                 .execution_options(populate_existing=True))
    return {a.id: a for a in rows.all()}


async def transitions(session: AsyncSession,
                      application_id: uuid.UUID) -> list[ApplicationTransition]:
    """An application's status changes, oldest first."""
    rows = await session.scalars(
        select(ApplicationTransition).where(ApplicationTransition.application_id == application_id)
        .order_by(ApplicationTransition.at, ApplicationTransition.id))
    return list(rows.all())


def readable_statement(principal: Principal) -> Select[Application]:
    """The applications ``principal`` is related to: an officer's programmes', a candidate's
    own (its token's profile or the one its account created), an institution's nominees' in
    the programme it nominated them for. Every list and lookup of an application for a caller
    starts here."""
    return select(Application).where(*access.conditions(
        principal,
        programme=Application.programme_id,
        candidate=lambda candidate_id: Application.candidate_id.in_(
            select(Candidate.id).where(or_(Candidate.id == candidate_id,
                                           Candidate.account_subject == principal.subject))),
        institution=lambda institution_id: false() if institution_id is None else exists(
            select(Nomination.id).where(
                Nomination.candidate_id == Application.candidate_id,
                Nomination.programme_id == Application.programme_id,
                Nomination.institution_id == institution_id)),
    ))


async def readable_id(session: AsyncSession, principal: Principal,
                      application_id: uuid.UUID) -> uuid.UUID | None:
    """The application's id if it exists and ``principal`` may read it."""
    return await session.scalar(readable_statement(principal)
                                .where(Application.id == application_id)
                                .with_only_columns(Application.id))


async def list_page(session: AsyncSession, page: PageParams, *, principal: Principal,
                    programme_id: uuid.UUID | None, candidate_id: uuid.UUID | None,
                    status: str | None) -> list[Application]:
    """One page (``limit + 1`` rows, to tell if more follow) of the applications ``principal``
    may read, oldest first."""
    statement = readable_statement(principal)
    if programme_id is not None:
        statement = statement.where(Application.programme_id == programme_id)
    if candidate_id is not None:
        statement = statement.where(Application.candidate_id == candidate_id)
    if status is not None:
        statement = statement.where(Application.status == status)
    statement = keyset(statement, (Application.created_at, Application.id), page)
    return list((await session.scalars(statement)).all())
