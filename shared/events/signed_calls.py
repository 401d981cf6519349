"""Questions one service asks another as itself, not as a caller: signed like internal events.

Some uses of a person's data need an answer the caller's own token cannot get (a visa authority
reading a visa file may not read the person in the candidates service, yet the file may show
their identity only while their consent is in force). The asking service then POSTs a JSON
question to the other's ``/internal/…`` route, signed the Standard Webhooks way with the
internal ``events_signing_secrets`` every service holds; the answering route verifies it with
:data:`VerifiedBody` (401 ``invalid-webhook-signature``, 400 ``stale-webhook``) and answers
only about what the question names. The gateway never routes ``/internal/…``.
"""

import uuid
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from shared.errors import UnprocessableEntity
from shared.events.inbox import InvalidSignature, StaleWebhook, internal_verifier
from shared.events.signing import Signer, VerificationFailed
from shared.i18n import _

Model = TypeVar("Model", bound=BaseModel)


async def verified_body(request: Request) -> bytes:
    """The request's body, once its signature is checked (a route dependency)."""
    body = await request.body()
    try:
        internal_verifier(request, "signed_calls_verifier").verify(body, request.headers)
    except VerificationFailed as failure:
        if failure.stale:
            raise StaleWebhook(failure.reason) from None
        raise InvalidSignature(failure.reason) from None
    return body


VerifiedBody = Annotated[bytes, Depends(verified_body)]


def parse(model: type[Model], body: bytes) -> Model:
    """``body`` as ``model``; a 422 problem naming the error count when it is not one."""
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        raise UnprocessableEntity(_("The question is not a {model} ({count} errors).",
                                    model=model.__name__, count=error.error_count())) from None


class SignedCaller:
    """Signs the questions this service asks the others (``secrets``: its
    ``events_signing_secrets``, the newest first)."""

    def __init__(self, secrets: list[str]) -> None:
        self._signer = Signer(secrets)

    def headers(self, body: bytes) -> dict[str, str]:
        """The headers of one signed question with ``body`` (a fresh message id each)."""
        signed = self._signer.sign(msg_id=f"call_{uuid.uuid4().hex}", body=body)
        return {"content-type": "application/json", **signed.as_dict()}
