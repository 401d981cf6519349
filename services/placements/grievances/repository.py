"""Every query on grievances: who reads which, their history, the escalation job's claim and
the programme's statistics, counted by Postgres (the counts per employer are the employers'
standing: ``services.placements.standing.repository``)."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    extract,
    func,
    select,
    text,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.grievances import state
from services.placements.grievances.models import (
    CATEGORIES,
    LEVELS,
    OUTCOMES,
    SEVERITIES,
    STATUSES,
    Grievance,
    GrievanceAction,
)
from shared import access
from shared.auth import Principal
from shared.db import insert, one_or_none
from shared.pagination import PageParams, keyset
from shared.versioning import update_locked

# What replaces the token subject of the person's own (deleted) account where it acted.
ERASED_SUBJECT = "erased"


def readable_conditions(principal: Principal) -> list[ColumnElement[bool]]:
    """Which grievances ``principal`` is related to, as WHERE clauses: officers their
    programmes', an employer those about itself, a candidate their own."""
    return access.conditions(principal, programme=Grievance.programme_id,
                             employer=Grievance.employer_id,
                             candidate=Grievance.candidate_id)


def readable_statement(principal: Principal) -> Select[Grievance]:
    """The grievances ``principal`` is related to: every list, lookup and action on a
    grievance for a caller starts here."""
    return select(Grievance).where(*readable_conditions(principal))


async def add(session: AsyncSession, grievance: Grievance) -> Grievance:
    """Insert a grievance."""
    return await insert(session, grievance)


async def add_action(session: AsyncSession, action: GrievanceAction) -> None:
    """Append a step to a grievance's history."""
    session.add(action)
    await session.flush()


async def get(session: AsyncSession, grievance_id: uuid.UUID, *,
              principal: Principal | None = None, for_update: bool = False) -> Grievance | None:
    """The grievance with this id, if ``principal`` may read it (None: the service itself);
    ``for_update`` locks its row until the transaction ends."""
    base = select(Grievance) if principal is None else readable_statement(principal)
    return await one_or_none(session, base.where(Grievance.id == grievance_id),
                             for_update=for_update)


class GrievanceFilters(TypedDict, total=False):
    """What a list of grievances may be filtered by (absent or None: any)."""

    programme_id: uuid.UUID | None
    placement_id: uuid.UUID | None
    status: str | None
    level: str | None
    category: str | None
    severity: str | None


async def list_page(session: AsyncSession, page: PageParams, *, principal: Principal,
                    filters: GrievanceFilters, placement_known: ColumnElement[bool] | None = None,
                    ) -> list[Grievance]:
    """One page (``limit + 1`` rows) of the grievances ``principal`` may read, oldest first.

    ``placement_known``: the grievances whose placement the caller may know; a filter by
    placement matches only those (an employer must not learn whose grievance it is by
    filtering)."""
    statement = readable_statement(principal)
    for name, value in filters.items():
        if value is None:
            continue
        statement = statement.where(getattr(Grievance, name) == value)
        if name == "placement_id" and placement_known is not None:
            statement = statement.where(placement_known)
    statement = keyset(statement, (Grievance.created_at, Grievance.id), page)
    return list((await session.scalars(statement)).all())


class GrievanceChanges(TypedDict, total=False):
    """The columns the actions on a grievance set."""

    status: str
    owner_subject: str
    resolution: str
    outcome: str
    resolved_at: datetime
    resolved_by: str
    satisfaction: int
    rated_at: datetime


async def change(session: AsyncSession, grievance_id: uuid.UUID,
                 changes: GrievanceChanges) -> Grievance:
    """Write ``changes`` to a grievance the caller holds locked, bumping its version."""
    return await update_locked(session, Grievance, grievance_id, changes)


async def history(session: AsyncSession, grievance_id: uuid.UUID) -> list[GrievanceAction]:
    """A grievance's steps, oldest first."""
    rows = await session.scalars(select(GrievanceAction)
                                 .where(GrievanceAction.grievance_id == grievance_id)
                                 .order_by(GrievanceAction.id))
    return list(rows.all())


# --- the escalation job -----------------------------------------------------------------------


def _cases(column: str, values: Iterable[tuple[str, Any]]) -> str:
    """``CASE column WHEN 'a' THEN x … END`` of constants of this module (never input)."""
    whens = " ".join(f"WHEN '{when}' THEN {then!r}" for when, then in values)
    return f"CASE {column} {whens} END"


