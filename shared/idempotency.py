"""``Idempotency-Key`` on creating POSTs: same key and body replay the first answer.

The key row is inserted before the work, in the request's transaction: a concurrent request with
the same key waits on it and then replays the committed answer; if the work fails the row rolls
back with it, so the key is free to be retried.
"""

import hashlib
import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import orjson
from fastapi import Depends, Header, Request
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from shared import idempotency_repository as repository
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.errors import ProblemError
from shared.i18n import _

_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_REPLAYED_HEADERS = ("location", "etag", "content-type")


class InvalidIdempotencyKey(ProblemError):
    status, slug, title = 400, "invalid-idempotency-key", "Invalid Idempotency-Key"


class IdempotencyKeyReused(ProblemError):
    status, slug, title = 422, "idempotency-key-reused", "Idempotency-Key reused"


def idempotency_table(metadata: MetaData) -> Table:
    """The table a service keeps its idempotency keys in (in its own schema)."""
    return Table(
        "idempotency_key", metadata,
        Column("scope", Text, primary_key=True),
        Column("key", Text, primary_key=True),
        Column("request_hash", Text, nullable=False),
        Column("status_code", Integer),
        Column("response_body", Text),
        Column("response_headers", JSONB),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def _request_hash(payload: BaseModel | Any) -> str:
    data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


class Idempotency:
    """Runs a create at most once per key; see the module docstring."""

    def __init__(self, *, session: AsyncSession, table: Table | None, key: str | None,
                 scope: str) -> None:
        self.session, self.table, self.key, self.scope = session, table, key, scope

    async def run(self, payload: BaseModel | Any,
                  produce: Callable[[], Awaitable[Response]]) -> Response:
        """Return the stored answer for a repeated key, else ``produce()`` and store it."""
        if self.key is None or self.table is None:
            return await produce()
        request_hash = _request_hash(payload)
        claimed = await repository.claim_key(self.session, self.table, scope=self.scope,
                                             key=self.key, request_hash=request_hash)
        if not claimed:
            stored = await repository.stored_key(self.session, self.table, scope=self.scope,
                                                 key=self.key)
            if stored.request_hash != request_hash:
                raise IdempotencyKeyReused(
                    _("This Idempotency-Key was already used with a different request body.")
                )
            headers = {**(stored.response_headers or {}), "idempotent-replayed": "true"}
            return Response(stored.response_body, status_code=stored.status_code,
                            headers=headers)
        response = await produce()
        kept = {k: v for k, v in response.headers.items() if k in _REPLAYED_HEADERS}
        await repository.store_answer(self.session, self.table, scope=self.scope, key=self.key,
                                      status_code=response.status_code,
                                      body=bytes(response.body).decode(), headers=kept)
        return response


async def get_idempotency(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: Annotated[str | None, Header(
        description="Repeat a create safely: the same key and body return the first answer.",
    )] = None,
) -> Idempotency:
    """Dependency giving a route its :class:`Idempotency` for this request."""
    if idempotency_key is not None and not _VALID_KEY.match(idempotency_key):
        raise InvalidIdempotencyKey(
            _("Idempotency-Key must be 1 to 255 printable ASCII characters."))
    # Keys belong to their caller, and to the concrete path rather than the route's template:
    # a key must never replay an answer given to someone else, or under another parent object.
    scope = f"{principal.subject} {request.method} {request.url.path}"
    return Idempotency(session=session, table=getattr(request.app.state, "idempotency_table", None),
                       key=idempotency_key, scope=scope)


IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency, scope="function")]
