"""Proof-of-skills credential rules: issued to the returnee on their first download of it,
once their placement completed or ended early, from what the placements service recorded of
the stay (placement, vacancy, employer, the employer's evaluation as given by then). A later
download hands out the same signed credential while it still states the current facts; once
they changed (the evaluation given or corrected after it, the host's name, …) a new credential
is issued and the old one is superseded: kept, with its bit set in the status list, so that it
no longer verifies. An officer of the programme (or an admin) revokes the current credential
by setting its bit too; a revoked credential is not handed out again, nor replaced.

Each credential's bit is drawn at random among the free ones of the status list in use (the
specification's advice: an index must not tell when, or after whom, it was issued), and a list
takes credentials until it is :data:`FILL` full, then the next one begins.

The issuer's key is made on first use, under a lock (two replicas make one key), sealed like
the gateway's token keys (:mod:`shared.signing_keys`); every key ever used stays published.
Once it exists, reading it (every signature, every status list) takes no lock.
Verification (:func:`verify`) needs nothing but what :func:`published_keys` and
:func:`status_list` serve, so a verifier can do it offline with cached copies.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.credentials import document, repository
from services.placements.credentials.exceptions import (
    CredentialNotFound,
    CredentialRevoked,
    StatusListNotFound,
)
from services.placements.credentials.models import Credential, CredentialKey
from services.placements.employers import repository as employer_repository
from services.placements.monitoring import repository as monitoring_repository
from services.placements.monitoring.exceptions import PlacementStateConflict
from services.placements.placements import service as placement_service
from services.placements.placements import state
from services.placements.placements.models import Placement
from services.placements.vacancies import repository as vacancy_repository
from services.placements.vocabulary import esco_occupation
from shared import sealing, signing_keys
from shared.auth import Principal
from shared.i18n import _
from shared.jwks import PublicKey, public_key


@dataclass(frozen=True, slots=True)
class Issuer:
    """Who signs: the API's public address (``id``, where the status lists and keys are
    served), its name, the algorithm of a new key and how long a status list is good for."""

    id: str
    name: str
    algorithm: str
    status_list_seconds: int

    def named(self) -> dict[str, str]:
        """The ``issuer`` of a credential."""
        return {"id": self.id, "name": self.name}


# --- keys -----------------------------------------------------------------------------------


async def ensure_key(session: AsyncSession, *, algorithm: str) -> document.SigningKey:
    """The key credentials are signed with, made first if there is none (safe with replicas:
    only then is the lock taken, and the keys read again under it)."""
    row = await repository.current_key(session)
    if row is None:
        await repository.lock_keys(session)
        row = await repository.current_key(session)
    if row is None:
        kid, pem, jwk = signing_keys.generate_key(algorithm)
        row = await repository.add_key(session, CredentialKey(
            kid=kid, algorithm=algorithm, private_pem=sealing.seal(pem), public_jwk=jwk))
    return document.SigningKey(kid=row.kid, algorithm=row.algorithm,
                               private_key=signing_keys.private_key(row.private_pem))


async def published_keys(session: AsyncSession) -> dict[str, list[dict[str, object]]]:
    """The issuer's JWKS: every key that ever signed a credential or a status list."""
    return {"keys": await repository.public_keys(session)}


async def _verifying_keys(session: AsyncSession) -> dict[str, PublicKey]:
    keys = (public_key(jwk) for jwk in await repository.public_keys(session))
    return {key.kid: key for key in keys if key is not None}


# --- issuing and revoking -------------------------------------------------------------------


async def _ended(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
                 action: str) -> Placement:
    """The placement, locked, after the caller's rights for ``action``; 409 naming its state
    unless its stay is over."""
    placement = await placement_service.authorize(session, principal=principal,
                                                  placement_id=placement_id, action=action,
                                                  for_update=True)
    if placement.status not in state.ENDED_STATES:
        raise PlacementStateConflict(
            _("A placement that is '{status}' has no credential; only when: {states}.",
              status=placement.status, states=", ".join(sorted(state.ENDED_STATES))),
            current_state=placement.status, allowed_states=sorted(state.ENDED_STATES))
    return placement


