"""Admins manage accounts and machine clients: list, read, re-link, disable, enable, delete.

Every change that narrows what a principal may do (its links, its password, disabling or
deleting it) revokes its tokens issued before the change: the gateway and every service refuse
them from their next request on (within about a second: services poll the revocation feed).
The principal gets a new token, carrying the new links, from ``POST /v1/auth/token``.
"""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from gateway import identity
from gateway.models import Account, MachineClient
from gateway.schemas import (
    AccountOut,
    AccountPage,
    AccountUpdate,
    ClientOut,
    ClientPage,
    ClientUpdate,
    Role,
)
from shared.auth import Forbidden, InvalidToken, Principal, require_roles
from shared.db import SessionDep
from shared.errors import InvalidCursor, responses
from shared.pagination import MAX_PAGE_SIZE, PageDep, decode_cursor, encode_cursor, page_of
from shared.responses import json_response

router = APIRouter(tags=["admin"])
AdminDep = Annotated[Principal, Depends(require_roles("admin"))]
_AUTH = (InvalidToken, Forbidden)
_ACCOUNT = responses(identity.AccountNotFound, *_AUTH)
_ACCOUNT_CHANGE = responses(identity.AccountNotFound, identity.LinksInvalid, *_AUTH)
_CLIENT = responses(identity.ClientNotFound, *_AUTH)
_CLIENT_CHANGE = responses(identity.ClientNotFound, identity.LinksInvalid, *_AUTH)


def links_of(row: Account | MachineClient) -> dict[str, Any]:
    """What a principal row is linked to, as the API shows it."""
    return {"role": row.role, "candidate_id": row.candidate_id, "employer_id": row.employer_id,
            "institution_id": row.institution_id, "programme_ids": list(row.programme_ids),
            "country": row.country, "disabled": row.disabled, "created_at": row.created_at}


def account_out(row: Account) -> AccountOut:
    """The API view of an account."""
    return AccountOut(id=row.id, email=row.email, **links_of(row))


def client_out(row: MachineClient) -> ClientOut:
    """The API view of a machine client."""
    return ClientOut(client_id=row.client_id, name=row.name, **links_of(row))


# --- accounts -------------------------------------------------------------------------------

@router.get("/v1/admin/accounts", response_model=AccountPage, responses=responses(*_AUTH))
async def list_accounts(session: SessionDep, admin: AdminDep, page: PageDep,
                        role: Role | None = None,
                        programme_id: uuid.UUID | None = None) -> Response:
    """List accounts, oldest first, by role and by a programme they are linked to."""
    items, next_cursor = page_of(await identity.list_accounts(
        session, page=page, role=role, programme_id=programme_id), page)
    return json_response(AccountPage(items=[account_out(r) for r in items],
                                     next_cursor=next_cursor))


@router.get("/v1/admin/accounts/{account_id}", response_model=AccountOut, responses=_ACCOUNT)
async def get_account(account_id: uuid.UUID, session: SessionDep, admin: AdminDep) -> Response:
    """One account."""
    return json_response(account_out(await identity.get_account(session, account_id)))


@router.patch("/v1/admin/accounts/{account_id}", response_model=AccountOut,
              responses=_ACCOUNT_CHANGE)
async def update_account(account_id: uuid.UUID, data: AccountUpdate, session: SessionDep,
                         admin: AdminDep) -> Response:
    """Change an account's role and links (``programme_ids`` assigns an officer to further
    programmes) or reset its password. Its tokens issued before are refused from now on; it
    signs in again to get one carrying the new links."""
    row = await identity.get_account(session, account_id, for_update=True)
    changes = data.model_dump(exclude_unset=True)
    password = changes.pop("password", None)
    await identity.update_links(session, row, subject=str(row.id), changes=changes,
                                password=password)
    return json_response(account_out(row))


@router.post("/v1/admin/accounts/{account_id}/disable", response_model=AccountOut,
             responses=_ACCOUNT)
async def disable_account(account_id: uuid.UUID, session: SessionDep,
                          admin: AdminDep) -> Response:
    """Disable an account: every token of it is refused and it gets no new one until enabled."""
    row = await identity.get_account(session, account_id, for_update=True)
    await identity.set_disabled(session, row, subject=str(row.id), disabled=True)
    return json_response(account_out(row))


