"""Candidate rules: unique emails, derived skill keys, versioned updates, append-only consents.

Other domains of this service use ``get`` (the profile or CandidateNotFound) and
``current_consents`` (what a candidate has consented to, e.g. before submitting an application).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates import access
from services.candidates.candidates import read_repository, repository
from services.candidates.candidates.exceptions import (
    CandidateMerged,
    CandidateNotFound,
    ConsentRequired,
    EmailChangeNotAllowed,
    EmailTaken,
    InvalidAvailability,
    InvalidConsent,
    ProfileExists,
    ProgrammeRequired,
)
from services.candidates.candidates.models import Candidate, Consent
from services.candidates.candidates.read_repository import CandidateFilters
from services.candidates.candidates.repository import EVERYONE, CandidateScope
from services.candidates.candidates.schemas import (
    CandidateCreate,
    CandidateUpdate,
    ConsentCreate,
)
from services.candidates.duplicates import matching
from services.candidates.duplicates import service as duplicates_service
from services.candidates.institutions.exceptions import InstitutionNotFound
from services.candidates.programmes import service as programme_service
from shared import access as shared_access
from shared import concurrency, sealing
from shared.auth import Forbidden, Principal
from shared.db import HotReads
from shared.i18n import N_, _, translate
from shared.pagination import PageParams, raw_page_body
from shared.vocabulary import skill_keys

# JSONB lists are stored in their full output shape (absent optional keys written as null), so
# the hot read paths can emit them as stored.
_DOCUMENT_LISTS: tuple[Literal["education", "skills", "languages"], ...] = (
    "education", "skills", "languages")


def _email_taken() -> EmailTaken:
    # The detail does not repeat the address: problem bodies may end up in logs.
    return EmailTaken("Another candidate already uses this email address.")


def _profile_exists(candidate_id: uuid.UUID) -> ProfileExists:
    return ProfileExists("This account already created its candidate profile.",
                         candidate_id=str(candidate_id))


# --- who sees whom --------------------------------------------------------------------------


def hot_read_scope(principal: Principal) -> CandidateScope:
    """The candidates ``principal`` may see, for the hot reads; Forbidden for roles that see
    no person."""
    access.ensure_sees_people(principal)
    return repository.readable_sql(principal)


async def ensure_visible(session: AsyncSession, *, principal: Principal,
                         candidate_id: uuid.UUID) -> None:
    """CandidateNotFound unless ``principal`` may see the candidate.

    For a caller who sees everyone this asks nothing: the domain's own existence check answers
    the 404 of a missing candidate, as it always has.
    """
    access.ensure_sees_people(principal)
    if principal.role in shared_access.UNRESTRICTED:
        return
    if not await repository.is_readable(session, principal, candidate_id):
        raise CandidateNotFound(_("No candidate {candidate_id}.", candidate_id=candidate_id))


async def ensure_own(session: AsyncSession, *, principal: Principal,
                     candidate_id: uuid.UUID) -> None:
    """Forbidden when a candidate acts for somebody else (an owner link they may not set).

    Their own profile is the token's ``candidate_id``, or the one their account created.
    """
    if principal.role != "candidate" or candidate_id == principal.candidate_id:
        return
    if not await repository.created_by(session, candidate_id, subject=principal.subject):
        raise Forbidden(_("A candidate may only act for their own profile: "
                          "candidate_id must be yours."))


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
                raise Forbidden(_("A candidate creates their profile only; apply to a programme "
                                  "afterwards."))
            if principal.candidate_id is not None:
                raise ProfileExists(_("This account already has a candidate profile."))
            return Registration(account_subject=principal.subject)
        case "officer":
            if institution_id is not None:
                raise Forbidden(_("An officer registers people for a programme, not for an "
                                  "institution."))
            if programme_id is None:
                raise ProgrammeRequired(_("Say which of your programmes the person is for: "
                                          "programme_id."))
            programme_service.ensure_in_scope(principal, programme_id)
            return Registration(programme_id=programme_id)
        case "institution":
            if programme_id is not None:
                raise Forbidden(_("An institution registers its students; nominate them to a "
                                  "programme afterwards."))
            if principal.institution_id is None:
                raise Forbidden(_("This account is not linked to an institution."))
            access.ensure_own_institution(principal, institution_id or principal.institution_id,
                                          InstitutionNotFound)
            return Registration(institution_id=principal.institution_id)
        case "admin":
            return Registration(programme_id=programme_id, institution_id=institution_id)
    raise Forbidden(_("The role '{role}' does not register people.", role=principal.role))


async def ensure_registration_links(session: AsyncSession, *, links: Registration) -> None:
    """ProgrammeNotFound or InstitutionNotFound unless the programme and institution a new
    person is registered for exist (whether the caller may name them is ``access``'s rule)."""
    if links.programme_id is not None:
        await programme_service.get(session, programme_id=links.programme_id)
    if links.institution_id is not None and \
            not await repository.institution_exists(session, links.institution_id):
        raise InstitutionNotFound(_("No institution {institution_id}.",
                                    institution_id=links.institution_id))


async def create(session: AsyncSession, *, data: CandidateCreate,
                 links: Registration = Registration()) -> Candidate:
    """Create a candidate profile registered as ``links`` says; its email must be new
    (case-insensitively), and an account creates one profile at most (ProfileExists)."""
    await ensure_registration_links(session, links=links)
    subject = links.account_subject
    if subject is not None and (existing := await repository.profile_of(session, subject)):
        raise _profile_exists(existing)
    candidate = await repository.add(session, Candidate(
        **data.model_dump(include=set(CandidateCreate.model_fields)),
        email_digest=sealing.email_digest(data.email),
        name_key=matching.name_key(data.given_name, data.family_name),
        skill_keys=skill_keys(data.skills), account_subject=subject,
        registered_programme_id=links.programme_id,
        registered_institution_id=links.institution_id))
    if candidate is None:
        # A concurrent request of the same account may have won: say so rather than "email".
        if subject is not None and (existing := await repository.profile_of(session, subject)):
            raise _profile_exists(existing)
        raise _email_taken()
    # In this transaction: the record and its flags exist together (never blocking it).
    await duplicates_service.detect(session, candidate=candidate,
                                    found_by="sign_up" if subject is not None else "registration")
    return candidate


async def get(session: AsyncSession, *, candidate_id: uuid.UUID) -> Candidate:
    """The candidate, or CandidateNotFound."""
    candidate = await repository.get(session, candidate_id)
    if candidate is None:
        raise CandidateNotFound(_("No candidate {candidate_id}.", candidate_id=candidate_id))
    return candidate


async def ensure_exists(session: AsyncSession, *, candidate_id: uuid.UUID) -> None:
    """Raise CandidateNotFound unless the candidate exists (without loading it)."""
    if not await repository.candidate_exists(session, candidate_id):
        raise CandidateNotFound(_("No candidate {candidate_id}.", candidate_id=candidate_id))


async def document(hot_reads: HotReads, *, candidate_id: uuid.UUID,
                   scope: CandidateScope = EVERYONE) -> tuple[int, str]:
    """The candidate's version and CandidateOut JSON (hot path), or CandidateNotFound when
    there is no such candidate in ``scope``."""
    found = await read_repository.candidate_document(hot_reads, candidate_id, scope)
    if found is None:
        raise CandidateNotFound(_("No candidate {candidate_id}.", candidate_id=candidate_id))
    version, body, merged_into = found
    if merged_into is not None:
        raise CandidateMerged(_("Candidate {candidate_id} was merged into {merged_into}.",
                                candidate_id=candidate_id, merged_into=merged_into),
                              merged_into=str(merged_into))
    return version, body


async def page_body(hot_reads: HotReads, *, page: PageParams, filters: CandidateFilters,
                    scope: CandidateScope = EVERYONE) -> tuple[bytes, list[uuid.UUID]]:
    """The JSON of one page of candidates in ``scope`` matching ``filters``, oldest first
    (hot path), and the ids of the people on it."""
    rows = await read_repository.candidate_page(hot_reads, filters, page, scope)
    return raw_page_body(rows, page), [row["id"] for row in rows[:page.limit]]


async def update(session: AsyncSession, *, candidate_id: uuid.UUID, data: CandidateUpdate,
                 expected_version: int | None, may_change_email: bool = True) -> Candidate:
    """Change the given fields if the caller saw the current version (else 412); without
    ``may_change_email`` (a candidate's own edit) the e-mail may only be sent unchanged."""
    current = await get(session, candidate_id=candidate_id)
    changes = data.changes(repository.CandidateChanges)
    if not may_change_email and "email" in changes and \
            sealing.email_digest(changes["email"]) != current.email_digest:
        # Refused before any lookup: the answer is the same whether the address is taken.
        raise EmailChangeNotAllowed(
            _("Your profile's e-mail is changed by your programme's officer, not here."))
    for name in _DOCUMENT_LISTS:
        if name in changes:
            # changes() leaves out unset keys of nested items too; store them whole.
            changes[name] = [item.model_dump(mode="json") for item in getattr(data, name)]
    if data.skills is not None:
        changes["skill_keys"] = skill_keys(data.skills)
    if "given_name" in changes or "family_name" in changes:
        changes["name_key"] = matching.name_key(
            changes.get("given_name", current.given_name),
            changes.get("family_name", current.family_name))
    if "email" in changes:  # unique by its digest
        changes["email_digest"] = sealing.email_digest(changes["email"])
    available_from = changes.get("available_from_date", current.available_from_date)
    available_until = changes.get("available_until_date", current.available_until_date)
    if (available_from is not None and available_until is not None
            and available_until < available_from):
        raise InvalidAvailability(_("available_until_date must not be before available_from_date."))
    try:
        updated = await repository.update_versioned(session, candidate_id, expected_version,
                                                    changes)
    except repository.EmailClash:
        raise _email_taken() from None
    if updated is None:
        raise concurrency.stale(N_("The candidate changed since version {version}; read it again."),
                                expected=expected_version, current=current.version)
    return updated


# --- consents ------------------------------------------------------------------------------
# The purposes the system checks at the moment of use (a programme may require others to apply).
DATA_PROCESSING = "data_processing"  # every applicant's: matching, exports of people
VISA_FILE_SHARING = "visa_file_sharing"  # the identity in the placement's visa file
PARTNER_SHARING = "partner_sharing"  # personal data in a partner's webhook delivery
# Who records their own consent, and who enters one on the person's behalf.
_STAFF = frozenset({"admin", "officer"})


def given_by_kind(role: str | None) -> str | None:
    """``data_subject`` when the person recorded the event themself, ``representative`` when
    someone did on their behalf; None when it was not kept."""
    if role is None:
        return None
    return "data_subject" if role == "candidate" else "representative"


async def record_consent(session: AsyncSession, *, candidate_id: uuid.UUID,
                         data: ConsentCreate, principal: Principal) -> Consent:
    """Append a consent event (given or withdrawn) with its ISO/IEC TS 27560 fields; earlier
    events are never changed.

    Left out, the method is the caller's (the person's own online form, or a paper form an
    officer enters), the jurisdiction the person's country of residence. A person records only
    their own online form, with an expiry still to come (InvalidConsent).
    """
    residence = await repository.residence_country(session, candidate_id)
    if residence is None:
        raise CandidateNotFound(_("No candidate {candidate_id}.", candidate_id=candidate_id))
    staff = principal.role in _STAFF
    method = data.method or ("paper_form" if staff else "online_form")
    if not staff and method != "online_form":
        raise InvalidConsent(_("A person records their own consent with the online form; a "
                               "paper form is entered by an officer."), field="method")
    if not staff and data.expires_at is not None and data.expires_at <= datetime.now(UTC):
        raise InvalidConsent(_("expires_at must be in the future."), field="expires_at")
    return await repository.add_consent(session, Consent(
        candidate_id=candidate_id, purpose=data.purpose, legal_basis=data.legal_basis,
        text_version=data.text_version, action=data.action, expires_at=data.expires_at,
        given_by_subject=principal.subject, given_by_role=principal.role,
        jurisdiction=data.jurisdiction or residence, method=method))


def state_now(consent: Consent) -> str:
    """What ``consent`` means now: ``given``, ``withdrawn`` or ``expired``."""
    if consent.action == "given" and consent.expires_at is not None \
            and consent.expires_at <= datetime.now(UTC):
        return "expired"
    return consent.action


async def consent_history(
    session: AsyncSession, *, candidate_id: uuid.UUID,
) -> tuple[list[tuple[Consent, str]], dict[str, tuple[Consent, str]]]:
    """Every consent event with its state now, oldest first, and the latest per purpose."""
    await ensure_exists(session, candidate_id=candidate_id)
    events = await repository.consents(session, candidate_id)
    current = {event.purpose: (event, state) for event, state in events}  # the latest wins
    return events, current


async def ensure_consent(session: AsyncSession, *, candidate_id: uuid.UUID,
                         purpose: str) -> None:
    """ConsentRequired unless the candidate's consent for ``purpose`` is in force now (given,
    neither withdrawn since nor expired)."""
    state = (await repository.current_actions(session, candidate_id)).get(purpose)
    if state != "given":
        sentence = {"withdrawn": N_("The candidate withdrew their consent to {purpose}."),
                    "expired": N_("The candidate let expire their consent to {purpose}.")}.get(
            state or "", N_("The candidate has not given their consent to {purpose}."))
        raise ConsentRequired(translate(sentence, purpose=purpose),
                              purpose=purpose, candidate_id=str(candidate_id),
                              consent_state=state or "missing")


async def consent_states(session: AsyncSession, *, candidate_ids: Sequence[uuid.UUID],
                         purpose: str) -> dict[uuid.UUID, str]:
    """Each of ``candidate_ids``' consent for ``purpose`` now: ``given`` (in force),
    ``withdrawn``, ``expired`` or ``missing`` (never recorded, or no such candidate)."""
    found = await repository.states_among(session, candidate_ids, purpose=purpose)
    return {candidate: found.get(candidate, "missing") for candidate in candidate_ids}


async def visa_identity(session: AsyncSession, *, candidate_id: uuid.UUID) -> Candidate:
    """The candidate, whose identity goes into their visa file; ConsentRequired unless their
    ``visa_file_sharing`` consent is in force (CandidateNotFound when there is no such one)."""
    candidate = await get(session, candidate_id=candidate_id)
    await ensure_consent(session, candidate_id=candidate_id, purpose=VISA_FILE_SHARING)
    return candidate


async def current_consents(session: AsyncSession, candidate_id: uuid.UUID) -> dict[str, str]:
    """Purpose → ``given``, ``withdrawn`` or ``expired`` (now), from each purpose's latest
    event.

    A purpose never consented to is absent. It does not check that the candidate exists (an
    unknown one has no consents); call ``get`` for that. ``candidate_id`` may be passed by
    position or keyword.
    """
    return await repository.current_actions(session, candidate_id)
