"""Employer standing: suspending and reinstating an employer in a programme, and the evidence
of how it hosts people.

**Suspension is per programme.** An officer suspends an employer in one of their programmes
that the employer has an agreement with (another programme, or one without an agreement, is a
404); admins in any programme of its agreements. In the same transaction the employer's open
vacancies in that programme are closed (their ids kept on the suspension, with who and why);
while it is suspended there, publishing or reopening a vacancy and making a placement with it
in that programme are 409 ``employer-suspended``, and matching runs of the programme leave its
vacancies out and say so (``excluded_suspended_employers``). Its other programmes, and the
placements already made, go on. Reinstating is an explicit action with its reason; it reopens
no vacancy (the employer or an officer reopens what still makes sense). Suspending a suspended
employer, or reinstating one that is not, is a 409 naming its state. The employer itself may
do neither (403). Both publish an event (``employer.suspended``, ``employer.reinstated``: ids
and dates, no reason) and bump the employer's version (its ETag: its standing changed).

**Standing** is counted in Postgres (:mod:`.repository`): per programme, the employer's
placements by status, the check-ins during its stays (with a housing issue) and their
incidents by type, the wage and housing checks (with a deviation; the wage checks by kind), its
evaluations (means, would host again), the grievances about it by category and by outcome
(``unresolved`` until resolved), the fees charged to its workers (who paid any, and who paid
each ILO category: the workers SDG 10.7.1 counts), its suspensions. The employer reads its own
(it knows its workers; no one is named), without the check-ins its trainees recorded
themselves (as in its list of check-ins: a worker reporting their pay must not fear their
employer reads it; the grievances about it it reads anyway, without whose) and without the fees
(null: it reads no recruitment cost, as the placements policy's ``read-costs`` says), officers
their programmes', admins all, exactly.

A ministry reads the programme's report (:func:`programme_report`): aggregate employer
standing, not workers. Each employer's line (a company by name, its standing and suspensions)
comes without its evidence, and the programme's evidence, the sum over its employers, under the
kit's disclosure control (:mod:`shared.disclosure`) as a release of one scope. Per-employer
evidence in the release would tie every employer's cells to the programme's by sums: a dense
report's connected blocks then grow with the number of employers, and re-solving them after
each complementary suppression made a report of a hundred employers take minutes.
"""

import uuid
from collections.abc import Callable, Mapping
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.employers import repository as employer_repository
from services.placements.employers import service as employer_service
from services.placements.employers.exceptions import ProgrammeNotFound
from services.placements.employers.models import Employer, EmployerSuspension
from services.placements.employers.schemas import Obligations, SuspensionOut
from services.placements.events import (
    EMPLOYER_REINSTATED,
    EMPLOYER_SUSPENDED,
    EmployerSuspensionEvent,
    outbox,
)
from services.placements.grievances.models import CATEGORIES, OUTCOMES
from services.placements.monitoring.models import RATINGS, WAGE_DEVIATIONS
from services.placements.placements import service as placement_service
from services.placements.placements.exceptions import InvalidDates
from services.placements.recruitment_costs.models import CATEGORIES as COST_CATEGORIES
from services.placements.standing import repository
from services.placements.standing.repository import Cell
from services.placements.standing.schemas import (
    CheckFigures,
    CheckInFigures,
    EmployerStanding,
    EmployerStandingLine,
    EvaluationFigures,
    Evidence,
    FeeFigures,
    GrievanceFigures,
    PlacementFigures,
    ProgrammeEmployerStanding,
    ProgrammeStanding,
    ReinstateBody,
    SuspendBody,
    WageCheckFigures,
)
from services.placements.vacancies import service as vacancy_service
from shared import access, disclosure
from shared.auth import Principal
from shared.errors import IllegalTransition
from shared.events.outbox import NewEvent
from shared.i18n import N_, _
from shared.pagination import PageParams

# Who reads a programme's report: its officers and ministries, admins and services.
REPORT_READERS = frozenset({"admin", "service", "officer", "ministry"})
# The cells every employer has (zero when nothing happened). The grievances' categories and
# outcomes, the wage deviations' kinds and the fees' categories come every one, so that the
# keys present do not tell which occurred when their counts are withheld; statuses and incident
# types as they occur.
BASE_CELLS: tuple[Cell, ...] = (
    ("placements", "total"), ("check_ins", "total"), ("check_ins", "with_housing_issue"),
    ("wage_checks", "done"), ("wage_checks", "with_deviation"),
    *(("wage_checks", "by_deviation_kind", kind) for kind in WAGE_DEVIATIONS),
    ("housing_checks", "done"), ("housing_checks", "with_deviation"),
    ("evaluations", "count"), ("evaluations", "would_host_again"),
    *(("evaluations", "rating_sum", name) for name in RATINGS),
    ("grievances", "total"),
    *(("grievances", "by_category", category) for category in CATEGORIES),
    *(("grievances", "by_outcome", outcome) for outcome in (*OUTCOMES, repository.UNRESOLVED)),
    ("fees_charged", "workers_who_paid"),
    *(("fees_charged", "by_category", category) for category in COST_CATEGORIES))
