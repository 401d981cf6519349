"""Application transitions record their events in the outbox, in the same transaction."""

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.candidates.applications.helpers import act, apply, candidate_id, in_state
from tests.candidates.factories import create_programme

PERSONAL = ("given_name", "family_name", "email", "phone", "date_of_birth", "residence_city")


async def events_of(session: AsyncSession, application_id: str) -> list[dict[str, object]]:
    rows = await session.execute(text(
        "SELECT type, payload FROM candidates.outbox WHERE subject_id = :s"), {"s": application_id})
    events = [dict(r) for r in rows.mappings().all()]
    order = {"application.submitted": 0, "application.selected": 1, "application.withdrawn": 2}
    return sorted(events, key=lambda e: order[str(e["type"])])


class TestApplicationEvents:
    async def test_submit_then_withdraw(self, client: httpx.AsyncClient,
                                        session: AsyncSession) -> None:
        programme = await create_programme(client)
        app = await apply(client, candidate=await candidate_id(session), programme=programme)
        assert await events_of(session, app["id"]) == []  # a draft publishes nothing
        await act(client, app, "submit")
        await act(client, app, "withdraw", json={"reason": "moved on"})
        events = await events_of(session, app["id"])
        assert [e["type"] for e in events] == ["application.submitted", "application.withdrawn"]
        assert events[0]["payload"] == {
            "application_id": app["id"], "candidate_id": app["candidate_id"],
            "programme_id": programme["id"], "status": "submitted",
            "previous_status": "draft", "action": "submit"}
        assert events[1]["payload"]["previous_status"] == "submitted"
        for event in events:
            assert not set(PERSONAL) & set(event["payload"])  # type: ignore[arg-type]

    async def test_selection_run_emits_selected(self, client: httpx.AsyncClient,
                                                session: AsyncSession) -> None:
        body = await in_state(client, session, "selected")
        events = await events_of(session, body["id"])
        assert [e["type"] for e in events] == ["application.submitted", "application.selected"]
        assert events[1]["payload"]["status"] == "selected"

    async def test_refused_transition_records_nothing(self, client: httpx.AsyncClient,
                                                      session: AsyncSession) -> None:
        programme = await create_programme(client)
        app = await apply(client, candidate=await candidate_id(session, consents=()),
                          programme=programme)
        await act(client, app, "submit", expect=422)  # consent missing
        assert await events_of(session, app["id"]) == []


class TestEventContext:
    async def test_request_id_and_trace_context_recorded(self, client: httpx.AsyncClient,
                                                         session: AsyncSession) -> None:
        programme = await create_programme(client)
        app = await apply(client, candidate=await candidate_id(session), programme=programme)
        trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        response = await client.post(f"/v1/applications/{app['id']}/submit",
                                     headers={"X-Request-ID": "submit-ctx-1",
                                              "traceparent": trace})
        assert response.status_code == 200, response.text
        row = (await session.execute(text(
            "SELECT request_id, traceparent FROM candidates.outbox WHERE subject_id = :s"),
            {"s": app["id"]})).one()
        assert (row.request_id, row.traceparent) == ("submit-ctx-1", trace)

    async def test_malformed_trace_context_is_not_kept(self, client: httpx.AsyncClient,
                                                       session: AsyncSession) -> None:
        programme = await create_programme(client)
        app = await apply(client, candidate=await candidate_id(session), programme=programme)
        await client.post(f"/v1/applications/{app['id']}/submit",
                          headers={"traceparent": "not-a-trace"})
        row = (await session.execute(text(
            "SELECT traceparent FROM candidates.outbox WHERE subject_id = :s"),
            {"s": app["id"]})).one()
        assert row.traceparent is None