# One statement: claim the due grievances (skipping those an action holds), move each up a
# level with its new deadline and status, and append the escalation to its history.
_ESCALATE = text(f"""
    WITH due AS (
        SELECT g.id, g.level AS previous_level FROM placements.grievance AS g
        WHERE g.status <> 'resolved' AND g.level <> '{state.LAST_LEVEL}'
          AND g.due_at <= CAST(:now AS timestamptz)
        ORDER BY g.due_at, g.id
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    ), escalated AS (
        UPDATE placements.grievance AS g
        SET level = {_cases("g.level", state.NEXT_LEVEL.items())},
            status = '{state.target("escalate", "in_progress")}',
            escalated_at = CAST(:now AS timestamptz),
            due_at = CAST(:now AS timestamptz)
                     + make_interval(days => {_cases("g.severity", state.DEADLINE_DAYS.items())}),
            version = g.version + 1, updated_at = now()
        FROM due
        WHERE g.id = due.id
        RETURNING g.id, g.programme_id, g.category, g.severity, g.level, g.status, g.due_at,
                  due.previous_level
    ), logged AS (
        INSERT INTO placements.grievance_action (grievance_id, action, level, status, actor,
                                                actor_role, at)
        SELECT id, 'escalate', level, status, :actor, 'service', CAST(:now AS timestamptz)
        FROM escalated
    )
    SELECT * FROM escalated
""")


async def escalate_due(session: AsyncSession, *, now: datetime, limit: int,
                       actor: str) -> Sequence[RowMapping]:
    """Move up a level up to ``limit`` unresolved grievances whose deadline passed by ``now``
    (the oldest deadline first), each with its new deadline and a history step by ``actor``;
    the rows moved."""
    result = await session.execute(_ESCALATE, {"now": now, "limit": limit, "actor": actor})
    return result.mappings().all()


# --- erasure ----------------------------------------------------------------------------------


async def blank_free_text(session: AsyncSession, candidate_id: uuid.UUID) -> None:
    """Blank the words of the candidate's grievances (description, resolution, responses) and
    the subject of their own account where it acted; categories, levels, dates, outcomes and
    ratings are kept, so the counts stay."""
    ids = select(Grievance.id).where(Grievance.candidate_id == candidate_id)
    await session.execute(
        update(Grievance).where(Grievance.candidate_id == candidate_id)
        .values(description=None, resolution=None, version=Grievance.version + 1,
                filed_by=case((Grievance.filed_by_role == "candidate", ERASED_SUBJECT),
                              else_=Grievance.filed_by))
        .execution_options(synchronize_session=False))
    await session.execute(
        update(GrievanceAction).where(GrievanceAction.grievance_id.in_(ids))
        .values(message=None,
                actor=case((GrievanceAction.actor_role == "candidate", ERASED_SUBJECT),
                           else_=GrievanceAction.actor))
        .execution_options(synchronize_session=False))


# --- statistics -------------------------------------------------------------------------------


@dataclass
class GrievanceCounts:
    """A programme's grievances counted (exact), as the statistics publish them."""

    total: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_severity: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    by_outcome: dict[str, int] = field(default_factory=dict)
    unresolved_by_level: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    mean_days_to_resolution: float | None = None
    satisfaction_responses: int = 0
    satisfaction_mean: float | None = None


# Each breakdown: its name, the column and its values (every one is counted, zeros included).
_BREAKDOWNS: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    ("by_category", Grievance.category, CATEGORIES),
    ("by_severity", Grievance.severity, SEVERITIES),
    ("by_status", Grievance.status, STATUSES),
    ("by_outcome", Grievance.outcome, OUTCOMES),
)
_SECONDS_A_DAY = 86400.0


async def programme_counts(session: AsyncSession, programme_id: uuid.UUID, *,
                           now: datetime) -> GrievanceCounts:
    """Everything the statistics of ``programme_id`` publish, counted in one pass over its
    grievances (``ix_grievance_programme_created``); overdue as of ``now``."""
    unresolved = Grievance.status != "resolved"
    columns: list[Any] = [func.count().label("total")]
    for name, column, values in _BREAKDOWNS:
        columns += [func.count().filter(column == value).label(f"{name}:{value}")
                    for value in values]
    columns += [func.count().filter(unresolved, Grievance.level == level)
                .label(f"unresolved_by_level:{level}") for level in LEVELS]
    columns += [
        func.count().filter(unresolved, Grievance.due_at <= now).label("overdue"),
        func.avg(extract("epoch", Grievance.resolved_at - Grievance.filed_at)
                 / _SECONDS_A_DAY).label("mean_days_to_resolution"),
        func.count(Grievance.satisfaction).label("satisfaction_responses"),
        func.avg(Grievance.satisfaction).label("satisfaction_mean"),
    ]
    row = (await session.execute(select(*columns).where(
        Grievance.programme_id == programme_id))).mappings().one()
    counts = GrievanceCounts(total=row["total"], overdue=row["overdue"],
                             satisfaction_responses=row["satisfaction_responses"])
    for name, _, values in (*_BREAKDOWNS, ("unresolved_by_level", None, LEVELS)):
        setattr(counts, name, {value: row[f"{name}:{value}"] for value in values})
    for name in ("mean_days_to_resolution", "satisfaction_mean"):
        if row[name] is not None:
            setattr(counts, name, round(float(row[name]), 2))
    return counts


def identity_known_to_employer() -> ColumnElement[bool]:
    """The grievances an employer may know the worker of."""
    return Grievance.share_identity_with_employer.is_(True)
