"""Institution rules: versioned updates, and nominations of existing candidates, once each."""

import uuid
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.candidates import service as candidate_service
from services.candidates.duplicates import service as duplicates_service
from services.candidates.institutions import repository
from services.candidates.institutions.exceptions import (
    AlreadyNominated,
    InstitutionNotFound,
    NominationConflict,
)
from services.candidates.institutions.models import Institution, Nomination
from services.candidates.institutions.schemas import (
    InstitutionCreate,
    InstitutionUpdate,
    NominationCreate,
)
from services.candidates.programmes import service as programme_service
from shared import concurrency
from shared.i18n import N_, _
from shared.pagination import PageParams


async def create(session: AsyncSession, *, data: InstitutionCreate) -> Institution:
    """Register a partner institution."""
    return await repository.add(session, Institution(**data.model_dump()))


async def get(session: AsyncSession, *, institution_id: uuid.UUID) -> Institution:
    """The institution, or InstitutionNotFound."""
    institution = await repository.get(session, institution_id)
    if institution is None:
        raise InstitutionNotFound(_("No institution {institution_id}.",
                                    institution_id=institution_id))
    return institution


async def update(session: AsyncSession, *, institution_id: uuid.UUID, data: InstitutionUpdate,
                 expected_version: int | None) -> Institution:
    """Change the given fields if the caller saw the current version (else 412)."""
    current = await get(session, institution_id=institution_id)
    changes = data.changes(repository.InstitutionChanges)
    updated = await repository.update_versioned(session, institution_id, expected_version,
                                                changes)
    if updated is None:
        raise concurrency.stale(N_("The institution changed since version {version}"
                                   "; read it again."),
                                expected=expected_version, current=current.version)
    return updated


async def list_page(session: AsyncSession, *, page: PageParams, country: str | None,
                    kind: str | None,
                    ids: Sequence[uuid.UUID] | None = None) -> list[Institution]:
    """A page of institutions matching the filters, among ``ids`` when given."""
    return await repository.list_page(session, page, country=country, kind=kind, ids=ids)


async def _ensure_institution(session: AsyncSession, institution_id: uuid.UUID) -> None:
    if not await repository.exists(session, institution_id):
        raise InstitutionNotFound(_("No institution {institution_id}.",
                                    institution_id=institution_id))


async def nominate(session: AsyncSession, *, institution_id: uuid.UUID,
                   data: NominationCreate) -> Nomination:
    """Nominate an existing candidate for an existing programme, at most once."""
    await _ensure_institution(session, institution_id)
    await candidate_service.ensure_exists(session, candidate_id=data.candidate_id)
    await programme_service.get(session, programme_id=data.programme_id)
    if await repository.nomination_exists(session, institution_id=institution_id,
                                          candidate_id=data.candidate_id,
                                          programme_id=data.programme_id):
        raise AlreadyNominated(
            _("Institution {institution_id} already nominated candidate {candidate_id} "
              "for programme {programme_id}.",
              institution_id=institution_id, candidate_id=data.candidate_id,
              programme_id=data.programme_id))
    try:
        nomination = await repository.add_nomination(
            session, Nomination(institution_id=institution_id, **data.model_dump()))
    except IntegrityError as exc:
        # The checks above passed, so a concurrent request got in between: the same
        # nomination committed first, or the candidate was erased. Either way a 409, not a 500.
        if repository.is_unique_violation(exc):
            raise AlreadyNominated(
                _("Institution {institution_id} already nominated candidate "
                  "{candidate_id} for programme {programme_id}.",
                  institution_id=institution_id, candidate_id=data.candidate_id,
                  programme_id=data.programme_id)) from exc
        raise NominationConflict(
            _("The candidate, programme or institution changed while nominating; "
              "read them again.")) from exc
    # A nomination brings the person before a programme: look for their other records then.
    await duplicates_service.detect(
        session, candidate=await candidate_service.get(session, candidate_id=data.candidate_id),
        found_by="nomination")
    return nomination


async def list_nominations(session: AsyncSession, *, institution_id: uuid.UUID,
                           page: PageParams, programme_id: uuid.UUID | None,
                           programme_ids: Sequence[uuid.UUID] | None = None) -> list[Nomination]:
    """A page of the institution's nominations, optionally for one programme or limited to
    ``programme_ids``."""
    await _ensure_institution(session, institution_id)
    return await repository.list_nominations(session, page, institution_id=institution_id,
                                             programme_id=programme_id,
                                             programme_ids=programme_ids)
