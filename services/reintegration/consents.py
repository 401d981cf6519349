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

import httpx
import orjson
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, ValidationError

from services.reintegration.support.exceptions import CandidatesUnavailable
from shared.events.signed_calls import SignedCaller

# The consent an export of people needs in force (the candidates service's purpose).
EXPORT_CONSENT = "data_processing"
# How many people the export left out for want of consent: a header of the answer.
LEFT_OUT_HEADER = "Pathways-Left-Out-For-Consent"
# Ids per question (the candidates service takes up to 10,000).
QUESTION_SIZE = 5000


class _States(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    states: dict[uuid.UUID, str]


async def without_consent(app: FastAPI, candidate_ids: Sequence[uuid.UUID], *,
                          purpose: str = EXPORT_CONSENT) -> set[uuid.UUID]:
    """Those of ``candidate_ids`` whose consent for ``purpose`` is not in force now
    (withdrawn, expired or never given)."""
    if not candidate_ids:
        return set()
    client = getattr(app.state, "candidates_client", None)
    secrets = [s.get_secret_value() for s in app.state.settings.events_signing_secrets]
    if client is None or not secrets:
        raise CandidatesUnavailable("This service cannot ask the candidates service about "
                                    "consents: no candidates client or events_signing_secrets.")
    signer = SignedCaller(secrets)
    lacking: set[uuid.UUID] = set()
    ids = list(dict.fromkeys(candidate_ids))
    for start in range(0, len(ids), QUESTION_SIZE):
        chunk = ids[start:start + QUESTION_SIZE]
        body = orjson.dumps({"purpose": purpose, "candidate_ids": [str(c) for c in chunk]})
        try:
            response = await client.http.post("/internal/consents/in-force", content=body,
                                              headers=signer.headers(body))
        except httpx.HTTPError as exc:
            raise CandidatesUnavailable(
                f"The candidates service could not be reached ({type(exc).__name__}); "
                "try again later.") from exc
        if response.status_code != 200:
            raise CandidatesUnavailable(f"The candidates service answered "
                                        f"{response.status_code} about consents; try again "
                                        "later.")
        try:
            states = _States.model_validate_json(response.content).states
        except ValidationError as exc:
            raise CandidatesUnavailable("The candidates service sent consents this service "
                                        "cannot read.") from exc
        lacking.update(c for c in chunk if states.get(c) != "given")
    return lacking
