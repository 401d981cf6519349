"""Vacancy rules: who may publish and change them, what each stay type needs, the programme's
limits, derived columns, seats, open and closed.

A vacancy is of one stay type (work, traineeship, study, seasonal), each with its own fields
(:data:`STAY_FIELDS`); a study is hosted by a study provider, every other stay by a company.
Publishing or changing a vacancy's type or length asks the candidates service for the
programme's rules (:mod:`services.placements.programmes`) with the caller's token.
Status changes only through :func:`close` and :func:`reopen`, and :func:`close_for_suspension`
when the employer is suspended in the programme (no vacancy of a suspended employer is published
or reopened there: 409 ``employer-suspended``). The matching domain reads a programme's open
vacancies with their free seats through :func:`open_vacancies` (a suspended employer's left
out); placements
take a seat through :func:`reserve_seat`, under the vacancy's row lock, so two placements
never take the last seat twice.
"""

import calendar
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.placements import programmes
from services.placements.employers import service as employer_service
from services.placements.employers.exceptions import ProgrammeNotFound
from services.placements.upstream import CandidatesAsCaller
from services.placements.vacancies import repository
from services.placements.vacancies.exceptions import (
    HostIsStudyProvider,
    HostNotStudyProvider,
    NoAgreement,
    OccupationCodeMismatch,
    SeatsTaken,
    StayFieldsInvalid,
    VacancyInUse,
    VacancyNotFound,
    VacancyUnavailable,
)
from services.placements.vacancies.models import Vacancy
from services.placements.vacancies.schemas import VacancyCreate, VacancyUpdate
from services.placements.vocabulary import esco_occupation, skill_keys
from shared import access
from shared.access import Owners, Policy
from shared.auth import Principal
from shared.errors import IllegalTransition
from shared.i18n import N_, _, current_language
from shared.pagination import PageParams
from shared.schemas import as_columns

PUBLISHERS = access.STAFF | {"employer"}
# (action, from) -> to: the whole open/closed lifecycle.
TRANSITIONS = {"close": {"open": "closed"}, "reopen": {"closed": "open"}}
_DOCUMENTS = ("required_skills", "nice_to_have_skills", "required_languages")
# Each stay type's own fields: required for it, refused for the others.
STAY_FIELDS = {"traineeship": ("training_agreement_reference",),
               "study": ("study_programme", "qualification_level"),
               "seasonal": ("season",)}
# The columns the stay rules read, for checking a vacancy as a change would leave it.
_STAY_COLUMNS = ("stay_type", "occupation_code", "training_agreement_reference",
                 "study_programme", "qualification_level", "season", "region", "country")


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
        elif name == "occupation":
            values[name] = None if value is None else value.model_dump(mode="json")
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


def _derived_isco(values: Mapping[str, Any], *, code_sent: bool) -> str | None:
    """The ISCO-08 code of the vacancy's ESCO occupation (``values``: its columns as they
    would be stored), if it has one; 422 ``occupation-code-mismatch`` when the request sends
    (``code_sent``) another code than the occupation's."""
    occupation = values.get("occupation")
    concept = esco_occupation(occupation.get("uri") if occupation else None)
    if concept is None or concept.isco_code is None:
        return None
    if code_sent and values.get("occupation_code") != concept.isco_code:
        raise OccupationCodeMismatch(
            _("The ESCO occupation '{occupation}' is ISCO-08 {isco_code}, not {sent}: leave "
              "occupation_code out, or send that one.",
              occupation=concept.label(current_language()), isco_code=concept.isco_code,
              sent=values.get("occupation_code")),
            errors=[{"loc": ["body", "occupation_code"], "type": "isco_mismatch",
                     "msg": _("the occupation's ISCO-08 code is {isco_code}",
                              isco_code=concept.isco_code)}])
    return concept.isco_code


