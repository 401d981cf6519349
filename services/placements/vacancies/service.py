"""Vacancy rules: who may publish and change them, derived columns, seats, open and closed.

Status changes only through :func:`close` and :func:`reopen`. The matching domain reads a
programme's open vacancies with their free seats through :func:`open_vacancies`; placements
take a seat through :func:`reserve_seat`, under the vacancy's row lock, so two placements
never take the last seat twice.
"""

import calendar
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.employers import service as employer_service
from services.placements.employers.exceptions import ProgrammeNotFound
from services.placements.vacancies import repository
from services.placements.vacancies.exceptions import (
    NoAgreement,
    SeatsTaken,
    VacancyInUse,
    VacancyNotFound,
    VacancyUnavailable,
)
from services.placements.vacancies.models import Vacancy
from services.placements.vacancies.schemas import VacancyCreate, VacancyUpdate
from services.placements.vocabulary import skill_keys
from shared import access
from shared.access import Owners, Policy
from shared.auth import Principal
from shared.errors import IllegalTransition
from shared.pagination import PageParams
from shared.schemas import as_columns

PUBLISHERS = access.STAFF | {"employer"}
# (action, from) -> to: the whole open/closed lifecycle.
TRANSITIONS = {"close": {"open": "closed"}, "reopen": {"closed": "open"}}
_DOCUMENTS = ("required_skills", "nice_to_have_skills", "required_languages")


@dataclass(frozen=True, slots=True)
class OpenVacancy:
    """An open vacancy and how many of its seats placements already hold."""

    vacancy: Vacancy
    seats_taken: int

    @property
    def seats_free(self) -> int:
        """Seats still to fill."""
        return max(self.vacancy.seats - self.seats_taken, 0)


def owners(vacancy: Vacancy) -> Owners:
    """Whom the vacancy belongs to: its programme and its employer."""
    return Owners(programme_ids=(vacancy.programme_id,), employer_id=vacancy.employer_id)


