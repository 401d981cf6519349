"""Every query of the matching domain: runs, proposals, and what a run reads of placements.

Placement rows are read here directly (same service, same schema), as the vacancies domain
counts taken seats.
"""

import secrets
import time
import uuid
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import Select, case, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.matching.models import MatchingProposal, MatchingRun
from services.placements.placements.models import Placement
from services.placements.placements.state import OPEN_STATES
from shared import access
from shared.auth import Principal
from shared.db import driver_connection, one_or_none, rows_changed
from shared.filters import equal_to
from shared.pagination import PageParams, keyset

_UNIQUE_VIOLATION = "23505"
# The key space of the runs' advisory locks (two-int form: never meets the one-bigint locks
# elsewhere); the second key is hashtext(run id).
RUN_LOCK_CLASS = 0x4D52  # "MR"
# Proposal columns written by COPY, in this order.
PROPOSAL_COLUMNS = ("id", "run_id", "candidate_id", "vacancy_id", "employer_id", "score",
                    "explanation", "profile", "gender", "nationality", "age_band")


def ordered_ids(count: int) -> list[uuid.UUID]:
    """``count`` UUIDv7 (RFC 9562) in increasing order: this millisecond, then a counter in
    the 32 bits after the version (method 1), then random bits.

    Proposals get these ids, so that keyset pages by ``(created_at, id)`` come in the
    engine's order (by vacancy, best score first) for rows written in one transaction.
    """
    millis = time.time_ns() // 1_000_000
    ids = []
    for n in range(count):
        rand_a, rand_b_high = n >> 20 & 0xFFF, n & 0xFFFFF
        value = (millis << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b_high << 42
                 | secrets.randbits(42))
        ids.append(uuid.UUID(int=value))
    return ids


# --- runs -------------------------------------------------------------------------------------


class RunChanges(TypedDict, total=False):
    """The columns the steps of a run set (the version and ``updated_at`` follow)."""

    status: str
    started_at: datetime
    finished_at: datetime
    failure_reason: str
    failure_detail: str
    summary: dict[str, Any]
    confirmed_at: datetime
    confirmed_by: str
    confirmation: dict[str, Any]


class ProposalChanges(TypedDict, total=False):
    """The columns an officer's decision on a proposal sets."""

    status: str
    outcome: str | None


async def add_run(session: AsyncSession, run: MatchingRun) -> MatchingRun | None:
    """Insert a queued run; None when the programme already has an unfinished one (the partial
    unique index), with the transaction still usable."""
    try:
        async with session.begin_nested():
            session.add(run)
            await session.flush()
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) == _UNIQUE_VIOLATION:
            return None
        raise
    await session.refresh(run)
    return run


def readable_runs(principal: Principal) -> Select[MatchingRun]:
    """The runs ``principal`` is related to (through their programme): every list and lookup
    of a run for a caller starts here."""
    return select(MatchingRun).where(*access.conditions(
        principal, programme=MatchingRun.programme_id))


async def get_run(session: AsyncSession, run_id: uuid.UUID, *,
                  principal: Principal | None = None,
                  for_update: bool = False) -> MatchingRun | None:
    """The run with this id, if ``principal`` may read it (None: the service itself);
    ``for_update`` locks its row until the transaction ends."""
    base = select(MatchingRun) if principal is None else readable_runs(principal)
    return await one_or_none(session, base.where(MatchingRun.id == run_id), for_update=for_update)


async def unfinished_run_id(session: AsyncSession, programme_id: uuid.UUID) -> uuid.UUID | None:
    """The programme's queued or running run, if any."""
    return await session.scalar(select(MatchingRun.id).where(
        MatchingRun.programme_id == programme_id,
        MatchingRun.status.in_(("queued", "running"))))


async def list_runs(session: AsyncSession, page: PageParams, *, principal: Principal,
                    filters: dict[str, Any]) -> list[MatchingRun]:
    """One page (``limit + 1`` rows) of the runs ``principal`` may read, oldest first."""
    statement = readable_runs(principal).where(*equal_to(MatchingRun, filters))
    statement = keyset(statement, (MatchingRun.created_at, MatchingRun.id), page)
    return list((await session.scalars(statement)).all())


async def set_run(session: AsyncSession, run_id: uuid.UUID, changes: RunChanges, *,
                  from_statuses: Sequence[str] | None = None) -> MatchingRun | None:
    """Write ``changes`` and bump the version; with ``from_statuses`` only a run in one of
    them changes (None returned otherwise)."""
    statement = (update(MatchingRun).where(MatchingRun.id == run_id)
                 .values(**changes, version=MatchingRun.version + 1, updated_at=func.now())
                 .returning(MatchingRun).execution_options(populate_existing=True))
    if from_statuses is not None:
        statement = statement.where(MatchingRun.status.in_(from_statuses))
    return (await session.execute(statement)).scalar_one_or_none()


