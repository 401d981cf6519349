"""Who may see and do what in the candidates service: the object-level rules, in one place.

The gateway has checked the token; only this service knows who owns what. The rules:

============  ===============================================  ================================
role          sees                                             may also
============  ===============================================  ================================
admin         everything                                       everything
service       everything (calls between services)              read only
officer       people who applied to, were nominated for, or    open programmes; screen, select,
              were registered for one of the token's           train, register people, edit,
              ``programme_ids``                                in those programmes
institution   its own record; its nominees and the students    register its students, nominate
              it registered                                    them, edit its own record
candidate     their own profile (``candidate_id``, or the      create their profile once, apply,
              profile their account created), consents,        submit, withdraw, consent, edit
              applications and training                        and erase their profile
ministry      programmes and aggregate statistics of its       nothing on a person
              ``programme_ids``, never a person
visa_auth.    nothing here but programmes: placements asks     nothing here
              for what it may show
employer      programmes only: placements shows it             nothing here
              pseudonymised profiles
============  ===============================================  ================================

Another party's object answers 404, exactly as a missing one would: its existence is not
revealed. An action the caller's role may never take answers 403.

A caller's view of candidates is one SQL condition (:class:`CandidateScope`), used by the hot
reads, by every check of a single candidate and by every write that names one
(:func:`ensure_candidate_visible`), so lists, lookups and links cannot disagree. The view of
applications is the same rule as a SQLAlchemy condition, for the ORM queries.

Who a new candidate belongs to is decided here too (:func:`registration`): the account that
creates its own profile, the officer's programme, the institution. That is how a write may widen
its caller's view: only by registering a new person, or by the documented purpose of an action
(a candidate applying to a programme, an institution nominating its student).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.applications.exceptions import ApplicationNotFound
from services.candidates.applications.models import Application
from services.candidates.candidates.exceptions import (
    CandidateNotFound,
    ProfileExists,
    ProgrammeRequired,
)
from services.candidates.candidates.models import Candidate
from services.candidates.institutions.exceptions import InstitutionNotFound
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
# Who registers a new person: staff, an institution its students, a candidate account itself.
CREATES_PEOPLE = Depends(require_roles("admin", "officer", "institution", "candidate"))
IMPORTS_PEOPLE = Depends(require_roles("admin", "officer", "institution"))
# An institution's record is changed by admins and by the institution itself.
EDITS_INSTITUTIONS = Depends(require_roles("admin", "institution"))
READS_AGGREGATES = Depends(require_roles("admin", "service", "officer", "ministry"))
READS_INSTITUTIONS = Depends(require_roles("admin", "service", "officer", "institution"))
MATCHES = Depends(require_roles("admin", "service", "officer"))
# READS_PEOPLE as a parameter: the caller, role checked, in one dependency (the hot reads').
PeopleReader = Annotated[Principal, READS_PEOPLE]

# The conditions on ``candidates.candidate AS c``; {0}, {1}: the arguments' placeholder numbers.
_OWN_PROFILE = "(c.id = ${0} OR c.account_subject = ${1})"
_IN_PROGRAMMES = (
    "(EXISTS (SELECT 1 FROM candidates.application AS sa "
    "WHERE sa.candidate_id = c.id AND sa.programme_id = ANY(${0}::uuid[])) "
    "OR EXISTS (SELECT 1 FROM candidates.nomination AS sn "
    "WHERE sn.candidate_id = c.id AND sn.programme_id = ANY(${0}::uuid[])) "
    "OR c.registered_programme_id = ANY(${0}::uuid[]))"
)
_OWN_PEOPLE = ("(EXISTS (SELECT 1 FROM candidates.nomination AS sn "
               "WHERE sn.candidate_id = c.id AND sn.institution_id = ${0}) "
               "OR c.registered_institution_id = ${0})")


@dataclass(frozen=True, slots=True)
class CandidateScope:
    """The candidates a caller may see: a SQL condition on ``c`` and its arguments.

    ``condition`` None means every candidate.
    """

    condition: str | None = None
    arguments: tuple[Any, ...] = ()

    def sql(self, first: int) -> str:
        """The condition with its arguments at ``$first``, ``$first + 1``, …"""
        assert self.condition is not None
        return self.condition.format(*range(first, first + len(self.arguments)))


EVERYONE = CandidateScope()


def _never_sees_people(principal: Principal) -> Forbidden:
    return Forbidden(f"The role '{principal.role}' never sees a person's data in this service.")


def candidate_scope(principal: Principal) -> CandidateScope:
    """The candidates ``principal`` may see; Forbidden for roles that see no person."""
    match principal.role:
        case role if role in SEES_EVERYONE:
            return EVERYONE
        case "candidate":
            # The profile the token names, or the one this account created before its token
            # carried the id (a NULL candidate_id matches nothing).
            return CandidateScope(_OWN_PROFILE, (principal.candidate_id, principal.subject))
        case "officer":
            return CandidateScope(_IN_PROGRAMMES, (list(principal.programme_ids),))
        case "institution":
            return CandidateScope(_OWN_PEOPLE, (principal.institution_id,))
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
    if await SessionHotReads(session).fetchrow(sql, candidate_id, *scope.arguments) is None:
        raise CandidateNotFound(f"No candidate {candidate_id}.")


def within_programme(principal: Principal, programme_id: uuid.UUID) -> Principal:
    """``principal`` narrowed to one programme when it is bound to programmes (an officer).

    For a link that must belong to that programme: an officer enrols in a module of programme A
    only people of A, not those of their programme B.
    """
    if principal.role in PROGRAMME_ROLES:
        return replace(principal, programme_ids=(programme_id,))
    return principal


async def ensure_own_candidate(session: AsyncSession, principal: Principal,
                               candidate_id: uuid.UUID) -> None:
    """Forbidden when a candidate acts for somebody else (an owner link they may not set).

    Their own profile is the token's ``candidate_id``, or the one their account created.
    """
    if principal.role != "candidate" or candidate_id == principal.candidate_id:
        return
    created = await session.scalar(select(Candidate.id).where(
        Candidate.id == candidate_id, Candidate.account_subject == principal.subject))
    if created is None:
        raise Forbidden("A candidate may only act for their own profile: "
                        "candidate_id must be yours.")


@dataclass(frozen=True, slots=True)
class Registration:
    """Who a new candidate belongs to: the columns that put it in its creator's view."""

    account_subject: str | None = None
    programme_id: uuid.UUID | None = None
    institution_id: uuid.UUID | None = None


