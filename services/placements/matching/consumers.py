"""What the placements service does with other services' events (``POST /internal/events``).

``candidate.erased`` (from candidates): the proposals' snapshots of that candidate are blanked
(profile, gender, nationality, the explanation's skill lists), keeping ids and scores, and so
are the identity and references of their placements' visa files, check-in notes and incident
descriptions, evaluation comments, extension offers, the people's words in status-change
reasons and in their grievances (description, responses, resolution; the counts stay); the
erasure is remembered, so free text sent about them later is refused (409).
Applied once, in the inbox's transaction (shared.events.inbox): the candidates service reads
the acknowledgement as "placements forgot".
"""

from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.erasure import service as erasure_service
from services.placements.grievances import service as grievance_service
from services.placements.matching import service
from services.placements.placements import service as placement_service
from shared.events.erasure import erased_candidate
from shared.events.inbox import Handler, ReceivedEvent


async def candidate_erased(session: AsyncSession, event: ReceivedEvent) -> None:
    """Forget what placements kept of the erased candidate."""
    if (candidate_id := erased_candidate(event)) is None:
        return
    await service.forget_candidate(session, candidate_id=candidate_id)
    await placement_service.forget_candidate(session, candidate_id=candidate_id)
    await grievance_service.forget_candidate(session, candidate_id=candidate_id)
    await erasure_service.forget_candidate(session, candidate_id=candidate_id)


HANDLERS: dict[str, Handler] = {"candidate.erased": candidate_erased}