# Cells that count no one: a sum of ratings, shown only with the count it is the sum over.
NOT_PEOPLE = frozenset(("evaluations", "rating_sum", name) for name in RATINGS)
# Within the programme: a total and the breakdowns that each add up to it (a worker who paid
# in several categories counts in each: the fees' categories add up to nothing).
SUMS: dict[Cell, tuple[Cell, ...]] = {
    ("placements", "total"): (("placements", "by_status"),),
    ("grievances", "total"): (("grievances", "by_category"), ("grievances", "by_outcome"))}
# Within the programme: the sections whose cells describe the people or events another cell
# counts, and are withheld whole with it (a zero among three says something about each of the
# three). Units nest: the checks are made at check-ins; the fees were paid by some of the
# placed workers, in categories.
UNITS: dict[Cell, tuple[str, ...]] = {
    ("placements", "total"): ("fees_charged",),
    ("check_ins", "total"): ("check_ins", "wage_checks", "housing_checks"),
    ("wage_checks", "done"): ("wage_checks",),
    ("housing_checks", "done"): ("housing_checks",),
    ("evaluations", "count"): ("evaluations",),
    ("grievances", "total"): ("grievances",),
    ("fees_charged", "workers_who_paid"): ("fees_charged",)}


def _event(event_type: str, suspension: EmployerSuspension) -> NewEvent:
    payload = EmployerSuspensionEvent(
        suspension_id=suspension.id, employer_id=suspension.employer_id,
        programme_id=suspension.programme_id, suspended_on=suspension.suspended_on,
        review_on=suspension.review_on, reinstated_on=suspension.reinstated_on,
        closed_vacancy_ids=suspension.closed_vacancy_ids)
    return NewEvent(type=event_type, subject_id=suspension.employer_id,
                    payload=payload.model_dump(mode="json"))


async def _load(session: AsyncSession, *, principal: Principal, employer_id: uuid.UUID,
                programme_id: uuid.UUID, action: str,
                expected_version: int | None) -> Employer:
    """The employer, locked, for ``action`` in the programme: 404 unless the caller sees it,
    403 for a role that may not act, 412 for a stale If-Match, 404 for a programme not the
    caller's."""
    employer = await employer_service.lock_for_action(
        session, principal=principal, employer_id=employer_id, action=action,
        expected_version=expected_version)
    access.ensure_programmes_visible(principal, [programme_id], ProgrammeNotFound)
    return employer


async def suspend(session: AsyncSession, *, principal: Principal, employer_id: uuid.UUID,
                  data: SuspendBody, today: date,
                  expected_version: int | None = None) -> employer_service.EmployerView:
    """Suspend the employer in a programme of its agreements and close its open vacancies
    there (see the module docstring); the employer as the caller now reads it."""
    employer = await _load(session, principal=principal, employer_id=employer_id,
                           programme_id=data.programme_id, action="suspend",
                           expected_version=expected_version)
    if data.programme_id not in employer.programme_ids:
        raise ProgrammeNotFound(_("Employer {employer_id} has no agreement with programme "
                                  "{programme_id}: it cannot be suspended there.",
                                  employer_id=employer_id, programme_id=data.programme_id))
    suspended_on = placement_service.happened("suspended_on", data.suspended_on, today=today)
    if data.review_on is not None and data.review_on < suspended_on:
        raise InvalidDates.of("review_on", _("is before suspended_on ({suspended_on})",
                                             suspended_on=suspended_on), data.review_on)
    already = IllegalTransition(action="suspend", current_state="suspended",
                                allowed_from=["active"])
    # Under the employer's row lock: no other suspension of it is being recorded meanwhile.
    if await employer_repository.suspension_in_force(session, employer_id=employer_id,
                                                     programme_id=data.programme_id):
        raise already
    closed = await vacancy_service.close_for_suspension(
        session, employer_id=employer_id, programme_id=data.programme_id)
    suspension = await employer_repository.add_suspension(session, EmployerSuspension(
        employer_id=employer_id, programme_id=data.programme_id, reason=data.reason,
        suspended_on=suspended_on, review_on=data.review_on, suspended_by=principal.subject,
        suspended_by_role=principal.role, closed_vacancy_ids=closed))
    if suspension is None:
        raise already
    await outbox.record_many(session, [_event(EMPLOYER_SUSPENDED, suspension)])
    return await employer_service.touch(session, principal=principal, employer_id=employer_id)


