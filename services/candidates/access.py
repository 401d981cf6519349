"""Who may see and do what in the candidates service: the object-level rules, in one place.

The gateway has checked the token; only this service knows who owns what. The rules:

============  ===============================================  ================================
role          sees                                             may also
============  ===============================================  ================================
admin         everything                                       everything
service       everything (calls between services)              read only
officer       people with an application or a nomination in    screen, select, train, edit, in
              one of the token's ``programme_ids``             those programmes
institution   its own record and its nominees                  nominate, edit its own record
candidate     their own profile, consents, applications and    apply, submit, withdraw, consent,
              training                                         edit and erase their profile
ministry      programmes and aggregate statistics of its       nothing on a person
              ``programme_ids``, never a person
employer      programmes only: placements shows it             nothing here
              pseudonymised profiles
============  ===============================================  ================================

Another party's object answers 404, exactly as a missing one would: its existence is not
revealed. An action the caller's role may never take answers 403.

A caller's view of candidates is one SQL condition (:class:`CandidateScope`), used by the hot
reads and by every check of a single candidate, so lists and lookups cannot disagree. The view of
applications is the same rule as a SQLAlchemy condition, for the ORM queries.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.applications.exceptions import ApplicationNotFound
from services.candidates.applications.models import Application
from services.candidates.candidates.exceptions import CandidateNotFound
from services.candidates.institutions.models import Nomination
from services.candidates.programmes.exceptions import ProgrammeNotFound
from shared.auth import Forbidden, Principal, require_roles
from shared.db import SessionHotReads

SEES_EVERYONE = frozenset({"admin", "service"})
# Roles tied to programmes by the token's programme_ids.
PROGRAMME_ROLES = frozenset({"officer", "ministry"})

# Route dependencies: who may call a route at all (403 for every other role).
STAFF = Depends(require_roles("admin", "officer"))
ADMIN = Depends(require_roles("admin"))
READS_PEOPLE = Depends(require_roles("admin", "service", "officer", "institution", "candidate"))
WRITES_PEOPLE = Depends(require_roles("admin", "officer", "candidate"))
READS_AGGREGATES = Depends(require_roles("admin", "service", "officer", "ministry"))
READS_INSTITUTIONS = Depends(require_roles("admin", "service", "officer", "institution"))
MATCHES = Depends(require_roles("admin", "service", "officer"))
# READS_PEOPLE as a parameter: the caller, role checked, in one dependency (the hot reads').
PeopleReader = Annotated[Principal, READS_PEOPLE]

# The conditions on ``candidates.candidate AS c``; {0} is the argument's placeholder number.
_OWN_PROFILE = "c.id = ${0}"
_IN_PROGRAMMES = (
    "(EXISTS (SELECT 1 FROM candidates.application AS sa "
    "WHERE sa.candidate_id = c.id AND sa.programme_id = ANY(${0}::uuid[])) "
    "OR EXISTS (SELECT 1 FROM candidates.nomination AS sn "
    "WHERE sn.candidate_id = c.id AND sn.programme_id = ANY(${0}::uuid[])))"
)
_NOMINEES = ("EXISTS (SELECT 1 FROM candidates.nomination AS sn "
             "WHERE sn.candidate_id = c.id AND sn.institution_id = ${0})")


@dataclass(frozen=True, slots=True)
class CandidateScope:
    """The candidates a caller may see: a SQL condition on ``c`` and its one argument.

    ``condition`` None means every candidate.
    """

    condition: str | None = None
    argument: Any = None

    def sql(self, placeholder: int) -> str:
        """The condition with its argument at ``$placeholder``."""
        assert self.condition is not None
        return self.condition.format(placeholder)


EVERYONE = CandidateScope()


def _never_sees_people(principal: Principal) -> Forbidden:
    return Forbidden(f"The role '{principal.role}' never sees a person's data in this service.")


def candidate_scope(principal: Principal) -> CandidateScope:
    """The candidates ``principal`` may see; Forbidden for roles that see no person."""
    match principal.role:
        case role if role in SEES_EVERYONE:
            return EVERYONE
        case "candidate":
            # A candidate account not yet linked to a profile sees nobody (NULL matches nothing).
            return CandidateScope(_OWN_PROFILE, principal.candidate_id)
        case "officer":
            return CandidateScope(_IN_PROGRAMMES, list(principal.programme_ids))
        case "institution":
            return CandidateScope(_NOMINEES, principal.institution_id)
    raise _never_sees_people(principal)


async def ensure_candidate_visible(session: AsyncSession, principal: Principal,
                                   candidate_id: uuid.UUID) -> None:
    """CandidateNotFound unless ``principal`` may see the candidate.

    For a caller who sees everyone this asks nothing: the domain's own existence check answers
    the 404 of a missing candidate, as it always has.
    """
    scope = candidate_scope(principal)
    if scope.condition is None:
        return
    sql = f"SELECT 1 FROM candidates.candidate AS c WHERE c.id = $1 AND {scope.sql(2)}"
    if await SessionHotReads(session).fetchrow(sql, candidate_id, scope.argument) is None:
        raise CandidateNotFound(f"No candidate {candidate_id}.")


def ensure_own_candidate(principal: Principal, candidate_id: uuid.UUID) -> None:
    """Forbidden when a candidate acts for somebody else (an owner link they may not set)."""
    if principal.role == "candidate" and candidate_id != principal.candidate_id:
        raise Forbidden("A candidate may only act for their own profile: "
                        "candidate_id must be yours.")


def application_scope(principal: Principal) -> ColumnElement[bool] | None:
    """The applications ``principal`` may see, as a condition (None: all of them)."""
    match principal.role:
        case role if role in SEES_EVERYONE:
            return None
        case "candidate":
            return Application.candidate_id == principal.candidate_id
        case "officer":
            return Application.programme_id.in_(principal.programme_ids)
        case "institution":
            # The institution's nominees, in the programme it nominated them for.
            return exists(select(Nomination.id).where(
                Nomination.candidate_id == Application.candidate_id,
                Nomination.programme_id == Application.programme_id,
                Nomination.institution_id == principal.institution_id,
            ))
    raise _never_sees_people(principal)


def programme_ids_scope(principal: Principal) -> Sequence[uuid.UUID] | None:
    """The programmes a programme-bound role is limited to; None for everyone else."""
    return principal.programme_ids if principal.role in PROGRAMME_ROLES else None


def ensure_programme_in_scope(principal: Principal, programme_id: uuid.UUID) -> None:
    """ProgrammeNotFound when an officer or ministry acts on a programme not theirs."""
    scope = programme_ids_scope(principal)
    if scope is not None and programme_id not in scope:
        raise ProgrammeNotFound(f"No programme {programme_id}.")


def ensure_own_institution(principal: Principal, institution_id: uuid.UUID,
                           not_found: type[Exception]) -> None:
    """``not_found`` when an institution's account reaches for another institution."""
    if principal.role == "institution" and institution_id != principal.institution_id:
        raise not_found(f"No institution {institution_id}.")


async def ensure_application_visible(session: AsyncSession, principal: Principal,
                                     application_id: uuid.UUID) -> None:
    """ApplicationNotFound unless the application exists and ``principal`` may see it."""
    statement = select(Application.id).where(Application.id == application_id)
    if (scope := application_scope(principal)) is not None:
        statement = statement.where(scope)
    if await session.scalar(statement) is None:
        raise ApplicationNotFound(f"No application {application_id}.")
