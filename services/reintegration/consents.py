"""The candidates service, as an export of people asks it whose consent is in force now.

An export containing people (even pseudonymised, like the follow-up rows) is a use of their
data: it lists only those whose ``data_processing`` consent (the one every applicant gives) is
in force when the export is made, and says how many it left out. This service does not own
consents, so it asks the candidates service as itself, a question signed with the internal
events secrets (``POST /internal/consents/in-force``): the caller's own token may not read
every person. An export is never made unchecked: CandidatesUnavailable (503) when the question
cannot be asked.
"""

import uuid
from collections.abc import Sequence

from fastapi import FastAPI

from services.reintegration.support.exceptions import CandidatesUnavailable
from shared.consent_states import ConsentsUnanswered, consent_states
from shared.events.signed_calls import SignedCaller
from shared.i18n import _

# The consent an export of people needs in force (the candidates service's purpose).
EXPORT_CONSENT = "data_processing"
# How many people the export left out for want of consent: a header of the answer.
LEFT_OUT_HEADER = "Pathways-Left-Out-For-Consent"


async def without_consent(app: FastAPI, candidate_ids: Sequence[uuid.UUID], *,
                          purpose: str = EXPORT_CONSENT) -> set[uuid.UUID]:
    """Those of ``candidate_ids`` whose consent for ``purpose`` is not in force now
    (withdrawn, expired or never given)."""
    if not candidate_ids:
        return set()
    client = getattr(app.state, "candidates_client", None)
    secrets = [s.get_secret_value() for s in app.state.settings.events_signing_secrets]
    if client is None or not secrets:
        raise CandidatesUnavailable(_("This service cannot ask the candidates service about "
                                      "consents: no candidates client or "
                                      "events_signing_secrets."))
    try:
        states = await consent_states(client.http, SignedCaller(secrets), purpose=purpose,
                                      candidate_ids=candidate_ids)
    except ConsentsUnanswered as exc:
        raise CandidatesUnavailable(str(exc)) from exc
    return {c for c, state in states.items() if state != "given"}