def _refuse_revoked(credential: Credential) -> Credential:
    if credential.revoked_at is not None:
        raise CredentialRevoked(
            _("The credential of placement {placement_id} was revoked on {revoked_at}; the "
              "programme's officers can say why.", placement_id=credential.placement_id,
              revoked_at=document.iso(credential.revoked_at)),
            revoked_at=document.iso(credential.revoked_at))
    return credential


def _occupation(named: dict[str, Any] | None) -> dict[str, str]:
    """The vacancy's occupation as the credential names it: an ESCO occupation by its URI
    (``id``) and its English label (``name``, the one an employer abroad reads; the vacancy's
    own label when it gave one), a free label by its ``name``."""
    if not named:
        return {}
    concept = esco_occupation(named.get("uri"))
    if concept is not None:
        return {"id": concept.uri, "name": named.get("label") or concept.label("en")}
    if named.get("uri"):  # another vocabulary's
        return {"id": named["uri"], "name": named.get("label") or named["uri"]}
    return {"name": named["label"]}


async def _stay(session: AsyncSession, placement: Placement) -> document.Stay:
    """What the credential says of ``placement``'s stay."""
    vacancy = await vacancy_repository.get(session, placement.vacancy_id)
    employer = await employer_repository.get(session, placement.employer_id)
    assert vacancy is not None and employer is not None  # ondelete RESTRICT
    evaluation = await monitoring_repository.evaluation(session, placement.id)
    start = placement.actual_start_date or placement.start_date
    end = placement.actual_end_date or placement.end_date
    host = {"name": employer.name, "country": employer.country,
            **({"city": employer.city} if employer.city else {})}
    occupation = {**_occupation(vacancy.occupation), "title": vacancy.title,
                  "sector": vacancy.sector,
                  **({"code": vacancy.occupation_code} if vacancy.occupation_code else {})}
    return document.Stay(
        candidate_id=str(placement.candidate_id),
        programme_id=str(placement.programme_id), stay_type=placement.stay_type,
        outcome=placement.status, start_date=start.isoformat(), end_date=end.isoformat(),
        host=host, occupation=occupation,
        skills=[*vacancy.required_skills, *vacancy.nice_to_have_skills],
        languages=list(vacancy.required_languages),
        evaluation=None if evaluation is None else {
            "technicalSkills": evaluation.technical_skills,
            "communication": evaluation.communication, "teamwork": evaluation.teamwork,
            "reliability": evaluation.reliability,
            "wouldHostAgain": evaluation.would_host_again})


async def download(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
                   issuer: Issuer, now: datetime) -> Credential:
    """The returnee's credential of their ended placement: issued and signed on the first
    download; the same one afterwards while it states the current facts, else a new one
    superseding it; 409 once revoked."""
    placement = await _ended(session, principal=principal, placement_id=placement_id,
                             action="download-credential")
    current = await repository.current(session, placement_id, for_update=True)
    if current is not None:
        _refuse_revoked(current)
    stay = await _stay(session, placement)
    if current is not None and document.states(current.token, stay):
        return current
    key = await ensure_key(session, algorithm=issuer.algorithm)
    if current is not None:
        await repository.supersede(session, current, at=now)
    while True:  # again only when another issuer took the bit drawn meanwhile
        credential_id, index = uuid.uuid4(), await status_index(session)
        payload = document.proof_of_skills(stay, credential_id=str(credential_id),
                                           issuer=issuer.named(), issued_at=now,
                                           status_index=index)
        if await repository.add_unless_index_taken(session, Credential(
                id=credential_id, placement_id=placement_id,
                candidate_id=placement.candidate_id, programme_id=placement.programme_id,
                status_index=index, kid=key.kid, token=document.sign(payload, key),
                issued_at=now, supersedes_id=None if current is None else current.id)):
            break
    issued = await repository.current(session, placement_id)
    assert issued is not None
    return issued


