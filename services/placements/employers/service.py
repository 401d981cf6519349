"""Employer rules: who may register and change a host, versioned updates, deletion.

Permissions come from :data:`POLICY` and the helpers of :mod:`shared.access`:
admins and officers register employers (an officer only under agreements with their own
programmes); an employer reads and updates its own record but never its agreements nor its
kind (a company or a study provider: what decides the stays it may host).

An employer may be suspended in a programme (:mod:`services.placements.standing`); what a
suspension forbids elsewhere in the service is asked here: :func:`ensure_may_host` (one
employer) and :func:`suspended_hosts` (the hosts of many vacancies), each after share-locking
the employers' rows so that a suspension being recorded is waited for, and one recorded later
sees what they made. Reads show the suspensions in force the caller may see
(:class:`EmployerView`).
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.employers import repository
from services.placements.employers.exceptions import (
    AgreementRequired,
    EmployerInUse,
    EmployerNotFound,
    EmployerSuspended,
    ProgrammeNotFound,
)
from services.placements.employers.models import Employer, EmployerSuspension
from services.placements.employers.schemas import Agreement, EmployerCreate, EmployerUpdate
from shared import access
from shared.access import Owners, Policy
from shared.auth import Principal
from shared.i18n import N_, _
from shared.pagination import PageParams

# Agreements are signed with the programme, and the kind decides which stays the host may
# offer: the employer itself may write neither.
FIELDS_NOT_ALLOWED = {"employer": frozenset({"agreements", "kind"})}


def owners(employer: Employer) -> Owners:
    """Whom the employer record belongs to: itself and the programmes it has agreements with."""
    return Owners(programme_ids=tuple(employer.programme_ids), employer_id=employer.id)


POLICY: Policy[Employer] = Policy(
    name="employer", not_found=EmployerNotFound, owners=owners,
    read=frozenset({"admin", "service", "officer", "employer"}),
    actions={"update": frozenset({"admin", "officer", "employer"}),
             "delete": access.STAFF,
             # In a programme of the caller's (services.placements.standing); never itself.
             "suspend": access.STAFF, "reinstate": access.STAFF},
)


def _agreement_values(agreements: list[Agreement]) -> repository.EmployerChanges:
    return {"agreements": [a.model_dump(mode="json") for a in agreements],
            "programme_ids": [a.programme_id for a in agreements]}


def _check_officer_agreements(principal: Principal, before: list[dict[str, Any]],
                              after: list[Agreement]) -> None:
    """An officer may add, change or drop agreements of their own programmes only: naming a
    programme not theirs that the employer had no agreement with is a 404 (as if it did not
    exist); changing or dropping another programme's existing agreement a 403."""
    if principal.role != "officer":
        return
    kept_before = {str(a["programme_id"]): a for a in before}
    after_json = {str(a.programme_id): a.model_dump(mode="json") for a in after}
    access.ensure_programmes_visible(
        principal, (uuid.UUID(p) for p in after_json.keys() - kept_before.keys()),
        ProgrammeNotFound)
    touched = {p for p in kept_before.keys() | after_json.keys()
               if kept_before.get(p) != after_json.get(p)}
    access.ensure_programmes(principal, (uuid.UUID(p) for p in touched), "change agreements")


async def create(session: AsyncSession, *, principal: Principal,
                 data: EmployerCreate) -> Employer:
    """Register a host company (admins, and officers under their programmes' agreements)."""
    access.ensure_role(principal, access.STAFF, N_("register employers"))
    if principal.role == "officer":
        if not data.agreements:
            raise AgreementRequired(_(
                "Include the employer's agreement with one of your programmes; without one "
                "you could not see it afterwards."))
        access.ensure_programmes_visible(principal, (a.programme_id for a in data.agreements),
                                         ProgrammeNotFound)
    return await repository.add(session, Employer(
        **data.model_dump(mode="json", exclude={"agreements"}),
        **_agreement_values(data.agreements)))


async def get(session: AsyncSession, *, principal: Principal, employer_id: uuid.UUID) -> Employer:
    """The employer, or EmployerNotFound (also for one the caller may not see)."""
    return POLICY.check(await repository.get(session, employer_id, principal=principal),
                        principal=principal,
                        object_id=employer_id)


async def get_for_reference(session: AsyncSession, *, principal: Principal,
                            employer_id: uuid.UUID) -> Employer:
    """The employer a new row will refer to, kept from deletion until the transaction ends
    (the lock a foreign key takes anyway, taken early); EmployerNotFound like :func:`get`."""
    return POLICY.check(await repository.get(session, employer_id, principal=principal,
                                               key_share=True),
                        principal=principal, object_id=employer_id)


async def lock_for_action(session: AsyncSession, *, principal: Principal,
                          employer_id: uuid.UUID, action: str,
                          expected_version: int | None) -> Employer:
    """Lock the employer and check: it exists for the caller, their role may act, If-Match."""
    return POLICY.check(await repository.get(session, employer_id, principal=principal,
                                               for_update=True),
                        principal=principal, object_id=employer_id, action=action,
                        expected_version=expected_version)


