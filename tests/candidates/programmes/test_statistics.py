"""A programme's statistics count its pre-departure training: who trained, who of them moved,
who stayed (a programme that trains more than it moves counts both)."""

import uuid
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.candidates.factories import create_candidate, create_programme, create_training_module
from tests.candidates.training.helpers import complete, enrol
from tests.conftest import TokenMinter


async def _programme(client: httpx.AsyncClient, mint_token: TokenMinter) -> str:
    """A new programme's id; ``client`` then acts as an admin."""
    client.headers["Authorization"] = f"Bearer {mint_token('admin')}"
    programme_id: str = (await create_programme(client))["id"]
    return programme_id


async def _apply(session: AsyncSession, *, candidate_id: uuid.UUID, programme_id: str,
                 status: str) -> None:
    await session.execute(text(
        "INSERT INTO candidates.application (id, candidate_id, programme_id, status) "
        "VALUES (:id, :candidate, :programme, :status)"),
        {"id": uuid.uuid4(), "candidate": candidate_id, "programme": programme_id,
         "status": status})


async def _statistics(client: httpx.AsyncClient, mint_token: TokenMinter, *, role: str,
                      programme_id: str) -> dict[str, Any]:
    token = mint_token(role, programme_ids=[programme_id])
    response = await client.get(f"/v1/programmes/{programme_id}/statistics",
                                headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_training_counted_and_counts_a_ministry_could_derive_withheld(
        client: httpx.AsyncClient, session: AsyncSession, mint_token: TokenMinter) -> None:
    pid = await _programme(client, mint_token)
    language = await create_training_module(client, programme_id=pid, code="LANG")
    trade = await create_training_module(client, programme_id=pid, code="TRADE")
    optional = await create_training_module(client, programme_id=pid, code="CULT",
                                            required=False)
    # 8 complete both required modules, 2 of whom move; 1 completes one only; 1 only the
    # optional module.
    for n in range(10):
        candidate = await create_candidate(session)
        if n < 9:
            await complete(client, await enrol(client, module_id=language["id"],
                                                 candidate_id=candidate.id))
        if n < 8:
            await complete(client, await enrol(client, module_id=trade["id"],
                                                 candidate_id=candidate.id))
        if n == 9:
            await complete(client, await enrol(client, module_id=optional["id"],
                                                 candidate_id=candidate.id))
        await _apply(session, candidate_id=candidate.id, programme_id=pid,
                     status="returned" if n in (0, 1) else "selected")

    officer = await _statistics(client, mint_token, role="officer", programme_id=pid)
    assert officer["training"] == {"enrolled": 10, "trained": 8, "trained_and_moved": 2,
                                   "trained_and_stayed": 6}
    assert (officer["suppressed_cells"], officer["small_cell_threshold"]) == (0, None)
    ministry = await _statistics(client, mint_token, role="ministry", programme_id=pid)
    # The 2 who moved are withheld, and so are the 6 who stayed (or 8 - 6 = 2); the 2
    # returned, and the 8 selected (or 10 - 8 = 2). The total of 10 stays.
    assert ministry["training"] == {"enrolled": 10, "trained": 8, "trained_and_moved": None,
                                    "trained_and_stayed": None}
    assert ministry["by_status"] == {"selected": None, "returned": None}
    assert ministry["applications_total"] == 10
    assert (ministry["suppressed_cells"], ministry["small_cell_threshold"]) == (4, 5)


async def test_a_zero_is_shown_to_ministries(
        client: httpx.AsyncClient, session: AsyncSession, mint_token: TokenMinter) -> None:
    pid = await _programme(client, mint_token)
    module = await create_training_module(client, programme_id=pid, code="LANG")
    # 5 trained applicants, 1 of whom is from Tunisia; none has moved yet.
    for n in range(5):
        candidate = await create_candidate(session, nationality="TN" if n == 0 else "MA")
        await complete(client, await enrol(client, module_id=module["id"],
                                             candidate_id=candidate.id))
        await _apply(session, candidate_id=candidate.id, programme_id=pid, status="selected")

    ministry = await _statistics(client, mint_token, role="ministry", programme_id=pid)
    assert ministry["training"] == {"enrolled": 5, "trained": 5, "trained_and_moved": 0,
                                    "trained_and_stayed": 5}
    # MA (4) and TN (1): both withheld, and neither is 5 minus the other.
    assert ministry["by_nationality"] == {"MA": None, "TN": None}
    assert (ministry["by_status"], ministry["by_gender"]) == ({"selected": 5}, {"female": 5})
    assert ministry["suppressed_cells"] == 2


async def test_no_training_no_counts(client: httpx.AsyncClient,
                                     mint_token: TokenMinter) -> None:
    pid = await _programme(client, mint_token)
    body = await _statistics(client, mint_token, role="admin", programme_id=pid)
    assert body["training"] == {}