async def reinstate(session: AsyncSession, *, principal: Principal, employer_id: uuid.UUID,
                    data: ReinstateBody, today: date,
                    expected_version: int | None = None) -> employer_service.EmployerView:
    """End the employer's suspension in the programme, with its reason; its vacancies stay
    closed. The employer as the caller now reads it."""
    await _load(session, principal=principal, employer_id=employer_id,
                programme_id=data.programme_id, action="reinstate",
                expected_version=expected_version)
    suspension = await employer_repository.suspension_in_force(
        session, employer_id=employer_id, programme_id=data.programme_id)
    if suspension is None:
        raise IllegalTransition(action="reinstate", current_state="active",
                                allowed_from=["suspended"])
    reinstated_on = placement_service.happened("reinstated_on", data.reinstated_on, today=today)
    if reinstated_on < suspension.suspended_on:
        raise InvalidDates.of(
            "reinstated_on", _("is before the suspension ({suspended_on})",
                               suspended_on=suspension.suspended_on), reinstated_on)
    ended = await employer_repository.reinstate(
        session, suspension.id, on=reinstated_on, by=principal.subject, by_role=principal.role,
        reason=data.reason)
    await outbox.record_many(session, [_event(EMPLOYER_REINSTATED, ended)])
    return await employer_service.touch(session, principal=principal, employer_id=employer_id)


async def suspensions(session: AsyncSession, *, principal: Principal, employer_id: uuid.UUID,
                      page: PageParams) -> list[EmployerSuspension]:
    """A page of the employer's suspensions the caller sees (in force or not), oldest first."""
    await employer_service.get(session, principal=principal, employer_id=employer_id)
    return await employer_repository.suspensions_page(
        session, page, employer_id=employer_id,
        programme_ids=employer_service.visible_programmes(principal))


# --- the evidence, shaped -------------------------------------------------------------------


def _evidence(cells: Mapping[Cell, int], shown: Callable[[Cell], bool] = lambda _: True, *,
              fees: bool = True) -> Evidence:
    """The evidence of ``cells`` (absent: zero), each withheld cell null; without the fees
    charged to workers (null) unless ``fees``."""

    def value(cell: Cell) -> int | None:
        return cells.get(cell, 0) if shown(cell) else None

    def category(section: str, figure: str) -> dict[str, int | None]:
        return {cell[2]: value(cell) for cell in sorted(cells)
                if cell[:2] == (section, figure)}

    count = value(("evaluations", "count"))

    def mean(cell: Cell) -> float | None:
        total = value(cell)
        return None if not count or total is None else round(total / count, 2)

    return Evidence(
        placements=PlacementFigures(total=value(("placements", "total")),
                                    by_status=category("placements", "by_status")),
        check_ins=CheckInFigures(total=value(("check_ins", "total")),
                                 with_housing_issue=value(("check_ins", "with_housing_issue")),
                                 incidents_by_type=category("check_ins", "incidents_by_type")),
        wage_checks=WageCheckFigures(
            done=value(("wage_checks", "done")),
            with_deviation=value(("wage_checks", "with_deviation")),
            by_deviation_kind=category("wage_checks", "by_deviation_kind")),
        housing_checks=CheckFigures(done=value(("housing_checks", "done")),
                                    with_deviation=value(("housing_checks", "with_deviation"))),
        evaluations=EvaluationFigures(
            count=count,
            mean_ratings={name: mean(("evaluations", "rating_sum", name)) for name in RATINGS},
            would_host_again_share=mean(("evaluations", "would_host_again"))),
        grievances=GrievanceFigures(total=value(("grievances", "total")),
                                    by_category=category("grievances", "by_category"),
                                    by_outcome=category("grievances", "by_outcome")),
        fees_charged=FeeFigures(workers_who_paid=value(("fees_charged", "workers_who_paid")),
                                by_category=category("fees_charged", "by_category"))
        if fees else None)


def _completed(cells: Mapping[Cell, int] | None) -> dict[Cell, int]:
    """An employer's cells with every base cell (zero when absent) and the placements' total."""
    found = dict.fromkeys(BASE_CELLS, 0) | dict(cells or {})
    found[("placements", "total")] = sum(v for c, v in found.items()
                                         if c[:2] == ("placements", "by_status"))
    return found


# --- one employer ---------------------------------------------------------------------------