@router.post("/v1/admin/accounts/{account_id}/enable", response_model=AccountOut,
             responses=_ACCOUNT)
async def enable_account(account_id: uuid.UUID, session: SessionDep,
                         admin: AdminDep) -> Response:
    """Enable a disabled account: it signs in again for a new token (the tokens it held when it
    was disabled stay refused)."""
    row = await identity.get_account(session, account_id, for_update=True)
    await identity.set_disabled(session, row, subject=str(row.id), disabled=False)
    return json_response(account_out(row))


@router.delete("/v1/admin/accounts/{account_id}", status_code=204, responses=_ACCOUNT)
async def delete_account(account_id: uuid.UUID, session: SessionDep,
                         admin: AdminDep) -> Response:
    """Delete an account; every token it ever had is refused, for good. The people's data in
    the services stays (erasing a candidate is the candidates service's own action)."""
    row = await identity.get_account(session, account_id, for_update=True)
    await identity.delete_principal(session, row, subject=str(row.id))
    return Response(status_code=204)


# --- machine clients ------------------------------------------------------------------------

@router.get("/v1/admin/clients", response_model=ClientPage,
            responses=responses(InvalidCursor, *_AUTH))
async def list_clients(
    session: SessionDep, admin: AdminDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE,
                                description=f"Page size, at most {MAX_PAGE_SIZE}.")] = 50,
    cursor: Annotated[str | None, Query(max_length=200,
                                        description="`next_cursor` of the previous page.")]
    = None,
    role: Role | None = None, programme_id: uuid.UUID | None = None,
) -> Response:
    """List machine clients, oldest first, by role and by a programme they are linked to."""
    # Keyed by (created_at, client_id): a client's id is text, not a UUID as PageDep expects.
    after = None if cursor is None else decode_cursor(cursor, key=str)
    rows = await identity.list_clients(session, limit=limit, after=after, role=role,
                                       programme_id=programme_id)
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1].created_at, items[-1].client_id) \
        if len(rows) > limit else None
    return json_response(ClientPage(items=[client_out(r) for r in items],
                                    next_cursor=next_cursor))


@router.get("/v1/admin/clients/{client_id}", response_model=ClientOut, responses=_CLIENT)
async def get_client(client_id: str, session: SessionDep, admin: AdminDep) -> Response:
    """One machine client (never its secret)."""
    return json_response(client_out(await identity.get_client(session, client_id)))


@router.patch("/v1/admin/clients/{client_id}", response_model=ClientOut,
              responses=_CLIENT_CHANGE)
async def update_client(client_id: str, data: ClientUpdate, session: SessionDep,
                        admin: AdminDep) -> Response:
    """Change a machine client's role and links; its tokens issued before are refused from
    now on."""
    row = await identity.get_client(session, client_id, for_update=True)
    await identity.update_links(session, row, subject=identity.client_subject(row.client_id),
                                changes=data.model_dump(exclude_unset=True))
    return json_response(client_out(row))


@router.post("/v1/admin/clients/{client_id}/disable", response_model=ClientOut,
             responses=_CLIENT)
async def disable_client(client_id: str, session: SessionDep, admin: AdminDep) -> Response:
    """Disable a machine client: its tokens are refused and it gets none until enabled."""
    row = await identity.get_client(session, client_id, for_update=True)
    await identity.set_disabled(session, row, subject=identity.client_subject(row.client_id),
                                disabled=True)
    return json_response(client_out(row))


@router.post("/v1/admin/clients/{client_id}/enable", response_model=ClientOut,
             responses=_CLIENT)
async def enable_client(client_id: str, session: SessionDep, admin: AdminDep) -> Response:
    """Enable a disabled machine client; it asks for a new token."""
    row = await identity.get_client(session, client_id, for_update=True)
    await identity.set_disabled(session, row, subject=identity.client_subject(row.client_id),
                                disabled=False)
    return json_response(client_out(row))


@router.delete("/v1/admin/clients/{client_id}", status_code=204, responses=_CLIENT)
async def delete_client(client_id: str, session: SessionDep, admin: AdminDep) -> Response:
    """Delete a machine client; its tokens are refused for good."""
    row = await identity.get_client(session, client_id, for_update=True)
    await identity.delete_principal(session, row, subject=identity.client_subject(row.client_id))
    return Response(status_code=204)
