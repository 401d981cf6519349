"""Who may see and do what in the reintegration service, declared over :mod:`shared.access`.

Everything here belongs to a programme and a candidate: a returnee case and what hangs off it,
and support measures (with or without a case):

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
sees any here (ministry, employer, institution, visa authority). Which rows each caller reads is
the repositories' ``readable_*`` statements (:func:`shared.access.conditions`).
"""

from collections.abc import Callable, Mapping
from typing import TypeVar

from shared.access import Owners, Policy, Roles
from shared.auth import ROLES, Principal
from shared.disclosure import reads_exact
from shared.errors import NotFound
from shared.i18n import N_

Row = TypeVar("Row")

# Who sees a returnee's case, follow-ups and support measures at all.
READS_PEOPLE: Roles = frozenset({"admin", "service", "officer", "candidate"})
# Who reads a programme's indicators and schedule.
READS_AGGREGATES: Roles = frozenset({"admin", "service", "officer", "ministry"})
# What a list of people's records answers the other roles (403).
LISTS_PEOPLE = N_("list returnees' cases, follow-ups or support")


def people_policy(*, name: str, not_found: type[NotFound], owners: Callable[[Row], Owners],
                  actions: Mapping[str, Roles], refusal: str) -> Policy[Row]:
    """The policy of one kind of a returnee's records: read by :data:`READS_PEOPLE` (related
    through the case's programme or candidate), a 403 for every other role before any lookup
    (``refusal``: what they may not do, a verb phrase marked with ``N_``)."""
    return Policy(name=name, not_found=not_found, owners=owners, read=READS_PEOPLE,
                  actions=actions, refuses=frozenset(ROLES) - READS_PEOPLE,
                  refusal=refusal)


def sees_small_cells(principal: Principal) -> bool:
    """Whether the caller reads exact aggregates, small cells included (officers, admins,
    services: :func:`shared.disclosure.reads_exact`)."""
    return reads_exact(principal.role)
