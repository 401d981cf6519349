"""HTTP routes of employers' standing: suspend and reinstate (actions on an employer), the
history of its suspensions, its standing, and a programme's report for ministries."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from services.placements.employers.exceptions import EmployerNotFound, ProgrammeNotFound
from services.placements.employers.schemas import EmployerOut, SuspensionOut
from services.placements.employers.service import EmployerView
from services.placements.placements.exceptions import InvalidDates
from services.placements.standing import service
from services.placements.standing.schemas import (
    EmployerStanding,
    ProgrammeEmployerStanding,
    ReinstateBody,
    SuspendBody,
)
from shared.auth import Forbidden, PrincipalDep
from shared.clock import NowDep, utc_date
from shared.concurrency import IfMatchHeader, expected_version
from shared.db import SessionDep
from shared.errors import (
    IllegalTransition,
    InvalidCursor,
    PreconditionFailed,
    responses,
)
from shared.pagination import Page, PageDep
from shared.responses import json_response, page_response, resource_response

router = APIRouter(tags=["employers"])
EMPLOYERS = "/v1/employers"  # the employers router's collection: actions on its items
ACTION_ERRORS = (EmployerNotFound, ProgrammeNotFound, IllegalTransition, InvalidDates,
                 PreconditionFailed, Forbidden)


def _out(employer: EmployerView) -> Response:
    return resource_response(EmployerOut, employer, collection=EMPLOYERS)


@router.post(f"{EMPLOYERS}/{{employer_id}}/suspend", response_model=EmployerOut,
             responses=responses(*ACTION_ERRORS))
async def suspend_employer(employer_id: uuid.UUID, data: SuspendBody, session: SessionDep,
                           principal: PrincipalDep, now: NowDep,
                           if_match: IfMatchHeader = None) -> Response:
    """Suspend the employer in one programme (admins, officers of that programme; never the
    employer itself: 403).

    The programme must be one of the caller's that the employer has an agreement with (404
    otherwise). In the same transaction its open vacancies in the programme are closed; while
    it is suspended there it takes no new vacancy, reopened vacancy or placement in the
    programme (409 ``employer-suspended``) and matching runs leave it out. ``reason`` is
    required and not blank; ``suspended_on`` defaults to today and is never in the future;
    ``review_on`` is not before it (422 ``invalid-dates``). An employer already suspended in the
    programme is a 409 naming its state. Answers the employer, ``standing: suspended``.
    """
    return _out(await service.suspend(session, principal=principal, employer_id=employer_id,
                                      data=data, today=utc_date(now),
                                      expected_version=expected_version(if_match)))


@router.post(f"{EMPLOYERS}/{{employer_id}}/reinstate", response_model=EmployerOut,
             responses=responses(*ACTION_ERRORS))
async def reinstate_employer(employer_id: uuid.UUID, data: ReinstateBody, session: SessionDep,
                             principal: PrincipalDep, now: NowDep,
                             if_match: IfMatchHeader = None) -> Response:
    """End the employer's suspension in one programme, with the reason (admins, officers of
    that programme).

    ``reinstated_on`` defaults to today, never in the future nor before the suspension. The
    vacancies the suspension closed stay closed: reopen those that still make sense. An
    employer not suspended in the programme is a 409 naming its state.
    """
    return _out(await service.reinstate(session, principal=principal, employer_id=employer_id,
                                        data=data, today=utc_date(now),
                                        expected_version=expected_version(if_match)))


@router.get(f"{EMPLOYERS}/{{employer_id}}/suspensions", response_model=Page[SuspensionOut],
            responses=responses(EmployerNotFound, InvalidCursor))
async def list_employer_suspensions(employer_id: uuid.UUID, session: SessionDep,
                                    principal: PrincipalDep, page: PageDep) -> Response:
    """The employer's suspensions, in force or reinstated, oldest first: who, when, why, the
    review date and the vacancies each closed. An officer sees those in their programmes;
    admins and the employer itself every one."""
    found = await service.suspensions(session, principal=principal, employer_id=employer_id,
                                      page=page)
    return page_response(SuspensionOut, found, page)


@router.get(f"{EMPLOYERS}/{{employer_id}}/standing", response_model=EmployerStanding,
            responses=responses(EmployerNotFound))
async def get_employer_standing(employer_id: uuid.UUID, session: SessionDep,
                                principal: PrincipalDep) -> Response:
    """The employer's standing in each programme the caller sees: its agreement, whether it
    is suspended (and why), how often it was, and the evidence counted (placements by status,
    check-ins with a housing issue and incidents by type, wage and housing checks with a
    deviation, evaluations, grievances by category and outcome, the workers who paid a
    recruitment fee or related cost themselves, by ILO category). Officers see their
    programmes, admins and the employer itself every one; no worker is named. The employer's
    own counts leave out the check-ins its trainees recorded themselves (their pay and dwelling
    are reported to the programme, not to it), and its ``fees_charged`` is null: it reads no
    recruitment cost (a worker reporting a fee its agent charged must not be exposed to it)."""
    return json_response(await service.employer_standing(session, principal=principal,
                                                         employer_id=employer_id))


@router.get("/v1/employer-standing", response_model=ProgrammeEmployerStanding,
            responses=responses(ProgrammeNotFound, Forbidden))
async def programme_employer_standing(
    session: SessionDep,
    principal: PrincipalDep,
    programme_id: Annotated[uuid.UUID, Query(description="One of the caller's programmes.")],
) -> Response:
    """The standing of a programme's employers: how many have an agreement, are suspended
    now, were ever suspended, the programme's evidence (the sum over its employers), and per
    employer (by name) its standing and suspensions.

    Officers of the programme and admins read exact figures, each employer's evidence
    included. A ministry of the programme reads aggregate employer standing, not workers: each
    employer's line without its evidence (null), and the programme's evidence under disclosure
    control (counts of 1 to 4 people are null, and so is every count the others would give
    away; a mean with its count). No worker appears, nor any suspension's reason.
    """
    return json_response(await service.programme_report(session, principal=principal,
                                                        programme_id=programme_id))
