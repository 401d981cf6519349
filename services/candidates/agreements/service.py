"""Partnership rules: who is in a programme's consortium, and which agreements its partners
signed, recorded by whom.

Staff (admins, the programme's officers) record the consortium and any agreement between its
members. An institution records the agreements it signed itself: it must be a party and a member
of the programme's consortium, and may name as counter-parties the other members (its partners
in the programme); any other institution does not exist for it (404). Agreements are read by
staff and the ministry of their programme and by the institutions that signed them.
"""

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.agreements import repository
from services.candidates.agreements.exceptions import (
    AgreementNotFound,
    AlreadyMember,
    ConsortiumMemberNotFound,
    InstitutionNotFound,
    NotAParty,
    PartyNotInConsortium,
    ProgrammeNotFound,
)
from services.candidates.agreements.models import Agreement, ConsortiumMember
from services.candidates.agreements.schemas import AgreementCreate, ConsortiumMemberCreate
from services.candidates.institutions import repository as institution_repository
from services.candidates.institutions import service as institution_service
from services.candidates.institutions.models import Institution
from services.candidates.programmes import service as programme_service
from shared.auth import Principal
from shared.clock import utc_today
from shared.i18n import _
from shared.pagination import PageParams

# An agreement with its parties, in the order they were named.
SignedAgreement = tuple[Agreement, list[Institution]]


async def _programme(session: AsyncSession, principal: Principal,
                     programme_id: uuid.UUID) -> None:
    """ProgrammeNotFound for a programme that does not exist or is not an officer's (or
    ministry's) own."""
    programme_service.ensure_in_scope(principal, programme_id)
    await programme_service.get(session, programme_id=programme_id)


# --- consortium ----------------------------------------------------------------------------


async def add_member(session: AsyncSession, *, principal: Principal, programme_id: uuid.UUID,
                     data: ConsortiumMemberCreate) -> tuple[ConsortiumMember, Institution]:
    """Take an institution into the programme's consortium, once."""
    await _programme(session, principal, programme_id)
    institution = await institution_service.get(session, institution_id=data.institution_id)
    already = AlreadyMember(f"Institution {data.institution_id} is already in the consortium "
                            f"of programme {programme_id}.")
    if await repository.is_member(session, programme_id=programme_id,
                                  institution_id=data.institution_id):
        raise already
    member = ConsortiumMember(programme_id=programme_id, institution_id=data.institution_id,
                              role=data.role, joined_on=data.joined_on or utc_today())
    try:
        return await repository.add_member(session, member), institution
    except IntegrityError as exc:
        # Programmes and institutions are never deleted: only a concurrent twin gets here.
        if institution_repository.is_unique_violation(exc):
            raise already from exc
        raise


async def ensure_consortium_readable(session: AsyncSession, *, principal: Principal,
                                     programme_id: uuid.UUID) -> None:
    """ProgrammeNotFound unless the caller may read the programme's consortium: staff and the
    ministry of the programme, and its members."""
    await _programme(session, principal, programme_id)
    if principal.role == "institution" and not await repository.is_member(
            session, programme_id=programme_id, institution_id=principal.institution_id):
        raise ProgrammeNotFound(_("No programme {programme_id} among your partnerships.",
                                  programme_id=programme_id))


async def list_members(session: AsyncSession, *, principal: Principal, programme_id: uuid.UUID,
                       page: PageParams,
                       ) -> tuple[list[ConsortiumMember], dict[uuid.UUID, Institution]]:
    """A page of the programme's consortium, and its members' institutions by id."""
    await ensure_consortium_readable(session, principal=principal, programme_id=programme_id)
    members = await repository.list_members(session, page, programme_id=programme_id)
    return members, await repository.institutions_by_id(
        session, {m.institution_id for m in members})


async def remove_member(session: AsyncSession, *, principal: Principal, programme_id: uuid.UUID,
                        institution_id: uuid.UUID) -> None:
    """Take an institution out of the programme's consortium (the agreements it signed stay)."""
    await _programme(session, principal, programme_id)
    if not await repository.remove_member(session, programme_id=programme_id,
                                          institution_id=institution_id):
        raise ConsortiumMemberNotFound(
            _("Institution {institution_id} is not in the consortium of programme "
              "{programme_id}.", institution_id=institution_id, programme_id=programme_id))


# --- agreements ----------------------------------------------------------------------------


async def _check_own_standing(session: AsyncSession, principal: Principal,
                              data: AgreementCreate) -> None:
    """An institution records only what it signed, in a programme it is a partner of."""
    own = principal.institution_id
    if own not in data.party_ids:
        raise NotAParty(_("An institution records the agreements it signed: include your own "
                          "institution ({own}) in party_ids.", own=own),
                        msg=_("must include your own institution"))
    if not await repository.is_member(session, programme_id=data.programme_id,
                                      institution_id=own):
        raise PartyNotInConsortium(
            _("Your institution is not in the consortium of programme {programme_id}: "
              "ask its officer to add it first.", programme_id=data.programme_id),
            msg=_("not in the programme's consortium"), positions=[data.party_ids.index(own)])


async def create_agreement(session: AsyncSession, *, principal: Principal,
                           data: AgreementCreate) -> SignedAgreement:
    """Record an agreement between members of the programme's consortium (see the module's
    rules for who may name whom)."""
    await _programme(session, principal, data.programme_id)
    is_institution = principal.role == "institution"
    if is_institution:
        await _check_own_standing(session, principal, data)
    found = await repository.institutions_by_id(session, data.party_ids)
    members = await repository.members_among(session, programme_id=data.programme_id,
                                             institution_ids=data.party_ids)
    for party in data.party_ids:
        # An institution reads no other institution but its partners in the programme.
        if party not in found or (is_institution and party not in members):
            raise InstitutionNotFound(_("No institution {party}.", party=party))
    if outsiders := [i for i, party in enumerate(data.party_ids) if party not in members]:
        raise PartyNotInConsortium(
            _("Agreements are recorded between members of the programme's consortium: add "
              "{institutions} to it first.",
              institutions=", ".join(str(data.party_ids[i]) for i in outsiders)),
            msg=_("not in the programme's consortium"), positions=outsiders)
    agreement = await repository.add(session, Agreement(
        **data.model_dump(exclude={"party_ids"})), data.party_ids)
    return agreement, [found[party] for party in data.party_ids]


async def get_agreement(session: AsyncSession, *, principal: Principal,
                        agreement_id: uuid.UUID) -> SignedAgreement:
    """The agreement with its parties; AgreementNotFound also for one the caller may not read."""
    agreement = await repository.get(session, agreement_id, principal=principal)
    if agreement is None:
        raise AgreementNotFound(_("No agreement {agreement_id}.", agreement_id=agreement_id))
    parties = await repository.parties_of(session, [agreement.id])
    return agreement, parties[agreement.id]


async def list_agreements(session: AsyncSession, *, principal: Principal, page: PageParams,
                          programme_id: uuid.UUID | None,
                          ) -> tuple[list[Agreement], dict[uuid.UUID, list[Institution]]]:
    """A page of the agreements the caller may read (of one programme when given), and each
    one's parties."""
    if programme_id is not None:
        programme_service.ensure_in_scope(principal, programme_id)
    agreements = await repository.list_page(session, page, principal=principal,
                                            programme_id=programme_id)
    return agreements, await repository.parties_of(session, [a.id for a in agreements])

