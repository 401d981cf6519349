"""Erasure in placements: what ``candidate.erased`` makes the service forget, and the refusal
of free text about an erased candidate afterwards (409, as reintegration does).

The matching proposals' snapshots are matching's own (:mod:`services.placements.matching`);
the consumer calls both.
"""

import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.erasure import repository
from services.placements.erasure.exceptions import CandidateErased
from shared.i18n import _


async def forget_candidate(session: AsyncSession, *, candidate_id: uuid.UUID) -> None:
    """Remember the erasure and blank the free text of the candidate's placements."""
    await repository.record_erasure(session, candidate_id)
    ids = await repository.placement_ids(session, candidate_id)
    await repository.blank_free_text(session, ids)
    await repository.forget_stored_answers(session, [candidate_id, *ids])


async def refuse_free_text(session: AsyncSession, *, placement_id: uuid.UUID,
                           texts: Iterable[str | None], fields: str) -> None:
    """409 when any of ``texts`` (the request's ``fields``, named in the problem) is given
    about the erased candidate of ``placement_id``."""
    if not any(texts):
        return
    candidate_id = await repository.candidate_of(session, placement_id)
    if candidate_id is not None and await repository.is_erased(session, candidate_id):
        raise CandidateErased(_("The candidate's personal data was erased: send no free text "
                                "about them ({fields}).", fields=fields))
