"""Candidate rules: unique emails, derived skill keys, versioned updates, append-only consents.

Other domains of this service use ``get`` (the profile or CandidateNotFound) and
``current_consents`` (what a candidate has consented to, e.g. before submitting an application).
"""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.access import EVERYONE, CandidateScope, Registration
from services.candidates.candidates import reads, repository
from services.candidates.candidates.exceptions import (
    CandidateNotFound,
    EmailTaken,
    InvalidAvailability,
    ProfileExists,
)
from services.candidates.candidates.models import Candidate, Consent
from services.candidates.candidates.reads import CandidateFilters
from services.candidates.candidates.schemas import (
    CandidateCreate,
    CandidateUpdate,
    ConsentCreate,
)
from services.candidates.institutions.exceptions import InstitutionNotFound
from services.candidates.programmes import service as programme_service
from shared.db import HotReads
from shared.errors import PreconditionFailed
from shared.pagination import PageParams, raw_page_body
from shared.vocabulary import skill_keys

# JSONB lists are stored in their full output shape (absent optional keys written as null), so
# the hot read paths can emit them as stored.
_DOCUMENT_LISTS = ("education", "skills", "languages")


def _email_taken() -> EmailTaken:
    # The detail does not repeat the address: problem bodies may end up in logs.
    return EmailTaken("Another candidate already uses this email address.")


def _profile_exists(candidate_id: uuid.UUID) -> ProfileExists:
    return ProfileExists("This account already created its candidate profile.",
                         candidate_id=str(candidate_id))


async def ensure_registration_links(session: AsyncSession, *, links: Registration) -> None:
    """ProgrammeNotFound or InstitutionNotFound unless the programme and institution a new
    person is registered for exist (whether the caller may name them is ``access``'s rule)."""
    if links.programme_id is not None:
        await programme_service.get(session, programme_id=links.programme_id)
    if links.institution_id is not None and \
            not await repository.institution_exists(session, links.institution_id):
        raise InstitutionNotFound(f"No institution {links.institution_id}.")


async def create(session: AsyncSession, *, data: CandidateCreate,
                 links: Registration = Registration()) -> Candidate:
    """Create a candidate profile registered as ``links`` says; its email must be new
    (case-insensitively), and an account creates one profile at most (ProfileExists)."""
    await ensure_registration_links(session, links=links)
    subject = links.account_subject
    if subject is not None and (existing := await repository.profile_of(session, subject)):
        raise _profile_exists(existing)
    values = data.model_dump(include=set(CandidateCreate.model_fields))
    values["skill_keys"] = skill_keys(data.skills)
    values |= {"account_subject": subject, "registered_programme_id": links.programme_id,
               "registered_institution_id": links.institution_id}
    candidate = await repository.add(session, values)
    if candidate is None:
        # A concurrent request of the same account may have won: say so rather than "email".
        if subject is not None and (existing := await repository.profile_of(session, subject)):
            raise _profile_exists(existing)
        raise _email_taken()
    return candidate


async def get(session: AsyncSession, *, candidate_id: uuid.UUID) -> Candidate:
    """The candidate, or CandidateNotFound."""
    candidate = await repository.get(session, candidate_id)
    if candidate is None:
        raise CandidateNotFound(f"No candidate {candidate_id}.")
    return candidate


async def ensure_exists(session: AsyncSession, *, candidate_id: uuid.UUID) -> None:
    """Raise CandidateNotFound unless the candidate exists (without loading it)."""
    if not await repository.candidate_exists(session, candidate_id):
        raise CandidateNotFound(f"No candidate {candidate_id}.")


async def document(hot_reads: HotReads, *, candidate_id: uuid.UUID,
                   scope: CandidateScope = EVERYONE) -> tuple[int, str]:
    """The candidate's version and CandidateOut JSON (hot path), or CandidateNotFound when
    there is no such candidate in ``scope``."""
    found = await reads.candidate_document(hot_reads, candidate_id, scope)
    if found is None:
        raise CandidateNotFound(f"No candidate {candidate_id}.")
    return found


async def page_body(hot_reads: HotReads, *, page: PageParams, filters: CandidateFilters,
                    scope: CandidateScope = EVERYONE) -> bytes:
    """The JSON of one page of candidates in ``scope`` matching ``filters``, oldest first
    (hot path)."""
    rows = await reads.candidate_page(hot_reads, filters, page, scope)
    return raw_page_body(rows, page)


async def update(session: AsyncSession, *, candidate_id: uuid.UUID, data: CandidateUpdate,
                 expected_version: int | None) -> Candidate:
    """Change the given fields if the caller saw the current version (else 412)."""
    current = await get(session, candidate_id=candidate_id)
    changes: dict[str, Any] = data.changes()
    for name in _DOCUMENT_LISTS:
        if name in changes:
            # changes() leaves out unset keys of nested items too; store them whole.
            changes[name] = [item.model_dump(mode="json") for item in getattr(data, name)]
    if data.skills is not None:
        changes["skill_keys"] = skill_keys(data.skills)
    available_from = changes.get("available_from_date", current.available_from_date)
    available_until = changes.get("available_until_date", current.available_until_date)
    if (available_from is not None and available_until is not None
            and available_until < available_from):
        raise InvalidAvailability("available_until_date must not be before available_from_date.")
    try:
        updated = await repository.update_versioned(session, candidate_id, expected_version,
                                                    changes)
    except repository.EmailClash:
        raise _email_taken() from None
    if updated is None:
        raise PreconditionFailed(
            f"The candidate changed since version {expected_version}; read it again.",
            current_version=current.version,
        )
    return updated


async def record_consent(session: AsyncSession, *, candidate_id: uuid.UUID,
                         data: ConsentCreate) -> Consent:
    """Append a consent event (given or withdrawn); earlier events are never changed."""
    await ensure_exists(session, candidate_id=candidate_id)
    return await repository.add_consent(session, candidate_id, data.model_dump())


async def consent_history(session: AsyncSession, *,
                          candidate_id: uuid.UUID) -> tuple[list[Consent], dict[str, Consent]]:
    """Every consent event, oldest first, and the latest event per purpose."""
    await ensure_exists(session, candidate_id=candidate_id)
    events = await repository.consents(session, candidate_id)
    current = {event.purpose: event for event in events}  # oldest first: the latest wins
    return events, current


async def current_consents(session: AsyncSession, candidate_id: uuid.UUID) -> dict[str, str]:
    """Purpose → ``given`` or ``withdrawn``, from each purpose's latest event.

    A purpose never consented to is absent. It does not check that the candidate exists (an
    unknown one has no consents); call ``get`` for that. ``candidate_id`` may be passed by
    position or keyword.
    """
    return await repository.current_actions(session, candidate_id)
