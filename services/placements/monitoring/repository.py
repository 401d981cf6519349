"""Every query on mentors, check-ins and their wage and housing checks, alerts and
evaluations."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Select, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.monitoring.models import Alert, CheckIn, Evaluation, Mentor
from shared import access
from shared.auth import Principal
from shared.db import insert, one_or_none
from shared.pagination import PageParams, keyset


async def add_mentor(session: AsyncSession, mentor: Mentor) -> Mentor:
    """Insert a mentor."""
    return await insert(session, mentor)


async def mentors(session: AsyncSession, placement_id: uuid.UUID) -> list[Mentor]:
    """A placement's mentors, first named first."""
    rows = await session.scalars(select(Mentor).where(Mentor.placement_id == placement_id)
                                 .order_by(Mentor.created_at, Mentor.id))
    return list(rows.all())


async def delete_mentor(session: AsyncSession, *, placement_id: uuid.UUID,
                        mentor_id: uuid.UUID) -> bool:
    """Delete one of the placement's mentors; False when it has no such mentor."""
    deleted = await session.execute(delete(Mentor).where(
        Mentor.id == mentor_id, Mentor.placement_id == placement_id).returning(Mentor.id))
    return deleted.first() is not None


async def add_check_in(session: AsyncSession, check_in: CheckIn) -> CheckIn:
    """Insert a check-in."""
    return await insert(session, check_in)


async def add_alert(session: AsyncSession, alert: Alert) -> Alert:
    """Insert an alert."""
    return await insert(session, alert)


# Who recorded a check-in when the trainee reported it themself.
TRAINEE = "candidate"


def readable_check_in_conditions(principal: Principal) -> list[ColumnElement[bool]]:
    """Which check-ins ``principal`` may read on a placement they may read, as WHERE clauses:
    an employer not those the trainee reported themself (a worker reporting their pay or their
    dwelling must not fear their employer reading it: it is for the programme's officers), the
    trainee only those; everyone else all of them."""
    if principal.role == "employer":
        return [CheckIn.recorded_by_role != TRAINEE]
    if principal.role == TRAINEE:
        return [CheckIn.recorded_by_role == TRAINEE]
    return []


def readable_check_ins(principal: Principal) -> Select[CheckIn]:
    """The check-ins ``principal`` may read on a placement they may read (see
    :func:`readable_check_in_conditions`)."""
    return select(CheckIn).where(*readable_check_in_conditions(principal))


async def check_ins(session: AsyncSession, page: PageParams, *, principal: Principal,
                    placement_id: uuid.UUID) -> list[CheckIn]:
    """One page (``limit + 1`` rows) of a placement's check-ins ``principal`` may read, oldest
    first."""
    statement = keyset(readable_check_ins(principal).where(
        CheckIn.placement_id == placement_id), (CheckIn.created_at, CheckIn.id), page)
    return list((await session.scalars(statement)).all())


def readable_alerts(principal: Principal) -> Select[Alert]:
    """The alerts ``principal`` is related to (through their programme): every list and
    lookup of an alert for a caller starts here."""
    return select(Alert).where(*access.conditions(principal, programme=Alert.programme_id))


async def get_alert(session: AsyncSession, alert_id: uuid.UUID, *,
                    principal: Principal | None = None,
                    for_update: bool = False) -> Alert | None:
    """The alert with this id, if ``principal`` may read it (None: the service itself);
    ``for_update`` locks its row."""
    base = select(Alert) if principal is None else readable_alerts(principal)
    return await one_or_none(session, base.where(Alert.id == alert_id), for_update=for_update)


async def acknowledge(session: AsyncSession, alert_id: uuid.UUID, *, by: str) -> Alert:
    """Mark the alert acknowledged now by ``by``."""
    return (await session.execute(
        update(Alert).where(Alert.id == alert_id)
        .values(acknowledged_at=datetime.now(UTC), acknowledged_by=by)
        .returning(Alert).execution_options(populate_existing=True))).scalar_one()


async def alerts(session: AsyncSession, page: PageParams, *, principal: Principal,
                 programme_id: uuid.UUID | None, placement_id: uuid.UUID | None,
                 acknowledged: bool | None, severity: str | None) -> list[Alert]:
    """One page (``limit + 1`` rows) of the alerts ``principal`` may read, oldest first."""
    statement = readable_alerts(principal)
    if programme_id is not None:
        statement = statement.where(Alert.programme_id == programme_id)
    if placement_id is not None:
        statement = statement.where(Alert.placement_id == placement_id)
    if acknowledged is not None:
        statement = statement.where(Alert.acknowledged_at.is_not(None) if acknowledged
                                    else Alert.acknowledged_at.is_(None))
    if severity is not None:
        statement = statement.where(Alert.severity == severity)
    statement = keyset(statement, (Alert.created_at, Alert.id), page)
    return list((await session.scalars(statement)).all())


async def evaluation(session: AsyncSession, placement_id: uuid.UUID) -> Evaluation | None:
    """The placement's evaluation, if given."""
    return (await session.execute(select(Evaluation).where(
        Evaluation.placement_id == placement_id))).scalar_one_or_none()


async def add_evaluation(session: AsyncSession, evaluation: Evaluation) -> Evaluation | None:
    """Insert an evaluation; None when the placement already has one (a concurrent request).

    In a savepoint, so the transaction stays usable for the 409 (see
    ``placements.repository.add`` on why not ``shared.db.insert(savepoint=True)``).
    """
    try:
        async with session.begin_nested():
            session.add(evaluation)
            await session.flush()
    except IntegrityError:
        return None
    await session.refresh(evaluation)
    return evaluation