# A status list takes new credentials until this many of its bits are used; the next list
# begins then. Below it, a random draw hits a free bit at least once in four: DRAWS at once
# all hit used ones less than once in a hundred times (0.75 ** 16), and are drawn again.
FILL = document.LIST_SIZE * 3 // 4
DRAWS = 16


async def status_index(session: AsyncSession) -> int:
    """A free bit of the status list in use, drawn at random (``secrets``): its position
    says nothing of when the credential was issued. Another issuer may draw the same one
    before this one is stored: the insert says so (``add_unless_index_taken``)."""
    highest = await repository.highest_status_index(session)
    first = 0 if highest is None else highest // document.LIST_SIZE * document.LIST_SIZE
    if await repository.count_between(session, first=first, size=document.LIST_SIZE) >= FILL:
        first += document.LIST_SIZE
    while True:
        drawn = [first + secrets.randbelow(document.LIST_SIZE) for _ in range(DRAWS)]
        taken = await repository.taken_indexes(session, drawn)
        for index in drawn:
            if index not in taken:
                return index


async def revoke(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID,
                 reason: str, now: datetime) -> Credential:
    """Revoke the placement's credential (officers of its programme, admins): its bit is set
    in the status list from now on. 404 while none was issued, 409 when already revoked."""
    await placement_service.authorize(session, principal=principal, placement_id=placement_id,
                                      action="revoke-credential")
    credential = await repository.current(session, placement_id, for_update=True)
    if credential is None:
        raise CredentialNotFound(_("No credential was issued for placement {placement_id}.",
                                   placement_id=placement_id))
    _refuse_revoked(credential)
    await repository.revoke(session, credential, at=now, by=principal.subject, reason=reason)
    return credential


# --- status lists and verification ----------------------------------------------------------


async def status_list(session: AsyncSession, *, list_number: int, issuer: Issuer,
                      now: datetime) -> str:
    """The status list credential ``list_number`` as a signed ``vc+jwt``, good until
    ``now`` plus the issuer's ``status_list_seconds``; 404 beyond the lists in use."""
    highest = await repository.highest_status_index(session)
    if list_number > (highest or 0) // document.LIST_SIZE:
        raise StatusListNotFound(_("No status list {list_number}: no credential has its bit "
                                   "there.", list_number=list_number))
    first = list_number * document.LIST_SIZE
    revoked = await repository.set_positions(session, first=first, size=document.LIST_SIZE)
    key = await ensure_key(session, algorithm=issuer.algorithm)
    return document.sign(document.status_list_credential(
        issuer=issuer.named(), list_number=list_number, revoked=revoked, now=now,
        valid_seconds=issuer.status_list_seconds), key)


async def verify(session: AsyncSession, *, token: str, issuer: Issuer,
                 now: datetime) -> document.Verdict:
    """Whether ``token`` is a credential of this issuer, unaltered, valid at ``now`` and not
    revoked (finding ``revoked``), as anyone holding the keys and status list would find."""
    keys = await _verifying_keys(session)
    verdict = document.verify_jws(token, issuer=issuer.id, key_of=keys.get)
    if verdict.credential is None:
        return verdict
    findings = document.check_validity(verdict.credential, now=now)
    position = document.status_position(verdict.credential, issuer=issuer.id)
    if position is None:
        findings.append(document.Finding("no-status", _("The credential names no revocation "
                                                        "status of this issuer.")))
    elif (found := await repository.by_status_index(
            session, position[0] * document.LIST_SIZE + position[1])) is not None:
        if found.revoked_at is not None:
            findings.append(document.Finding("revoked", _("The issuer revoked this credential.")))
        elif found.superseded_at is not None:
            findings.append(document.Finding(
                "revoked", _("The issuer replaced this credential with one stating the current "
                             "facts (the employer's evaluation given since, say): ask its holder "
                             "for the new one.")))
    return document.Verdict(findings=tuple(findings), credential=verdict.credential)