async def lock_run(session: AsyncSession, run_id: uuid.UUID) -> None:
    """Hold the run's advisory lock on this session's connection until :func:`unlock_run`
    (a session-level lock: it outlives transactions, and dies with the connection)."""
    await session.execute(text("SELECT pg_advisory_lock(:k, hashtext(:id))"),
                          {"k": RUN_LOCK_CLASS, "id": str(run_id)})


async def unlock_run(session: AsyncSession, run_id: uuid.UUID) -> None:
    """Release what :func:`lock_run` took."""
    await session.execute(text("SELECT pg_advisory_unlock(:k, hashtext(:id))"),
                          {"k": RUN_LOCK_CLASS, "id": str(run_id)})


async def fail_interrupted(session: AsyncSession, *, grace_seconds: float,
                           detail: str) -> list[uuid.UUID]:
    """Fail the runs no live process works on: running, or queued for over
    ``grace_seconds``, and whose advisory lock nobody holds (the process that held it died
    with its connection). Safe with several replicas: a live run's lock is held."""
    rows = await session.execute(text(
        "UPDATE placements.matching_run SET status = 'failed', failure_reason = 'interrupted', "
        "failure_detail = :detail, finished_at = now(), updated_at = now(), "
        "version = version + 1 "
        "WHERE id IN (SELECT id FROM placements.matching_run "
        "             WHERE status = 'running' OR (status = 'queued' AND "
        "                   created_at < now() - make_interval(secs => :grace))) "
        "AND pg_try_advisory_xact_lock(:k, hashtext(id::text)) RETURNING id"),
        {"detail": detail, "grace": grace_seconds, "k": RUN_LOCK_CLASS})
    return [row[0] for row in rows.all()]


# --- what a run reads of placements -------------------------------------------------------------


async def placed_candidates(session: AsyncSession, programme_id: uuid.UUID) -> set[uuid.UUID]:
    """Candidates holding an open placement in the programme (one not final yet). Those whose
    earlier stay ended are matched again if the candidates service lists them: it does so for
    a programme of repeated stays (seasons) only."""
    rows = await session.scalars(select(Placement.candidate_id).distinct().where(
        Placement.programme_id == programme_id, Placement.status.in_(OPEN_STATES)))
    return set(rows.all())


async def declined_pairs(session: AsyncSession,
                         programme_id: uuid.UUID) -> set[tuple[uuid.UUID, uuid.UUID]]:
    """(candidate, vacancy) pairs of the programme whose placement was declined or whose visa
    was refused: not proposed again."""
    rows = await session.execute(select(Placement.candidate_id, Placement.vacancy_id).where(
        Placement.programme_id == programme_id,
        Placement.status.in_(("declined", "visa_refused"))))
    return {(c, v) for c, v in rows.all()}


# --- proposals --------------------------------------------------------------------------------


async def store_proposals(session: AsyncSession, records: Iterable[tuple[Any, ...]]) -> None:
    """Write proposals in bulk (COPY), each a tuple in :data:`PROPOSAL_COLUMNS` order with
    JSON documents as text."""
    connection = await driver_connection(session)
    await connection.copy_records_to_table(
        MatchingProposal.__tablename__, schema_name="placements", columns=PROPOSAL_COLUMNS,
        records=records)


async def has_proposals_for(session: AsyncSession, run_id: uuid.UUID, *,
                            employer_id: uuid.UUID, statuses: Sequence[str]) -> bool:
    """Whether the run proposes someone to this employer (in one of ``statuses``)."""
    return bool(await session.scalar(select(select(MatchingProposal.id).where(
        MatchingProposal.run_id == run_id, MatchingProposal.employer_id == employer_id,
        MatchingProposal.status.in_(statuses)).exists())))


async def list_proposals(session: AsyncSession, run_id: uuid.UUID, page: PageParams, *,
                         filters: dict[str, Any],
                         statuses: Sequence[str] | None = None) -> list[MatchingProposal]:
    """One page (``limit + 1`` rows) of the run's proposals, in the engine's order."""
    statement = select(MatchingProposal).where(MatchingProposal.run_id == run_id,
                                               *equal_to(MatchingProposal, filters))
    if statuses is not None:
        statement = statement.where(MatchingProposal.status.in_(statuses))
    statement = keyset(statement, (MatchingProposal.created_at, MatchingProposal.id), page)
    return list((await session.scalars(
        statement.execution_options(populate_existing=True))).all())


async def get_proposal(session: AsyncSession, proposal_id: uuid.UUID, *,
                       for_update: bool = False) -> MatchingProposal | None:
    """The proposal with this id."""
    return await one_or_none(
        session, select(MatchingProposal).where(MatchingProposal.id == proposal_id),
        for_update=for_update)