def _check_stay_fields(values: Mapping[str, Any]) -> None:
    """StayFieldsInvalid naming every field of ``values`` (a vacancy's columns as they would
    be stored) that does not fit its stay type, or a region outside its country."""
    stay = values["stay_type"]
    problems: dict[str, tuple[str, str]] = {}
    for owner, names in STAY_FIELDS.items():
        for name in names:
            if owner == stay and values.get(name) is None:
                problems[name] = ("missing", _("required for a {stay_type} stay",
                                               stay_type=stay))
            elif owner != stay and values.get(name) is not None:
                problems[name] = ("stay_type_mismatch",
                                  _("only for a {owner} stay, not {stay_type}", owner=owner,
                                    stay_type=stay))
    if stay != "study" and values.get("occupation_code") is None:
        problems["occupation_code"] = ("missing", _("required for a {stay_type} stay (only a "
                                                    "study may go without one)",
                                                    stay_type=stay))
    region, country = values.get("region"), values["country"]
    if region is not None and not region.startswith(f"{country}-"):
        problems["region"] = ("region_not_in_country",
                              _("{region} is not a subdivision of the vacancy's country "
                                "{country}", region=region, country=country))
    if problems:
        raise StayFieldsInvalid(
            _("Fields do not fit a {stay_type} vacancy: {fields}; see errors.",
              stay_type=stay, fields=", ".join(sorted(problems))),
            errors=[{"loc": ["body", name], "msg": message, "type": kind}
                    for name, (kind, message) in sorted(problems.items())])


def _check_host(host_kind: str, stay_type: str) -> None:
    """A study only at a study provider, and a study provider hosts nothing else (422)."""
    errors = [{"loc": ["body", "stay_type"], "type": "host_kind",
               "msg": _("not offered by a {host_kind} host", host_kind=host_kind)}]
    if stay_type == "study" and host_kind != "study_provider":
        raise HostNotStudyProvider(_("A study vacancy needs a study provider host (employer "
                                     "kind study_provider); this host is a company."),
                                   errors=errors)
    if stay_type != "study" and host_kind == "study_provider":
        raise HostIsStudyProvider(_("A study provider hosts study stays only, not "
                                    "{stay_type}.", stay_type=stay_type), errors=errors)


async def _check_programme(candidates: CandidatesAsCaller | None, programme_id: uuid.UUID, *,
                           stay_type: str, start_date: date, duration_months: int) -> None:
    """The programme runs this stay type and allows a stay this long (asked of the candidates
    service as the caller; see :mod:`services.placements.programmes`)."""
    rules = await programmes.rules(candidates, programme_id)
    programmes.check_stay_type(rules, stay_type)
    programmes.check_stay_end(rules, start=start_date,
                              end=add_months(start_date, duration_months),
                              fields=("end_date", "duration_months"))


