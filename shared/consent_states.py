"""Whose consent is in force now: the signed question a service asks the candidates service.

A use of personal data that needs a consent checks it at that moment, and the candidates
service owns consents. The caller's own token may not read the person (a visa authority, an
export of many people), so the asking service asks as itself: ``POST
/internal/consents/in-force`` signed with the internal events secrets
(:class:`shared.events.signed_calls.SignedCaller`). A question that cannot be answered raises
:class:`ConsentsUnanswered`, which each service answers as its 503: a use is never made
unchecked.
"""

import uuid
from collections.abc import Collection

import httpx
import orjson
from pydantic import BaseModel, ConfigDict, ValidationError

from shared.events.signed_calls import SignedCaller
from shared.i18n import _
from shared.logs import request_id_var
from shared.service_http import RETRY_SAFE

QUESTION_PATH = "/internal/consents/in-force"
# Candidates per question (the candidates service takes up to 10,000).
QUESTION_SIZE = 5000


class ConsentsUnanswered(Exception):
    """The candidates service could not say whose consent is in force; the message says why
    (no person's data in it)."""


class _States(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    states: dict[uuid.UUID, str]


async def consent_states(http: httpx.AsyncClient, signer: SignedCaller | None, *, purpose: str,
                         candidate_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each candidate's consent for ``purpose`` now: ``given`` (in force), ``withdrawn``,
    ``expired`` or ``missing``, asked through ``http`` (a client of the candidates service)."""
    if not candidate_ids:
        return {}
    if signer is None:
        raise ConsentsUnanswered(_("This service cannot ask the candidates service about "
                                   "consents: it has no events_signing_secrets."))
    states: dict[uuid.UUID, str] = {}
    ids = list(dict.fromkeys(candidate_ids))
    for start in range(0, len(ids), QUESTION_SIZE):
        body = orjson.dumps({"purpose": purpose, "candidate_ids": [
            str(c) for c in ids[start:start + QUESTION_SIZE]]})
        headers = {"accept": "application/json", **signer.headers(body)}
        if (request_id := request_id_var.get()) != "-":
            headers["x-request-id"] = request_id
        try:
            # A question changes nothing: it may be sent again on a dropped connection.
            response = await http.post(QUESTION_PATH, content=body, headers=headers,
                                       extensions={RETRY_SAFE: True})
        except httpx.HTTPError as exc:
            raise ConsentsUnanswered(_("The candidates service could not be reached "
                                       "({error_type}); try again later.",
                                       error_type=type(exc).__name__)) from exc
        if response.status_code != 200:
            raise ConsentsUnanswered(_("The candidates service answered {status_code} "
                                       "about consents; try again later.",
                                       status_code=response.status_code))
        try:
            states.update(_States.model_validate_json(response.content).states)
        except ValidationError as exc:
            raise ConsentsUnanswered(_("The candidates service sent consents this service "
                                       "cannot read.")) from exc
    return {c: states.get(c, "missing") for c in ids}
