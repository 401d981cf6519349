"""Employer rules: who may register and change a host, versioned updates, deletion.

Permissions come from :data:`POLICY` and the helpers of :mod:`shared.access`:
admins and officers register employers (an officer only under agreements with their own
programmes); an employer reads and updates its own record but never its agreements nor its
kind (a company or a study provider: what decides the stays it may host).
"""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.employers import repository
from services.placements.employers.exceptions import (
    AgreementRequired,
    EmployerInUse,
    EmployerNotFound,
    ProgrammeNotFound,
)
from services.placements.employers.models import Employer
from services.placements.employers.schemas import Agreement, EmployerCreate, EmployerUpdate
from shared import access
from shared.access import Owners, Policy
from shared.auth import Principal
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
             "delete": access.STAFF},
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
    access.ensure_role(principal, access.STAFF, "register employers")
    if principal.role == "officer":
        if not data.agreements:
            raise AgreementRequired(
                "Include the employer's agreement with one of your programmes; without one "
                "you could not see it afterwards.")
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


async def _load_for(session: AsyncSession, *, principal: Principal, employer_id: uuid.UUID,
                    action: str, expected_version: int | None) -> Employer:
    """Lock the employer and check: it exists for the caller, their role may act, If-Match."""
    return POLICY.check(await repository.get(session, employer_id, principal=principal,
                                               for_update=True),
                        principal=principal, object_id=employer_id, action=action,
                        expected_version=expected_version)


async def update(session: AsyncSession, *, principal: Principal, employer_id: uuid.UUID,
                 data: EmployerUpdate, expected_version: int | None) -> Employer:
    """Change the given fields if the caller saw the current version (else 412)."""
    employer = await _load_for(session, principal=principal, employer_id=employer_id,
                               action="update", expected_version=expected_version)
    access.reject_fields(principal, data.model_fields_set, FIELDS_NOT_ALLOWED)
    changes = data.changes(repository.EmployerChanges, mode="json")
    if changes.get("kind", employer.kind) != employer.kind \
            and await repository.has_vacancies(session, employer_id):
        raise EmployerInUse(f"Employer {employer_id} has vacancies published for a "
                            f"{employer.kind}; its kind cannot change while they exist.")
    if data.agreements is not None:
        _check_officer_agreements(principal, employer.agreements, data.agreements)
        changes.update(_agreement_values(data.agreements))
    return await repository.update_versioned(session, employer_id, changes)


async def delete(session: AsyncSession, *, principal: Principal, employer_id: uuid.UUID,
                 expected_version: int | None) -> None:
    """Delete an employer that has no vacancies (else EmployerInUse)."""
    await _load_for(session, principal=principal, employer_id=employer_id, action="delete",
                    expected_version=expected_version)
    if not await repository.delete_unused(session, employer_id):
        raise EmployerInUse(f"Employer {employer_id} still has vacancies; delete them first.")


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
        raise EmployerNotFound(f"No employer {employer_id}.")
    return employer.kind