def registration(principal: Principal, *, programme_id: uuid.UUID | None,
                 institution_id: uuid.UUID | None) -> Registration:
    """The owner links of a person ``principal`` registers, the links asked for checked.

    - a candidate account creates its own profile, once (ProfileExists when the token already
      names one); it may name no programme or institution (Forbidden);
    - an officer must name one of their programmes (ProgrammeRequired, ProgrammeNotFound),
      and no institution (Forbidden);
    - an institution registers its own students: no programme (Forbidden), no other institution
      (InstitutionNotFound);
    - an admin may name a programme, an institution, both or neither.

    Whether the programme or institution exists is the caller's check (ProgrammeNotFound,
    InstitutionNotFound).
    """
    match principal.role:
        case "candidate":
            # The links first: a write naming what it may not is refused before anything else.
            if programme_id is not None or institution_id is not None:
                raise Forbidden("A candidate creates their profile only; apply to a programme "
                                "afterwards.")
            if principal.candidate_id is not None:
                raise ProfileExists("This account already has a candidate profile.")
            return Registration(account_subject=principal.subject)
        case "officer":
            if institution_id is not None:
                raise Forbidden("An officer registers people for a programme, not for an "
                                "institution.")
            if programme_id is None:
                raise ProgrammeRequired("Say which of your programmes the person is for: "
                                        "programme_id.")
            ensure_programme_in_scope(principal, programme_id)
            return Registration(programme_id=programme_id)
        case "institution":
            if programme_id is not None:
                raise Forbidden("An institution registers its students; nominate them to a "
                                "programme afterwards.")
            if principal.institution_id is None:
                raise Forbidden("This account is not linked to an institution.")
            ensure_own_institution(principal, institution_id or principal.institution_id,
                                   InstitutionNotFound)
            return Registration(institution_id=principal.institution_id)
        case "admin":
            return Registration(programme_id=programme_id, institution_id=institution_id)
    raise Forbidden(f"The role '{principal.role}' does not register people.")


def application_scope(principal: Principal) -> ColumnElement[bool] | None:
    """The applications ``principal`` may see, as a condition (None: all of them)."""
    match principal.role:
        case role if role in SEES_EVERYONE:
            return None
        case "candidate":
            return Application.candidate_id.in_(select(Candidate.id).where(or_(
                Candidate.id == principal.candidate_id,
                Candidate.account_subject == principal.subject)))
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


def institution_ids_scope(principal: Principal) -> Sequence[uuid.UUID] | None:
    """The institutions an institution's account is limited to (its own); None for others."""
    if principal.role != "institution":
        return None
    return () if principal.institution_id is None else (principal.institution_id,)


async def ensure_application_visible(session: AsyncSession, principal: Principal,
                                     application_id: uuid.UUID) -> None:
    """ApplicationNotFound unless the application exists and ``principal`` may see it."""
    statement = select(Application.id).where(Application.id == application_id)
    if (scope := application_scope(principal)) is not None:
        statement = statement.where(scope)
    if await session.scalar(statement) is None:
        raise ApplicationNotFound(f"No application {application_id}.")
