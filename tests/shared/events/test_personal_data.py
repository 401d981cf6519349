"""Partner deliveries and personal data.

- The guarantee: no event type any service offers partners reaches any grant with a personal
  field (name, contact, birth date, gender, the person's id, free text), whatever its payload
  model holds; the one declared exception is a notice (``notice.*``), whose address and text
  reach the programme's notification partner only, and nothing else of the person with them.
- The gate, for a type a service declares personal: the real relay, a real local receiver and
  the service's consent hook; the person who consents to partner sharing gets their fields
  delivered, the one who does not is delivered without them (counted), and a hook that cannot
  answer delivers nothing (retried later).
"""

import inspect
import uuid
from collections.abc import Collection
from datetime import date
from typing import Any

import orjson
import pytest
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from services.candidates import events as candidates_events
from services.candidates.notices.personal import Reachable, personal_events
from services.placements import events as placements_events
from services.placements.database import event_tables
from services.placements.events import outbox
from services.placements.main import create_app as create_placements_app
from services.placements.settings import Settings as PlacementsSettings
from services.reintegration import events as reintegration_events
from shared.auth import Principal
from shared.db import async_url
from shared.events import grants
from shared.events.outbox import NewEvent
from shared.events.personal import PersonalEvents
from shared.events.relay import Relay
from tests.conftest import RunDatabase
from tests.shared.events.test_partner_grants import Receiver, _subscribe, receiver

__all__ = ["receiver"]  # the fixture, used below

# What singles a person out: identity, contact, birth date, gender, their id, free text.
PERSONAL = frozenset({"candidate_id", "given_name", "family_name", "email", "phone",
                      "date_of_birth", "gender", "motivation", "note", "notes", "description",
                      "comment", "free_text", "residence_city", "address", "text"})
SERVICES = (candidates_events, placements_events, reintegration_events)
# The declared exception: per service, the partner-visible types carrying personal fields and
# which (the relay withholds them unless the person may still be reached).
DECLARED = {candidates_events: personal_events(Reachable()).fields}


def _every_field(module: Any) -> dict[str, Any]:
    """A payload with every field of every payload model of ``module``: a personal field
    added to a payload model shows here, and must then be declared (``PersonalEvents``) and
    withheld from the grants."""
    payload: dict[str, Any] = {}
    for _, model in inspect.getmembers(module, inspect.isclass):
        if issubclass(model, BaseModel) and model.__module__ == module.__name__:
            payload.update(dict.fromkeys(model.model_fields, "x"))
    return payload


@pytest.mark.parametrize("module", SERVICES, ids=lambda m: m.__name__.split(".")[1])
def test_no_partner_visible_event_carries_personal_fields(module: Any) -> None:
    offered = frozenset(module.EVENT_TYPES)
    declared: dict[str, frozenset[str]] = dict(DECLARED.get(module, {}))
    payload = orjson.dumps(_every_field(module)).decode()
    for role in [*grants.GRANTS, None]:
        allowed = grants.allowed_types(role or "ministry", offered)
        if not allowed:
            continue  # this grant receives none of the service's events
        shaped = set(orjson.loads(grants.shape(payload, role)))
        # Personal fields reach a grant only when every type it may see declares them.
        permitted = frozenset.intersection(*(declared.get(t, frozenset()) for t in allowed))
        assert PERSONAL & shaped <= permitted, (role, sorted(PERSONAL & shaped - permitted))


def test_only_the_notification_partner_receives_notices() -> None:
    notices = frozenset(DECLARED[candidates_events])
    assert notices == grants.NOTICE_EVENT_TYPES
    offered = frozenset(candidates_events.EVENT_TYPES)
    for role in grants.GRANTS:
        seen = grants.allowed_types(role, offered) & notices
        assert seen == (notices if role == "notification_partner" else frozenset()), role
        if role == "notification_partner":
            assert grants.allowed_types(role, offered) == notices
    # Of the person, the partner gets the address and the text: no name, no id.
    payload = orjson.dumps(_every_field(candidates_events)).decode()
    shaped = set(orjson.loads(grants.shape(payload, "notification_partner")))
    assert PERSONAL & shaped == {"address", "text"}


def _payload(programme: uuid.UUID, candidate: uuid.UUID) -> dict[str, Any]:
    return {"placement_id": str(uuid.uuid4()), "candidate_id": str(candidate),
            "programme_id": str(programme), "destination_country": "IT",
            "status": "proposed", "start_date": date(2027, 1, 1).isoformat(),
            "given_name": "Amina"}


@pytest.mark.parametrize("hook_fails", [False, True], ids=["hook answers", "hook fails"])
async def test_declared_personal_fields_go_only_with_partner_sharing_consent(
        scratch_database: RunDatabase, receiver: Receiver, hook_fails: bool) -> None:
    url = scratch_database.url("placements")
    settings = PlacementsSettings(database_url=url, candidates_url="http://candidates.invalid",
                                  webhooks_allow_private_targets=True)
    programme, consenting, refusing = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    app = create_placements_app(settings)
    async with app.router.lifespan_context(app):
        ministry = Principal(subject="m", role="ministry", programme_ids=(programme,),
                             client_id=f"m-{programme}")
        made = await _subscribe(app, ministry, f"http://127.0.0.1:{receiver.port}/m",
                                ["placement.confirmed"])
        assert made.status_code == 201, made.text
    engine = create_async_engine(async_url(url))
    try:
        async with async_sessionmaker(engine)() as session, session.begin():
            await outbox.record_many(session, [
                NewEvent(type="placement.confirmed", subject_id=str(person),
                         payload=_payload(programme, person))
                for person in (consenting, refusing)])
    finally:
        await engine.dispose()
    asked: list[set[str]] = []

    async def partner_sharing(people: Collection[str]) -> set[str]:
        asked.append(set(people))
        if hook_fails:
            raise ConnectionError("candidates unreachable")
        return {str(consenting)} & set(people)

    relay = Relay(database_url=url, tables=event_tables, source="placements", settings=settings,
                  personal=PersonalEvents(fields={"placement.confirmed": frozenset({
                      "given_name"})}, consenting=partner_sharing))
    await relay.open()
    try:
        await relay.run_once()
    finally:
        await relay.close()
    assert {str(consenting), str(refusing)} <= set().union(*asked)
    mine = {b["subject_id"]: b["data"] for b in receiver.bodies
            if b["data"].get("programme_id") == str(programme)}
    if hook_fails:
        assert mine == {}
        assert relay.stats.delivered == 0
        return
    assert mine[str(consenting)]["given_name"] == "Amina"
    assert "given_name" not in mine[str(refusing)]
    assert mine[str(refusing)]["programme_id"] == str(programme)
    assert relay.stats.personal_withheld == 1
