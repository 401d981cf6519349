"""Webhook subscriptions and the events' admin endpoints on the candidates service."""

import uuid
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.database import event_tables
from services.candidates.events import outbox
from shared.events.access import EventsClient, events_client


class TestWebhookSubscriptions:
    async def test_create_shows_secret_once(self, client: httpx.AsyncClient) -> None:
        created = await client.post("/v1/webhooks/candidates/subscriptions", json={
            "url": "https://93.184.216.34/hooks", "event_types": ["application.selected"]})
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["secret"].startswith("whsec_")
        assert created.headers["location"].endswith(body["id"])
        fetched = (await client.get(created.headers["location"])).json()
        assert "secret" not in fetched
        listed = (await client.get("/v1/webhooks/candidates/subscriptions")).json()
        assert body["id"] in [s["id"] for s in listed]
        assert all("secret" not in s for s in listed)
        assert (await client.delete(created.headers["location"])).status_code == 204
        assert (await client.get(created.headers["location"])).status_code == 404

    @pytest.mark.parametrize("url", ["https://127.0.0.1/h", "https://169.254.169.254/h",
                                     "http://93.184.216.34/h", "https://10.0.0.1/h"])
    async def test_ssrf_refused(self, client: httpx.AsyncClient, url: str) -> None:
        response = await client.post("/v1/webhooks/candidates/subscriptions", json={
            "url": url, "event_types": ["application.selected"]})
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/unsafe-webhook-target"

    async def test_unknown_event_type(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/webhooks/candidates/subscriptions", json={
            "url": "https://93.184.216.34/h", "event_types": ["placement.secret"]})
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/unknown-event-type"

    async def test_role_seam(self, client: httpx.AsyncClient, candidates_app) -> None:  # type: ignore[no-untyped-def]
        async def employer() -> EventsClient:
            return EventsClient(id="employer-1", roles=frozenset({"employer"}))

        candidates_app.dependency_overrides[events_client] = employer
        response = await client.post("/v1/webhooks/candidates/subscriptions", json={
            "url": "https://93.184.216.34/h", "event_types": ["application.selected"]})
        assert response.status_code == 403
        assert (await client.get("/admin/events/lag")).status_code == 403


class TestAdmin:
    async def test_new_subscription_gets_only_new_events_and_lag_shows_them(
            self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        subject = str(uuid.uuid4())
        await outbox.record(session, type="application.selected", subject_id=subject,
                            payload={"n": 0})
        created = (await client.post("/v1/webhooks/candidates/subscriptions", json={
            "url": "https://93.184.216.34/h", "event_types": ["application.selected"]})).json()
        await outbox.record(session, type="application.selected", subject_id=subject,
                            payload={"n": 1})
        await outbox.record(session, type="application.withdrawn", subject_id=subject,
                            payload={"n": 2})
        rows = (await session.execute(text(
            "SELECT count(*) FROM candidates.event_delivery WHERE subscription_id = :s"),
            {"s": created["id"]})).scalar_one()
        assert rows == 1  # no history, no types it did not ask for
        lag = (await client.get("/admin/events/lag")).json()
        mine = next(s for s in lag["subscribers"] if s["subscription_id"] == created["id"])
        assert mine["pending"] == 1 and mine["dead"] == 0
        assert mine["oldest_pending_age_seconds"] is not None
        assert lag["pending"] >= 1

    async def test_dead_letters_listed_and_replayed(self, client: httpx.AsyncClient,
                                                    session: AsyncSession) -> None:
        created = (await client.post("/v1/webhooks/candidates/subscriptions", json={
            "url": "https://93.184.216.34/h", "event_types": ["candidate.erased"]})).json()
        await outbox.record(session, type="candidate.erased", subject_id=str(uuid.uuid4()),
                            payload={"candidate_id": "x"})
        delivery = event_tables.delivery
        await session.execute(delivery.update().where(
            delivery.c.subscription_id == uuid.UUID(created["id"])).values(
            status="dead", attempts=10, last_error="HTTP 500"))
        dead = (await client.get("/admin/events/dead-letters")).json()
        mine = [d for d in dead if d["subscription_id"] == created["id"]]
        assert len(mine) == 1 and mine[0]["last_error"] == "HTTP 500"
        assert (await client.get("/admin/events/lag")).json()["dead"] >= 1
        replay = await client.post(f"/admin/events/dead-letters/{mine[0]['id']}/replay")
        assert replay.status_code == 202
        status, attempts = (await session.execute(
            text("SELECT status, attempts FROM candidates.event_delivery WHERE id = :i"),
            {"i": mine[0]["id"]})).one()
        assert (status, attempts) == ("pending", 0)
        again = await client.post(f"/admin/events/dead-letters/{mine[0]['id']}/replay")
        assert again.status_code == 404


class TestRolesFromTokens:
    """With auth on, the caller's role comes from its verified token."""

    async def test_ministry_subscribes_officer_may_not(self, client: httpx.AsyncClient,
                                                      mint_token: Callable[[str], str]) -> None:
        body = {"url": "https://93.184.216.34/h", "event_types": ["application.selected"]}
        officer = await client.post("/v1/webhooks/candidates/subscriptions", json=body,
                                    headers={"Authorization": f"Bearer {mint_token('officer')}"})
        assert officer.status_code == 403
        ministry = await client.post("/v1/webhooks/candidates/subscriptions", json=body,
                                     headers={"Authorization": f"Bearer {mint_token('ministry')}"})
        assert ministry.status_code == 201
        lag = await client.get("/admin/events/lag",
                               headers={"Authorization": f"Bearer {mint_token('ministry')}"})
        assert lag.status_code == 403

    async def test_no_token_is_401(self, client: httpx.AsyncClient,
                                   mint_token: Callable[[str], str]) -> None:
        response = await client.get("/v1/webhooks/candidates/subscriptions")
        assert response.status_code == 401
