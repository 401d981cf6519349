"""Every query of the employers' standing: the evidence counted in Postgres, by programme and
employer, and the employers a programme's report lists.

The evidence is read from the placements, check-ins (with their wage and housing checks),
evaluations, grievances and recruitment costs of the same service (same schema): each query
groups by ``(programme_id, employer_id)`` and yields cells keyed as :data:`Cell` says, so that a
new kind of evidence is one more query here and one more section in the schema. This is the one
place that counts them per employer.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, column, func, literal_column, select, text, true
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from services.placements.employers.models import Employer, EmployerSuspension
from services.placements.grievances.models import Grievance
from services.placements.monitoring import repository as monitoring_repository
from services.placements.monitoring.models import RATINGS, CheckIn, Evaluation
from services.placements.placements.models import Placement
from services.placements.recruitment_costs.models import WORKER_PAID, RecruitmentCost
from services.placements.recruitment_costs.repository import COUNTED_STATUSES
from shared.auth import Principal

# A cell of evidence: its section, its figure and maybe a category, e.g.
# ("placements", "by_status", "active") or ("evaluations", "count").
Cell = tuple[str, ...]
Scope = tuple[uuid.UUID, uuid.UUID]  # (programme_id, employer_id)
Statement = TypeVar("Statement")
# The outcome of a grievance not resolved yet, among the outcomes of the resolved.
UNRESOLVED = "unresolved"


@dataclass
class Evidence:
    """The evidence counted for each (programme, employer) that has any, and the number of
    suspensions recorded for each."""

    cells: dict[Scope, dict[Cell, int]] = field(default_factory=dict)
    suspensions: dict[Scope, int] = field(default_factory=dict)

    def add(self, scope: Scope, cell: Cell, value: int) -> None:
        """Record one counted cell of a (programme, employer)."""
        self.cells.setdefault(scope, {})[cell] = value

    def count(self, scope: Scope, cell: Cell, value: int) -> None:
        """Add ``value`` to a cell of a (programme, employer), zero until then."""
        cells = self.cells.setdefault(scope, {})
        cells[cell] = cells.get(cell, 0) + value


def _scoped(statement: Statement, programme: Any, employer: Any, *,
            programme_ids: Sequence[uuid.UUID] | None,
            employer_id: uuid.UUID | None) -> Statement:
    """``statement`` limited to the programmes and the employer asked for, grouped by both."""
    scoped: Any = statement
    if programme_ids is not None:
        scoped = scoped.where(programme.in_(list(programme_ids)))
    if employer_id is not None:
        scoped = scoped.where(employer == employer_id)
    grouped: Statement = scoped.group_by(programme, employer)
    return grouped


def _deviated(check: InstrumentedAttribute[dict[str, Any] | None]) -> ColumnElement[bool]:
    """Whether a wage or housing check (a JSONB column, null when the check-in has none) found
    a deviation."""
    return func.coalesce(func.jsonb_array_length(check["deviations"]), 0) > 0


async def evidence(session: AsyncSession, *, programme_ids: Sequence[uuid.UUID] | None,
                   employer_id: uuid.UUID | None = None,
                   principal: Principal | None = None) -> Evidence:
    """The evidence in ``programme_ids`` (None: every programme), of one employer or all:
    placements by status; check-ins (those with a housing issue) and their incidents by type;
    wage checks and housing checks (those that found a deviation, and the wage checks by kind of
    deviation); evaluations (count, the sum of each rating, how many would host again);
    grievances by category and by outcome (:data:`UNRESOLVED` for those not resolved yet);
    the fees charged to workers (the workers who paid any, and those who paid each category);
    suspensions. ``principal`` (None: the service itself) counts only the check-ins it may read:
    an employer not those its trainees reported themselves."""
    found = Evidence()
    readable = monitoring_repository.readable_check_in_conditions(principal) \
        if principal is not None else []
    p = Placement

    def scoped(statement: Statement, programme: Any = p.programme_id,
               employer: Any = p.employer_id) -> Statement:
        return _scoped(statement, programme, employer, programme_ids=programme_ids,
                       employer_id=employer_id)

    placements = await session.execute(scoped(
        select(p.programme_id, p.employer_id, p.status, func.count()).group_by(p.status)))
    for programme, employer, status, count in placements.all():
        found.add((programme, employer), ("placements", "by_status", status), count)

    wage, housing = CheckIn.wage_check, CheckIn.housing_check
    check_ins = await session.execute(scoped(
        select(p.programme_id, p.employer_id, func.count(),
               func.count().filter(CheckIn.housing == "issue"),
               func.count(wage), func.count(wage).filter(_deviated(wage)),
               func.count(housing), func.count(housing).filter(_deviated(housing)))
        .select_from(CheckIn).join(p, p.id == CheckIn.placement_id).where(*readable)))
    for programme, employer, count, housing_issues, *checks in check_ins.all():
        scope = (programme, employer)
        found.add(scope, ("check_ins", "total"), count)
        found.add(scope, ("check_ins", "with_housing_issue"), housing_issues)
        for cell, value in zip((("wage_checks", "done"), ("wage_checks", "with_deviation"),
                                ("housing_checks", "done"), ("housing_checks", "with_deviation")),
                               checks, strict=True):
            found.add(scope, cell, value)

    incident = (func.jsonb_array_elements(CheckIn.incidents)
                .table_valued(column("value", JSONB)).lateral("incident"))
    kind = incident.c.value["type"].astext
    incidents = await session.execute(scoped(
        select(p.programme_id, p.employer_id, kind, func.count())
        .select_from(CheckIn).join(p, p.id == CheckIn.placement_id).join(incident, true())
        .where(*readable).group_by(kind)))
    for programme, employer, type_, count in incidents.all():
        found.add((programme, employer), ("check_ins", "incidents_by_type", type_), count)

    # A wage check finds each kind at most once: counting them counts the checks that found it.
    deviation = (func.jsonb_array_elements(wage["deviations"])
                 .table_valued(column("value", JSONB)).lateral("deviation"))
    deviation_kind = deviation.c.value["kind"].astext
    deviations = await session.execute(scoped(
        select(p.programme_id, p.employer_id, deviation_kind, func.count())
        .select_from(CheckIn).join(p, p.id == CheckIn.placement_id).join(deviation, true())
        .where(wage.is_not(None), *readable).group_by(deviation_kind)))
    for programme, employer, kind_, count in deviations.all():
        found.add((programme, employer), ("wage_checks", "by_deviation_kind", kind_), count)

    evaluations = await session.execute(scoped(
        select(p.programme_id, p.employer_id, func.count(),
               func.count().filter(Evaluation.would_host_again),
               *(func.sum(getattr(Evaluation, name)) for name in RATINGS))
        .select_from(Evaluation).join(p, p.id == Evaluation.placement_id)))
    for programme, employer, count, again, *sums in evaluations.all():
        found.add((programme, employer), ("evaluations", "count"), count)
        found.add((programme, employer), ("evaluations", "would_host_again"), again)
        for name, total in zip(RATINGS, sums, strict=True):
            found.add((programme, employer), ("evaluations", "rating_sum", name), int(total))

    g = Grievance
    # A constant of this module, not a parameter: the SELECT and the GROUP BY must be the same
    # expression for Postgres.
    outcome = func.coalesce(g.outcome, literal_column(f"'{UNRESOLVED}'"))
    grievances = await session.execute(scoped(
        select(g.programme_id, g.employer_id, g.category, outcome, func.count())
        .group_by(g.category, outcome), g.programme_id, g.employer_id))
    for programme, employer, category, outcome_, count in grievances.all():
        scope = (programme, employer)
        found.count(scope, ("grievances", "total"), count)
        found.count(scope, ("grievances", "by_category", category), count)
        found.count(scope, ("grievances", "by_outcome", outcome_), count)

    # The fees charged to workers, among the workers SDG 10.7.1 counts (so that the employers'
    # counts add up to its ``paid_any_fee``): who paid anything is the placement's zero_fee, and
    # who paid in a category has a line of it as WORKER_PAID says, the one definition of both
    # (read from the lines alone, where its unqualified columns are the cost line's).
    counted = p.status.in_(COUNTED_STATUSES)
    paid = await session.execute(scoped(
        select(p.programme_id, p.employer_id, func.count())
        .where(counted, p.zero_fee.is_(False))))
    for programme, employer, count in paid.all():
        found.add((programme, employer), ("fees_charged", "workers_who_paid"), count)
    line = (select(RecruitmentCost.placement_id, RecruitmentCost.category)
            .where(text(WORKER_PAID)).subquery("worker_paid"))
    by_category = await session.execute(scoped(
        select(p.programme_id, p.employer_id, line.c.category,
               func.count(line.c.placement_id.distinct()))
        .select_from(line).join(p, p.id == line.c.placement_id).where(counted)
        .group_by(line.c.category)))
    for programme, employer, category, count in by_category.all():
        found.add((programme, employer), ("fees_charged", "by_category", category), count)

    s = EmployerSuspension
    suspensions = await session.execute(scoped(
        select(s.programme_id, s.employer_id, func.count()), s.programme_id, s.employer_id))
    found.suspensions = {(programme, employer): count
                         for programme, employer, count in suspensions.all()}
    return found


async def employers_of_programme(session: AsyncSession,
                                 programme_id: uuid.UUID) -> list[Employer]:
    """The employers a programme's report lists, by name: those with an agreement with it, and
    those that had placements or suspensions in it (an agreement dropped keeps its history)."""
    placed = select(Placement.employer_id).where(Placement.programme_id == programme_id)
    suspended = select(EmployerSuspension.employer_id).where(
        EmployerSuspension.programme_id == programme_id)
    rows = await session.scalars(select(Employer).where(
        Employer.programme_ids.contains([programme_id]) | Employer.id.in_(placed)
        | Employer.id.in_(suspended)).order_by(Employer.name, Employer.id))
    return list(rows.all())