POLICY: Policy[Vacancy] = Policy(
    name="vacancy", not_found=VacancyNotFound, owners=owners,
    read=frozenset({"admin", "service", "officer", "employer"}),
    actions={action: PUBLISHERS for action in ("update", "close", "reopen", "delete")},
)


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day (31 Jan + 1:
    28 or 29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _columns(data: VacancyCreate | VacancyUpdate, names: set[str]) -> repository.VacancyChanges:
    """The table's columns for the API fields ``names`` of ``data``, derived ones included."""
    values: dict[str, Any] = {}
    for name in names:
        value = getattr(data, name)
        if name in _DOCUMENTS:
            values[name] = [item.model_dump(mode="json") for item in value]
        elif name == "location":
            values |= {"country": value.country, "city": value.city}
        elif name == "stipend":
            values |= {"stipend_amount": value.amount if value else None,
                       "stipend_currency": value.currency if value else None}
        else:
            values[name] = value
    for name in ("required_skills", "nice_to_have_skills"):
        if name in names:
            values[name.removesuffix("s") + "_keys"] = skill_keys(getattr(data, name))
    return as_columns(values, repository.VacancyChanges)


async def create(session: AsyncSession, *, principal: Principal,
                 data: VacancyCreate) -> Vacancy:
    """Publish an open vacancy for an employer that has an agreement with the programme."""
    access.ensure_role(principal, PUBLISHERS, "publish vacancies")
    # The employer and programme named are loaded as the caller reads them: another
    # employer (for an employer) or another programme (for an officer) is a 404.
    if principal.role == "officer":
        access.ensure_programmes_visible(principal, [data.programme_id], ProgrammeNotFound)
    employer = await employer_service.get_for_reference(session, principal=principal,
                                                        employer_id=data.employer_id)
    if data.programme_id not in employer.programme_ids:
        raise NoAgreement(f"Employer {employer.id} has no agreement with programme "
                          f"{data.programme_id}; record it on the employer first.")
    return await repository.add(session, Vacancy(
        employer_id=data.employer_id, programme_id=data.programme_id,
        **_columns(data, set(VacancyCreate.model_fields) - {"employer_id", "programme_id"}),
        end_date=add_months(data.start_date, data.duration_months)))


async def get(session: AsyncSession, *, principal: Principal, vacancy_id: uuid.UUID) -> Vacancy:
    """The vacancy, or VacancyNotFound (also for one the caller may not see)."""
    return POLICY.check(await repository.get(session, vacancy_id, principal=principal),
                        principal=principal,
                        object_id=vacancy_id)


async def _load_for(session: AsyncSession, *, principal: Principal, vacancy_id: uuid.UUID,
                    action: str, expected_version: int | None) -> Vacancy:
    """Lock the vacancy and check: it exists for the caller, their role may act, If-Match."""
    return POLICY.check(await repository.get(session, vacancy_id, principal=principal,
                                               for_update=True),
                        principal=principal, object_id=vacancy_id, action=action,
                        expected_version=expected_version)


async def update(session: AsyncSession, *, principal: Principal, vacancy_id: uuid.UUID,
                 data: VacancyUpdate, expected_version: int | None) -> Vacancy:
    """Change the given fields; seats never drop below those placements hold (409)."""
    vacancy = await _load_for(session, principal=principal, vacancy_id=vacancy_id,
                              action="update", expected_version=expected_version)
    changes = _columns(data, set(data.model_fields_set))
    if {"start_date", "duration_months"} & changes.keys():
        changes["end_date"] = add_months(changes.get("start_date", vacancy.start_date),
                                         changes.get("duration_months", vacancy.duration_months))
    if "seats" in changes:
        taken = (await repository.seats_taken(session, [vacancy_id]))[vacancy_id]
        if changes["seats"] < taken:
            raise SeatsTaken(f"Placements already hold {taken} seats of this vacancy.",
                             seats_taken=taken)
    return await repository.update_versioned(session, vacancy_id, changes)


async def _act(session: AsyncSession, *, principal: Principal, vacancy_id: uuid.UUID,
               action: str, expected_version: int | None) -> Vacancy:
    vacancy = await _load_for(session, principal=principal, vacancy_id=vacancy_id,
                              action=action, expected_version=expected_version)
    targets = TRANSITIONS[action]
    if vacancy.status not in targets:
        raise IllegalTransition(action=action, current_state=vacancy.status,
                                allowed_from=list(targets))
    return await repository.update_versioned(session, vacancy_id,
                                             {"status": targets[vacancy.status]})


async def close(session: AsyncSession, *, principal: Principal, vacancy_id: uuid.UUID,
                expected_version: int | None) -> Vacancy:
    """Close an open vacancy: matching no longer fills it; its placements go on."""
    return await _act(session, principal=principal, vacancy_id=vacancy_id, action="close",
                      expected_version=expected_version)


async def reopen(session: AsyncSession, *, principal: Principal, vacancy_id: uuid.UUID,
                 expected_version: int | None) -> Vacancy:
    """Open a closed vacancy again."""
    return await _act(session, principal=principal, vacancy_id=vacancy_id, action="reopen",
                      expected_version=expected_version)


async def delete(session: AsyncSession, *, principal: Principal, vacancy_id: uuid.UUID,
                 expected_version: int | None) -> None:
    """Delete a vacancy no placement refers to (else VacancyInUse: close it instead)."""
    await _load_for(session, principal=principal, vacancy_id=vacancy_id, action="delete",
                    expected_version=expected_version)
    if not await repository.delete_unused(session, vacancy_id):
        raise VacancyInUse(f"Vacancy {vacancy_id} has placements; close it instead.")


async def list_page(session: AsyncSession, *, principal: Principal, page: PageParams,
                    filters: dict[str, Any]) -> list[Vacancy]:
    """A page of the vacancies the caller may see; ``filters``: column -> value or None."""
    POLICY.ensure_lists(principal)
    return await repository.list_page(session, page, principal=principal,
                                      filters=filters)


# --- for matching and placements ------------------------------------------------------------


async def open_vacancies(session: AsyncSession, *, programme_id: uuid.UUID,
                         free_seats_only: bool = True) -> list[OpenVacancy]:
    """The programme's open vacancies with the seats placements hold, oldest first; by default
    only those with a free seat. What a matching run reads."""
    vacancies = await repository.open_in_programme(session, programme_id)
    taken = await repository.seats_taken(session, (v.id for v in vacancies))
    found = [OpenVacancy(v, taken[v.id]) for v in vacancies]
    return [o for o in found if o.seats_free > 0] if free_seats_only else found


def free_seat(vacancy: Vacancy | None, *, vacancy_id: uuid.UUID, programme_id: uuid.UUID,
              taken: int) -> Vacancy:
    """``vacancy`` if a new placement of the programme may take one of its seats, ``taken``
    being held already; else VacancyNotFound or VacancyUnavailable saying why."""
    if vacancy is None:
        raise VacancyNotFound(f"No vacancy {vacancy_id}.")
    if vacancy.programme_id != programme_id:
        raise VacancyUnavailable(f"Vacancy {vacancy_id} belongs to another programme.",
                                 reason="other_programme")
    if vacancy.status != "open":
        raise VacancyUnavailable(f"Vacancy {vacancy_id} is closed.", reason="closed")
    if taken >= vacancy.seats:
        raise VacancyUnavailable(f"All {vacancy.seats} seats of vacancy {vacancy_id} are taken.",
                                 reason="full")
    return vacancy


async def reserve_seat(session: AsyncSession, *, vacancy_id: uuid.UUID,
                       programme_id: uuid.UUID) -> Vacancy:
    """Lock the vacancy for a new placement: it must exist, belong to the programme, be open
    and have a free seat (VacancyNotFound, VacancyUnavailable)."""
    vacancy = await repository.get(session, vacancy_id, for_update=True)
    taken = (await repository.seats_taken(session, [vacancy_id]))[vacancy_id]
    return free_seat(vacancy, vacancy_id=vacancy_id, programme_id=programme_id, taken=taken)


async def lock_for_placements(session: AsyncSession, vacancy_ids: Iterable[uuid.UUID],
                              ) -> tuple[dict[uuid.UUID, Vacancy], dict[uuid.UUID, int]]:
    """Lock many vacancies for new placements (rows in id order, so that two callers never
    deadlock): the ones that exist, and the seats placements hold of each. Check each with
    :func:`free_seat`, counting the seats taken meanwhile."""
    vacancies = await repository.lock_many(session, vacancy_ids)
    return {v.id: v for v in vacancies}, await repository.seats_taken(
        session, (v.id for v in vacancies))
