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

Which rows each caller reads is declared next to the queries, with the shared access model
(:mod:`shared.access`): ``candidates.repository.readable_conditions`` (and its SQL twin for the
hot reads, ``readable_sql``) and ``applications.repository.readable_statement``. Every check of
a single candidate or application, and every write that names one, goes through them, so lists,
lookups and links cannot disagree.

Who a new candidate belongs to is decided by ``candidates.service.registration``: the account
that creates its own profile, the officer's programme, the institution. That is how a write may
widen its caller's view: only by registering a new person, or by the documented purpose of an
action (a candidate applying to a programme, an institution nominating its student).

This module holds the role rules only; it imports no domain of this service (they import it).
"""

import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Annotated

from fastapi import Depends

from shared import access
from shared.auth import Forbidden, Principal, require_roles
from shared.i18n import _

# Roles that see people here (each through its relation in shared.access.TIES).
PEOPLE_READERS = ("admin", "service", "officer", "institution", "candidate")
SEES_PEOPLE = frozenset(PEOPLE_READERS)

# Route dependencies: who may call a route at all (403 for every other role).
STAFF = Depends(require_roles("admin", "officer"))
ADMIN = Depends(require_roles("admin"))
# The records of data protection: erasures, retention (ids and dates, no personal data).
PRIVACY_RECORDS = Depends(require_roles("admin", "data_protection_officer"))
# The roles ensure_sees_people lets through: the express lane's reads check that one.
READS_PEOPLE = Depends(require_roles(*PEOPLE_READERS))
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

def ensure_sees_people(principal: Principal) -> None:
    """Forbidden for the roles that never see a person's data in this service."""
    if principal.role not in SEES_PEOPLE:
        raise Forbidden(_("The role '{role}' never sees a person's data in this "
                          "service.", role=principal.role))


def within_programme(principal: Principal, programme_id: uuid.UUID) -> Principal:
    """``principal`` narrowed to one programme when it is bound to programmes (an officer).

    For a link that must belong to that programme: an officer enrols in a module of programme A
    only people of A, not those of their programme B.
    """
    if principal.role in access.PROGRAMME_ROLES:
        return replace(principal, programme_ids=(programme_id,))
    return principal


def programme_ids_scope(principal: Principal) -> Sequence[uuid.UUID] | None:
    """The programmes a programme-bound role is limited to; None for everyone else."""
    return access.programme_scope(principal)


def ensure_own_institution(principal: Principal, institution_id: uuid.UUID,
                           not_found: type[Exception]) -> None:
    """``not_found`` when an institution's account reaches for another institution."""
    if principal.role == "institution" and institution_id != principal.institution_id:
        raise not_found(_("No institution {institution_id}.", institution_id=institution_id))


def institution_ids_scope(principal: Principal) -> Sequence[uuid.UUID] | None:
    """The institutions an institution's account is limited to (its own); None for others."""
    if principal.role != "institution":
        return None
    return () if principal.institution_id is None else (principal.institution_id,)
