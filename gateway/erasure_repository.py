"""Queries of the gateway's part of an erasure."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import Account, MachineClient


async def principals_of_candidate(session: AsyncSession,
                                  candidate_id: uuid.UUID) -> list[Account | MachineClient]:
    """The accounts and machine clients linked to the candidate, locked (see
    :func:`gateway.identity.revoke`: no token is signed from their state meanwhile)."""
    accounts = await session.scalars(select(Account).where(Account.candidate_id == candidate_id)
                                     .order_by(Account.id).with_for_update())
    clients = await session.scalars(
        select(MachineClient).where(MachineClient.candidate_id == candidate_id)
        .order_by(MachineClient.client_id).with_for_update())
    return [*accounts.all(), *clients.all()]