async def update(session: AsyncSession, *, principal: Principal, employer_id: uuid.UUID,
                 data: EmployerUpdate, expected_version: int | None) -> Employer:
    """Change the given fields if the caller saw the current version (else 412)."""
    employer = await lock_for_action(session, principal=principal, employer_id=employer_id,
                               action="update", expected_version=expected_version)
    access.reject_fields(principal, data.model_fields_set, FIELDS_NOT_ALLOWED)
    changes = data.changes(repository.EmployerChanges, mode="json")
    if changes.get("kind", employer.kind) != employer.kind \
            and await repository.has_vacancies(session, employer_id):
        raise EmployerInUse(_("Employer {employer_id} has vacancies published for a "
                              "{kind}; its kind cannot change while they exist.",
                              employer_id=employer_id, kind=employer.kind))
    if data.agreements is not None:
        _check_officer_agreements(principal, employer.agreements, data.agreements)
        changes.update(_agreement_values(data.agreements))
    return await repository.update_versioned(session, employer_id, changes)


async def delete(session: AsyncSession, *, principal: Principal, employer_id: uuid.UUID,
                 expected_version: int | None) -> None:
    """Delete an employer that has no vacancies (else EmployerInUse)."""
    await lock_for_action(session, principal=principal, employer_id=employer_id, action="delete",
                    expected_version=expected_version)
    if not await repository.delete_unused(session, employer_id):
        raise EmployerInUse(_("Employer {employer_id} still has vacancies (delete them "
                              "first) or a history of suspensions (kept).",
                              employer_id=employer_id))


async def list_page(session: AsyncSession, *, principal: Principal, page: PageParams,
                    country: str | None, sector: str | None, size: str | None,
                    kind: str | None, programme_id: uuid.UUID | None) -> list[Employer]:
    """A page of the employers the caller may see, matching the filters."""
    POLICY.ensure_lists(principal)
    return await repository.list_page(session, page, principal=principal,
                                      country=country, sector=sector, size=size, kind=kind,
                                      programme_id=programme_id)


async def host_kind(session: AsyncSession, *, employer_id: uuid.UUID) -> str:
    """The kind of an existing employer (a vacancy's own host: no caller to authorise)."""
    employer = await repository.get(session, employer_id)
    if employer is None:
        raise EmployerNotFound(_("No employer {employer_id}.", employer_id=employer_id))
    return employer.kind


# --- standing -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EmployerView:
    """An employer as a caller reads it: its columns, and the suspensions in force in the
    programmes the caller sees (:func:`visible_programmes`)."""

    employer: Employer
    suspensions: Sequence[EmployerSuspension]

    @property
    def standing(self) -> str:
        """``suspended`` while a suspension it shows is in force, else ``active``."""
        return "suspended" if self.suspensions else "active"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.employer, name)


def visible_programmes(principal: Principal) -> Sequence[uuid.UUID] | None:
    """The programmes whose suspensions the caller sees: an officer's own; None (every one)
    for admins, services and the employer itself."""
    return access.programme_scope(principal)


async def views(session: AsyncSession, *, principal: Principal,
                employers: Iterable[Employer]) -> list[EmployerView]:
    """``employers`` (already authorised) with the suspensions in force the caller sees."""
    employers = list(employers)
    found: dict[uuid.UUID, list[EmployerSuspension]] = defaultdict(list)
    for suspension in await repository.suspensions_in_force(
            session, (e.id for e in employers), programme_ids=visible_programmes(principal)):
        found[suspension.employer_id].append(suspension)
    return [EmployerView(e, found.get(e.id, [])) for e in employers]


async def view(session: AsyncSession, *, principal: Principal, employer: Employer) -> EmployerView:
    """One employer as :func:`views` shows it."""
    [one] = await views(session, principal=principal, employers=[employer])
    return one


def suspended_error(*, employer_id: uuid.UUID, programme_id: uuid.UUID) -> EmployerSuspended:
    """The 409 refusing a vacancy or placement with an employer suspended in the programme."""
    return EmployerSuspended(_("Employer {employer_id} is suspended in programme "
                               "{programme_id}: it takes no vacancy or placement there until "
                               "it is reinstated.", employer_id=employer_id,
                               programme_id=programme_id), employer_id=str(employer_id),
                             programme_id=str(programme_id))


async def ensure_may_host(session: AsyncSession, *, employer_id: uuid.UUID,
                          programme_id: uuid.UUID) -> None:
    """EmployerSuspended while the employer is suspended in the programme; share-locks the
    employer's row first (see the module docstring): call it before locking a vacancy."""
    await repository.lock_hosts(session, [employer_id])
    if await repository.suspended_among(session, [employer_id], programme_id=programme_id):
        raise suspended_error(employer_id=employer_id, programme_id=programme_id)


async def suspended_hosts(session: AsyncSession, *, programme_id: uuid.UUID,
                          vacancy_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which hosts of these vacancies are suspended in the programme (their rows share-locked
    first, like :func:`ensure_may_host`)."""
    hosts = await repository.hosts_of(session, vacancy_ids)
    await repository.lock_hosts(session, hosts)
    return await repository.suspended_among(session, hosts, programme_id=programme_id)


async def touch(session: AsyncSession, *, principal: Principal,
                employer_id: uuid.UUID) -> EmployerView:
    """Bump the version (the ETag) of an employer the caller holds locked whose standing
    changed; the employer as the caller reads it now."""
    employer = await repository.update_versioned(session, employer_id, {})
    return await view(session, principal=principal, employer=employer)


async def kept_out_of_matching(session: AsyncSession, *,
                               programme_id: uuid.UUID) -> list[tuple[uuid.UUID, int]]:
    """The employers suspended in the programme, each with how many of its vacancies there
    the suspension keeps out of matching (what a run reports leaving out)."""
    return await repository.kept_out_of_matching(session, programme_id)
