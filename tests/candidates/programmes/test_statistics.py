"""A programme's statistics count its pre-departure training: who trained, who of them moved,
who stayed (a programme that trains more than it moves counts both)."""

import uuid

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.candidates.factories import (
    create_candidate,
    create_programme,
    create_training_module,
    enrol_candidate,
)
from tests.conftest import TokenMinter


async def _complete(client: httpx.AsyncClient, enrolment: dict[str, object]) -> None:
    response = await client.post(f"/v1/enrolments/{enrolment['id']}/complete")
    assert response.status_code == 200, response.text


async def test_training_counted_and_small_cells_left_out_for_ministries(
        client: httpx.AsyncClient, session: AsyncSession, mint_token: TokenMinter) -> None:
    client.headers["Authorization"] = f"Bearer {mint_token('admin')}"
    programme = await create_programme(client)
    pid = programme["id"]
    language = await create_training_module(client, programme_id=pid, code="LANG")
    trade = await create_training_module(client, programme_id=pid, code="TRADE")
    optional = await create_training_module(client, programme_id=pid, code="CULT",
                                            required=False)
    # 8 complete both required modules, 2 of whom move; 1 completes one only; 1 only the
    # optional module.
    for n in range(10):
        candidate = await create_candidate(session)
        if n < 9:
            await _complete(client, await enrol_candidate(client, module_id=language["id"],
                                                          candidate_id=candidate.id))
        if n < 8:
            await _complete(client, await enrol_candidate(client, module_id=trade["id"],
                                                          candidate_id=candidate.id))
        if n == 9:
            await _complete(client, await enrol_candidate(client, module_id=optional["id"],
                                                          candidate_id=candidate.id))
        await session.execute(text(
            "INSERT INTO candidates.application (id, candidate_id, programme_id, status) "
            "VALUES (:id, :candidate, :programme, :status)"),
            {"id": uuid.uuid4(), "candidate": candidate.id, "programme": pid,
             "status": "returned" if n in (0, 1) else "selected"})

    url = f"/v1/programmes/{pid}/statistics"
    def as_role(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(role, programme_ids=[pid])}"}

    officer = (await client.get(url, headers=as_role("officer"))).json()
    assert officer["training"] == {"enrolled": 10, "trained": 8, "trained_and_moved": 2,
                                   "trained_and_stayed": 6}
    ministry = (await client.get(url, headers=as_role("ministry"))).json()
    assert ministry["training"] == {"enrolled": 10, "trained": 8, "trained_and_stayed": 6}
    assert ministry["by_status"] == {"selected": 8}
    # by_status: returned (2); by_gender: none under 5; by_nationality: none; training: moved (2)
    assert ministry["suppressed_cells"] == 2


async def test_no_training_no_counts(client: httpx.AsyncClient,
                                     mint_token: TokenMinter) -> None:
    client.headers["Authorization"] = f"Bearer {mint_token('admin')}"
    programme = await create_programme(client)
    body = (await client.get(f"/v1/programmes/{programme['id']}/statistics")).json()
    assert body["training"] == {}