async def employer_standing(session: AsyncSession, *, principal: Principal,
                            employer_id: uuid.UUID) -> EmployerStanding:
    """The employer's standing in each programme the caller sees: its agreement, its
    suspension in force, how many it had, and the evidence (exact: the readers are its own
    programmes' officers, admins and the employer itself, who reads no fee)."""
    employer = await employer_service.get(session, principal=principal,
                                          employer_id=employer_id)
    scope = employer_service.visible_programmes(principal)
    found = await repository.evidence(session, programme_ids=scope, employer_id=employer_id,
                                      principal=principal)
    in_force = {s.programme_id: s for s in await employer_repository.suspensions_in_force(
        session, [employer_id], programme_ids=scope)}
    fees = placement_service.POLICY.may(principal, "read-costs")
    agreements = {uuid.UUID(str(a["programme_id"])): a for a in employer.agreements}
    programmes = {*agreements, *(p for p, _ in found.cells), *(p for p, _ in found.suspensions)}
    if scope is not None:
        programmes &= set(scope)
    lines = []
    for programme_id in sorted(programmes):
        agreement = agreements.get(programme_id)
        suspension = in_force.get(programme_id)
        lines.append(ProgrammeStanding(
            programme_id=programme_id,
            agreement_signed_date=agreement["signed_date"] if agreement else None,
            obligations=Obligations.model_validate(agreement.get("obligations", {}))
            if agreement else None,
            standing="suspended" if suspension else "active",
            suspension=SuspensionOut.model_validate(suspension) if suspension else None,
            suspensions=found.suspensions.get((programme_id, employer_id), 0),
            evidence=_evidence(_completed(found.cells.get((programme_id, employer_id))),
                               fees=fees)))
    return EmployerStanding(employer_id=employer.id, name=employer.name,
                            standing="suspended" if in_force else "active", programmes=lines)


# --- a programme's report -------------------------------------------------------------------


def _release(cells: Mapping[Cell, int]) -> disclosure.Release:
    """The programme's cells and the sums and units relating them, as one release."""
    found = disclosure.Release()
    for cell, value in cells.items():
        found.add(cell, value, counts_people=cell not in NOT_PEOPLE)
    for margin, breakdowns in SUMS.items():
        for breakdown in breakdowns:
            found.add_sum(margin, [c for c in cells if c[:2] == breakdown])
    for size, sections in UNITS.items():
        found.add_unit([size], [c for c in cells if c[0] in sections and c != size])
    return found


async def programme_report(session: AsyncSession, *, principal: Principal,
                           programme_id: uuid.UUID) -> ProgrammeEmployerStanding:
    """The standing of the programme's employers (see :class:`ProgrammeEmployerStanding`):
    exact, each employer's evidence with it, for officers and admins; for a ministry only the
    programme's evidence, under disclosure control."""
    access.ensure_role(principal, REPORT_READERS, N_("read the employers' standing"))
    access.ensure_programmes_visible(principal, [programme_id], ProgrammeNotFound)
    employers = await repository.employers_of_programme(session, programme_id)
    found = await repository.evidence(session, programme_ids=[programme_id],
                                      principal=principal)
    in_force = {s.employer_id: s for s in await employer_repository.suspensions_in_force(
        session, (e.id for e in employers), programme_ids=[programme_id])}
    by_employer = {e.id: _completed(found.cells.get((programme_id, e.id))) for e in employers}
    total = dict.fromkeys(BASE_CELLS, 0)
    for cells in by_employer.values():
        for cell, value in cells.items():
            total[cell] = total.get(cell, 0) + value
    exact = disclosure.reads_exact(principal.role)
    withheld = None if exact else disclosure.suppress(_release(total))
    return ProgrammeEmployerStanding(
        programme_id=programme_id,
        employers_with_agreement=sum(programme_id in e.programme_ids for e in employers),
        suspended_now=len(in_force),
        suspensions_recorded=sum(found.suspensions.values()),
        evidence=_evidence(total, withheld.shown) if withheld else _evidence(total),
        employers=[EmployerStandingLine(
            employer_id=e.id, name=e.name, country=e.country, sector=e.sector,
            standing="suspended" if e.id in in_force else "active",
            suspended_on=in_force[e.id].suspended_on if e.id in in_force else None,
            review_on=in_force[e.id].review_on if e.id in in_force else None,
            suspensions=found.suspensions.get((programme_id, e.id), 0),
            evidence=_evidence(by_employer[e.id]) if exact else None) for e in employers],
        suppressed_cells=withheld.count if withheld else 0,
        small_cell_threshold=withheld.threshold if withheld else None)