async def create(session: AsyncSession, *, principal: Principal, data: VacancyCreate,
                 candidates: CandidatesAsCaller | None = None) -> Vacancy:
    """Publish an open vacancy for an employer that has an agreement with the programme, fit
    for its stay type and within the programme's rules."""
    access.ensure_role(principal, PUBLISHERS, N_("publish vacancies"))
    # The employer and programme named are loaded as the caller reads them: another
    # employer (for an employer) or another programme (for an officer) is a 404.
    if principal.role == "officer":
        access.ensure_programmes_visible(principal, [data.programme_id], ProgrammeNotFound)
    employer = await employer_service.get_for_reference(session, principal=principal,
                                                        employer_id=data.employer_id)
    if data.programme_id not in employer.programme_ids:
        raise NoAgreement(_("Employer {employer_id} has no agreement with programme "
                            "{programme_id}; record it on the employer first.",
                            employer_id=employer.id, programme_id=data.programme_id))
    await employer_service.ensure_may_host(session, employer_id=employer.id,
                                           programme_id=data.programme_id)
    columns = _columns(data, set(VacancyCreate.model_fields) - {"employer_id", "programme_id"})
    if code := _derived_isco(columns, code_sent="occupation_code" in data.model_fields_set):
        columns["occupation_code"] = code
    _check_stay_fields(columns)
    _check_host(employer.kind, data.stay_type)
    await _check_programme(candidates, data.programme_id, stay_type=data.stay_type,
                           start_date=data.start_date, duration_months=data.duration_months)
    return await repository.add(session, Vacancy(
        employer_id=data.employer_id, programme_id=data.programme_id, **columns,
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
                 data: VacancyUpdate, expected_version: int | None,
                 candidates: CandidatesAsCaller | None = None) -> Vacancy:
    """Change the given fields; the vacancy must still fit its stay type, its host and the
    programme's rules (422); seats never drop below those placements hold (409)."""
    vacancy = await _load_for(session, principal=principal, vacancy_id=vacancy_id,
                              action="update", expected_version=expected_version)
    changes = _columns(data, set(data.model_fields_set))
    if {"start_date", "duration_months"} & changes.keys():
        changes["end_date"] = add_months(changes.get("start_date", vacancy.start_date),
                                         changes.get("duration_months", vacancy.duration_months))
    stay_type = changes.get("stay_type", vacancy.stay_type)
    if {"occupation", "occupation_code"} & changes.keys():
        current = {"occupation": vacancy.occupation, "occupation_code": vacancy.occupation_code}
        if code := _derived_isco({**current, **changes}, code_sent="occupation_code" in changes):
            changes["occupation_code"] = code
    _check_stay_fields({name: getattr(vacancy, name) for name in _STAY_COLUMNS} | changes)
    if stay_type != vacancy.stay_type:
        _check_host(await employer_service.host_kind(session, employer_id=vacancy.employer_id),
                    stay_type)
    if {"stay_type", "duration_months"} & changes.keys():
        await _check_programme(
            candidates, vacancy.programme_id, stay_type=stay_type,
            start_date=changes.get("start_date", vacancy.start_date),
            duration_months=changes.get("duration_months", vacancy.duration_months))
    if "seats" in changes:
        taken = (await repository.seats_taken(session, [vacancy_id]))[vacancy_id]
        if changes["seats"] < taken:
            raise SeatsTaken(_("Placements already hold {taken} seats of this vacancy.",
                               taken=taken), seats_taken=taken)
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
    """Open a closed vacancy again; not while its employer is suspended in its programme
    (EmployerSuspended)."""
    # Read (unlocked: a vacancy never changes employer or programme) to lock its employer
    # before the vacancy, in the order a suspension takes them.
    vacancy = await get(session, principal=principal, vacancy_id=vacancy_id)
    await employer_service.ensure_may_host(session, employer_id=vacancy.employer_id,
                                           programme_id=vacancy.programme_id)
    return await _act(session, principal=principal, vacancy_id=vacancy_id, action="reopen",
                      expected_version=expected_version)


async def close_for_suspension(session: AsyncSession, *, employer_id: uuid.UUID,
                               programme_id: uuid.UUID) -> list[uuid.UUID]:
    """Close every open vacancy of an employer being suspended in the programme (the caller
    holds the employer's row locked and records who and why); their ids."""
    return await repository.close_open(session, employer_id=employer_id,
                                       programme_id=programme_id)


async def delete(session: AsyncSession, *, principal: Principal, vacancy_id: uuid.UUID,
                 expected_version: int | None) -> None:
    """Delete a vacancy no placement refers to (else VacancyInUse: close it instead)."""
    await _load_for(session, principal=principal, vacancy_id=vacancy_id, action="delete",
                    expected_version=expected_version)
    if not await repository.delete_unused(session, vacancy_id):
        raise VacancyInUse(_("Vacancy {vacancy_id} has placements; close it instead.",
                             vacancy_id=vacancy_id))


async def list_page(session: AsyncSession, *, principal: Principal, page: PageParams,
                    filters: dict[str, Any]) -> list[Vacancy]:
    """A page of the vacancies the caller may see; ``filters``: column -> value or None."""
    POLICY.ensure_lists(principal)
    return await repository.list_page(session, page, principal=principal,
                                      filters=filters)


# --- for matching and placements ------------------------------------------------------------


async def open_vacancies(session: AsyncSession, *, programme_id: uuid.UUID,
                         free_seats_only: bool = True) -> list[OpenVacancy]:
    """The programme's open vacancies with the seats placements hold, oldest first, but none
    of an employer suspended there; by default only those with a free seat. What a matching
    run reads."""
    vacancies = await repository.open_in_programme(session, programme_id)
    taken = await repository.seats_taken(session, (v.id for v in vacancies))
    found = [OpenVacancy(v, taken[v.id]) for v in vacancies]
    return [o for o in found if o.seats_free > 0] if free_seats_only else found


def free_seat(vacancy: Vacancy | None, *, vacancy_id: uuid.UUID, programme_id: uuid.UUID,
              taken: int) -> Vacancy:
    """``vacancy`` if a new placement of the programme may take one of its seats, ``taken``
    being held already; else VacancyNotFound or VacancyUnavailable saying why."""
    if vacancy is None:
        raise VacancyNotFound(_("No vacancy {vacancy_id}.", vacancy_id=vacancy_id))
    if vacancy.programme_id != programme_id:
        raise VacancyUnavailable(_("Vacancy {vacancy_id} belongs to another programme.",
                                   vacancy_id=vacancy_id), reason="other_programme")
    if vacancy.status != "open":
        raise VacancyUnavailable(_("Vacancy {vacancy_id} is closed.", vacancy_id=vacancy_id),
                                 reason="closed")
    if taken >= vacancy.seats:
        raise VacancyUnavailable(_("All {seats} seats of vacancy {vacancy_id} are taken.",
                                   seats=vacancy.seats, vacancy_id=vacancy_id), reason="full")
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