async def set_proposal(session: AsyncSession, proposal_id: uuid.UUID,
                       changes: ProposalChanges) -> MatchingProposal:
    """Write ``changes`` on a proposal."""
    return (await session.execute(
        update(MatchingProposal).where(MatchingProposal.id == proposal_id).values(**changes)
        .returning(MatchingProposal).execution_options(populate_existing=True))).scalar_one()


async def to_confirm(session: AsyncSession, run_id: uuid.UUID) -> list[Any]:
    """The run's proposals still ``proposed``, in the engine's order: what confirming needs of
    them (not their documents)."""
    rows = await session.execute(
        select(MatchingProposal.id, MatchingProposal.candidate_id, MatchingProposal.vacancy_id,
               MatchingProposal.score, MatchingProposal.gender, MatchingProposal.nationality)
        .where(MatchingProposal.run_id == run_id, MatchingProposal.status == "proposed")
        .order_by(MatchingProposal.created_at, MatchingProposal.id))
    return list(rows.all())


async def record_outcomes(session: AsyncSession,
                          outcomes: Sequence[tuple[uuid.UUID, str, uuid.UUID | None,
                                                   str | None]]) -> None:
    """Set (status, placement_id, outcome) of many proposals at once: (id, …) tuples."""
    if not outcomes:
        return
    ids, statuses, placements, reasons = (list(column) for column in zip(*outcomes,
                                                                         strict=True))
    connection = await driver_connection(session)
    await connection.execute(
        "UPDATE placements.matching_proposal AS p SET status = o.status, "
        "placement_id = o.placement_id, outcome = o.outcome "
        "FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[]) "
        "AS o(id, status, placement_id, outcome) WHERE p.id = o.id",
        ids, statuses, placements, reasons)


async def count_by_status(session: AsyncSession, run_id: uuid.UUID) -> dict[str, int]:
    """How many of the run's proposals are in each status."""
    rows = await session.execute(
        select(MatchingProposal.status, func.count()).where(MatchingProposal.run_id == run_id)
        .group_by(MatchingProposal.status))
    return {status: count for status, count in rows.all()}


async def proposal_outcomes(session: AsyncSession, run_id: uuid.UUID, *,
                            accepted: Collection[str], declined: Collection[str],
                            ) -> list[tuple[str | None, str | None, str | None, str | None, int]]:
    """How many of the run's proposals there are per (gender, nationality, age band, what
    became of their placement): the last is None for a proposal that made no placement, else
    ``accepted`` (its placement's status is one of ``accepted``), ``declined`` (one of
    ``declined``) or ``awaiting``."""
    placement = case((MatchingProposal.placement_id.is_(None), None),
                     (Placement.status.in_(accepted), "accepted"),
                     (Placement.status.in_(declined), "declined"), else_="awaiting")
    rows = await session.execute(
        select(MatchingProposal.gender, MatchingProposal.nationality, MatchingProposal.age_band,
               placement, func.count())
        .select_from(MatchingProposal)
        .outerjoin(Placement, Placement.id == MatchingProposal.placement_id)
        .where(MatchingProposal.run_id == run_id)
        .group_by(MatchingProposal.gender, MatchingProposal.nationality,
                  MatchingProposal.age_band, placement))
    return [(gender, nationality, age_band, outcome, count)
            for gender, nationality, age_band, outcome, count in rows.all()]


async def refused(session: AsyncSession, run_id: uuid.UUID) -> list[MatchingProposal]:
    """The run's proposals confirming could not turn into placements, in the engine's order."""
    # populate_existing: the outcomes were just written by a raw UPDATE, behind the ORM.
    rows = await session.scalars(
        select(MatchingProposal).where(MatchingProposal.run_id == run_id,
                                       MatchingProposal.status == "refused")
        .order_by(MatchingProposal.created_at, MatchingProposal.id)
        .execution_options(populate_existing=True))
    return list(rows.all())


async def erase_candidate(session: AsyncSession, candidate_id: uuid.UUID) -> int:
    """Blank the candidate's profile snapshots, gender, nationality, age band and the skill
    lists of their explanations, keeping ids and scores; how many proposals changed."""
    return await rows_changed(session, (
        update(MatchingProposal)
        .where(MatchingProposal.candidate_id == candidate_id,
               MatchingProposal.erased_at.is_(None))
        .values(profile=None, gender=None, nationality=None, age_band=None,
                erased_at=func.now(),
                explanation=MatchingProposal.explanation.op("||")(text(
                    "'{\"matched_required_skills\": null, \"missing_required_skills\": null, "
                    "\"matched_nice_to_have_skills\": null}'::jsonb")))))
