"""Who may see and do what in the reintegration service: every permission rule, in one place.

Everything here hangs off a returnee case, which belongs to a programme and a candidate:

============  ==============================================  ===================================
role          sees                                            may also
============  ==============================================  ===================================
admin         everything                                      everything
service       everything (calls between services)             read only
officer       cases, follow-ups and support measures of the   assign caseworkers, record
              token's ``programme_ids``; the indicators and   answers from a call, manage
              follow-up schedules of those programmes          support, close cases, export rows
candidate     their own cases, follow-ups and support         answer their own follow-ups
ministry      the indicators of its ``programme_ids`` (small  nothing on a person: no case, no
              cells suppressed), their CSV, the schedules     follow-up row, no export of rows
employer,     nothing                                         nothing
institution
============  ==============================================  ===================================

A caseworker is an officer a case is assigned to (``caseworker_subject`` = the token's
``sub``): the assignment is what the "mine" filters select, not a permission of its own.

Another party's object answers 404, exactly as a missing one would; an action the caller's
role may never take answers 403, and so does any look at a person's data by a role that never
sees any here (ministry, employer, institution).
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false

from shared.auth import Forbidden, Principal
from shared.errors import NotFound

Roles = frozenset[str]
UNRESTRICTED: Roles = frozenset({"admin", "service"})
STAFF: Roles = frozenset({"admin", "officer"})
# Who sees a returnee's case, follow-ups and support measures at all.
READS_PEOPLE: Roles = frozenset({"admin", "service", "officer", "candidate"})
# Who reads a programme's indicators and schedule.
READS_AGGREGATES: Roles = frozenset({"admin", "service", "officer", "ministry"})
# Roles tied to programmes by the token's programme_ids.
PROGRAMME_ROLES: Roles = frozenset({"officer", "ministry"})


def _who(principal: Principal) -> str:
    role = principal.role or "caller without a role"
    return f"{'An' if role[0] in 'aeiou' else 'A'} {role}"


def ensure_role(principal: Principal, roles: Roles, doing: str) -> None:
    """403 unless the caller has one of ``roles``; ``doing`` completes "may not …"."""
    if principal.role not in roles:
        raise Forbidden(f"{_who(principal)} may not {doing}.")


@dataclass(frozen=True, slots=True)
class Owners:
    """Whom a case (and what hangs off it) belongs to."""

    programme_id: uuid.UUID
    candidate_id: uuid.UUID


def relates(principal: Principal, owners: Owners) -> bool:
    """Whether the case is the caller's business (see the module docstring)."""
    if principal.role in UNRESTRICTED:
        return True
    if principal.role == "officer":
        return owners.programme_id in principal.programme_ids
    if principal.role == "candidate":
        return principal.candidate_id is not None and principal.candidate_id == owners.candidate_id
    return False


@dataclass(frozen=True, slots=True)
class CasePolicy:
    """Who reads one kind of object of a case, and who may do each action on it."""

    name: str  # what the 404 calls it: "returnee case", "follow-up"…
    not_found: type[NotFound]
    actions: Mapping[str, Roles]

    def check(self, principal: Principal, owners: Owners | None, object_id: uuid.UUID,
              action: str | None = None) -> None:
        """In this order: a role that never sees people here (403), an object missing or not
        the caller's (404), an action the caller's role may not do (403)."""
        ensure_role(principal, READS_PEOPLE, f"see a returnee's {self.name}s")
        if owners is None or not relates(principal, owners):
            raise self.not_found(f"No {self.name} {object_id}.")
        if action is not None:
            ensure_role(principal, self.actions[action], f"{action} this {self.name}")

    def may(self, principal: Principal, action: str) -> bool:
        """Whether the caller's role may do ``action`` at all."""
        return principal.role in self.actions[action]


def case_scope(principal: Principal, *, programme_id: ColumnElement[uuid.UUID],
               candidate_id: ColumnElement[uuid.UUID]) -> list[ColumnElement[bool]]:
    """WHERE clauses limiting a list to the caller's cases (given the columns naming a row's
    programme and candidate); 403 for a role that sees no person here."""
    ensure_role(principal, READS_PEOPLE, "list returnees' cases, follow-ups or support")
    if principal.role in UNRESTRICTED:
        return []
    if principal.role == "officer":
        return [programme_id.in_(principal.programme_ids)] if principal.programme_ids \
            else [false()]
    if principal.candidate_id is None:  # a candidate account not linked to a profile
        return [false()]
    return [candidate_id == principal.candidate_id]


def ensure_programme(principal: Principal, programme_id: uuid.UUID, *, roles: Roles,
                     doing: str, not_found: type[NotFound]) -> None:
    """403 for a role outside ``roles``; 404 for an officer or ministry outside the programme."""
    ensure_role(principal, roles, doing)
    if principal.role in PROGRAMME_ROLES and programme_id not in principal.programme_ids:
        raise not_found(f"No programme {programme_id} among yours.")


def sees_small_cells(principal: Principal) -> bool:
    """Whether the caller may read breakdown cells of fewer than five people (not ministries)."""
    return principal.role != "ministry"
