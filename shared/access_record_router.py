"""The routes every service serves on its own access record (the gateway composes them).

- ``GET /v1/access-log``: a candidate reads the entries about themself; the
  ``data_protection_officer`` reads everyone's, filtered by person, actor and time. Newest
  first, keyset pages by sequence number.
- ``GET /v1/access-log/verify``: the data-protection officer has the chain walked.

A person is shown the role and organisation of whoever accessed their data, not the staff
member's account id (``actor_subject`` is null unless the access was their own).
"""

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from shared import access_record_repository as repository
from shared.access_record import DPO_ROLE, ServiceAccessRecord, verify
from shared.auth import AUTH_RESPONSES, Principal, require_roles
from shared.db import SessionDep, driver_connection
from shared.errors import InvalidCursor, responses
from shared.pagination import Page, PageParams, encode_cursor, paging

READS_RECORD = Depends(require_roles("candidate", DPO_ROLE))
AUDITS = Depends(require_roles(DPO_ROLE))
# Pages keyed by the sequence number alone: newest first, the cursor the last one shown.
SeqPageDep = Annotated[PageParams, Depends(paging(int, by=()))]


class AccessEntryOut(BaseModel):
    """One entry: who accessed whose data, what, how and when. Never the data itself."""

    service: str = Field(description="The service that keeps the entry.")
    seq: int = Field(description="Its place in that service's chain.")
    recorded_at: datetime
    actor_role: str
    actor_organisation: str | None = Field(description=(
        "`employer:<id>`, `institution:<id>`, `visa_authority:<country>`, or null (programme "
        "staff)."))
    actor_subject: str | None = Field(description=(
        "The account that made the access; shown to the person only for their own."))
    by_you: bool = Field(description="The person accessed their own data.")
    on_behalf_of: str | None = Field(description="The machine client acting, if any.")
    candidate_id: uuid.UUID
    resource_type: str
    resource_id: str | None
    action: str = Field(description="`read`, `change` or `export`.")
    method: str
    route: str = Field(description="The route template, e.g. `/v1/candidates/{candidate_id}`.")
    purpose: str | None = Field(description="The purpose code the caller stated, if any.")
    request_id: str | None
    previous_hash: str
    hash: str


class ChainCheck(BaseModel):
    """What walking one service's chain found."""

    service: str
    entries: int
    intact: bool
    first_broken_sequence: int | None = Field(description=(
        "The first entry that does not follow from the one before it (changed, or after a "
        "removed one); null when intact."))


def _shown(row: Any, service: str, principal: Principal) -> AccessEntryOut:
    own = row["actor_subject"] == principal.subject
    values = dict(row.items())
    if principal.role != DPO_ROLE and not own:
        values["actor_subject"] = None
    return AccessEntryOut(service=service, by_you=own and principal.role == "candidate",
                          **values)


def access_log_router(record: ServiceAccessRecord) -> APIRouter:
    """The access-log routes of a service's ``record``."""
    table, service = record.table, record.service
    router = APIRouter(prefix="/v1/access-log", tags=["access record"],
                       responses=AUTH_RESPONSES)

    @router.get("", response_model=Page[AccessEntryOut], responses=responses(InvalidCursor))
    async def access_log(
        session: SessionDep, page: SeqPageDep,
        principal: Annotated[Principal, READS_RECORD],
        candidate_id: Annotated[uuid.UUID | None, Query(
            description="Data protection officer: only entries about this person.")] = None,
        actor: Annotated[str | None, Query(
            max_length=200, description="Data protection officer: only this account's.")] = None,
        since: Annotated[datetime | None, Query(description="Recorded at or after.")] = None,
        until: Annotated[datetime | None, Query(description="Recorded before.")] = None,
    ) -> Page[AccessEntryOut]:
        """Entries of this service's access record, newest first.

        A candidate reads the entries about themself (``candidate_id`` and ``actor`` are
        ignored); the data protection officer reads everyone's, filtered by person, actor and
        time.
        """
        if principal.role != DPO_ROLE:
            if principal.candidate_id is None:
                return Page(items=[])
            candidate_id, actor = principal.candidate_id, None
        filters = repository.EntryFilters(candidate_id=candidate_id, actor_subject=actor,
                                          since=since, until=until)
        before = int(page.after[0]) if page.after else None
        rows = await repository.page(await driver_connection(session), table, filters,
                                     before=before, limit=page.limit + 1)
        shown = [_shown(row, service, principal) for row in rows[:page.limit]]
        more = len(rows) > page.limit
        return Page(items=shown, next_cursor=encode_cursor(shown[-1].seq) if more else None)

    @router.get("/verify", response_model=ChainCheck, dependencies=[AUDITS])
    async def verify_chain(session: SessionDep) -> ChainCheck:
        """Walk this service's chain: every entry must follow from the one before it."""
        found = await verify(session, table)
        return ChainCheck(service=service, entries=found.entries, intact=found.intact,
                          first_broken_sequence=found.first_broken_sequence)

    return router
