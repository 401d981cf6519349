"""A follow-up reminder, and a training session's, reach the programme's notification partner,
end to end.

Through the gateway, each actor with their own token: the officer sets the programme's notice
schedule; the candidate chooses Arabic on WhatsApp and stops the reminder of her placement's
start (an essential kind she may not stop); a notification partner (a machine client of the
programme) registers a real receiver on this machine. Her placement is confirmed, her visa
decided, her stay ends: the decision and then her first follow-up's reminder arrive, signed
(checked with the ``standardwebhooks`` library), in Arabic, with her phone and nothing else
about her; the stopped kind never does. A module's class is reminded of the session its officer
planned, each in their own language, a person enrolled later too; one who dropped out is not.
"""

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from launcher.api_client import tls_context
from shared.events import grants
from tests.actors import (
    Api,
    Delivery,
    WebhookReceiver,
    account,
    applies,
    officer_with_programme,
    sign_up,
    until,
)
from tests.candidates.factories import training_module_body
from tests.conftest import RunDatabase
from tests.placements.factories import employer_body, vacancy_body
from tests.system import admin_token, running_system

PHONE = "+212612345670"
NOTICE_TYPES = sorted(grants.NOTICE_EVENT_TYPES)
# Generous: the deliveries cross three services, their relays and the notices job.
DEADLINE_SECONDS = 120.0


@pytest.fixture(scope="module")
def gateway(scratch_database: RunDatabase) -> Iterator[str]:
    """The whole system; the receiver is on this machine, and notices are looked at often."""
    with running_system(scratch_database.admin_url, env={
            "CANDIDATES_WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true",
            "CANDIDATES_NOTICES_INTERVAL_SECONDS": "0.5"}) as urls:
        yield urls["gateway"]


@pytest.fixture(scope="module")
def admin(gateway: str, scratch_database: RunDatabase) -> Api:
    """The system's admin (made once: the tests of this module share the system)."""
    return Api(gateway, admin_token(scratch_database.admin_url, gateway))


def _partner(admin: Api, programme_id: str) -> Api:
    """The programme's notification partner: a machine client with its own token."""
    client = admin.post("/v1/admin/clients", 201, json={
        "name": "SMS and WhatsApp gateway", "role": "notification_partner",
        "programme_ids": [programme_id]})
    response = httpx.post(f"{admin.gateway}/v1/auth/token", verify=tls_context(), data={
        "grant_type": "client_credentials", "client_id": client["client_id"],
        "client_secret": client["client_secret"]})
    assert response.status_code == 200, response.text
    return Api(admin.gateway, response.json()["access_token"])


def test_a_follow_up_reminder_reaches_the_notification_partner(gateway: str, admin: Api) -> None:
    today = datetime.now(UTC).date().isoformat()
    officer, programme_id = officer_with_programme(admin)

    # The officer's schedule: the follow-up reminder 5 days before (her first follow-up is
    # due the day she returns: the reminder is due at once), the start's 90 days before.
    path = f"/v1/programmes/{programme_id}/notice-schedule"
    schedule = officer.call("PUT", path, headers=officer.if_match(path), json={"kinds": [
        {"kind": "followup.due_soon", "offset_days": 5},
        {"kind": "placement.starting_soon", "offset_days": 90}]})
    assert schedule["version"] == 1
    assert {k["kind"]: k["offset_days"] for k in schedule["kinds"]}["followup.due_soon"] == 5
    stranger, _ = officer_with_programme(admin)
    stranger.get(path, 404)
    stranger.call("PUT", path, 404, headers={"If-Match": '"1"'}, json={"kinds": [
        {"kind": "followup.due_soon", "offset_days": 1}]})

    # She signs up (French first on her profile: her default), applies, and chooses.
    person, _ = sign_up(gateway, phone=PHONE, languages=[
        {"language": "fr", "level": "C1"}, {"language": "ar", "level": "C2"}])
    me = applies(person, programme_id)
    mine = f"/v1/candidates/{me}/notice-preferences"
    assert person.get(mine)["language"] == "fr"
    refused = person.http.put(mine, headers=person.if_match(mine), json={
        "language": "ar", "channel": "whatsapp", "stopped_kinds": ["placement.visa_decided"]})
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"] == "/problems/essential-notice"
    chosen = person.call("PUT", mine, headers=person.if_match(mine), json={
        "language": "ar", "channel": "whatsapp", "stopped_kinds": ["placement.starting_soon"]})
    assert (chosen["language"], chosen["channel"]) == ("ar", "whatsapp")
    assert officer.get(mine)["stopped_kinds"] == ["placement.starting_soon"]
    stranger.get(mine, 404)

    # The notification partner registers its endpoint for its programme's notices.
    partner = _partner(admin, programme_id)
    receiver = WebhookReceiver()
    try:
        partner.post("/v1/webhooks/candidates/subscriptions", 403, json={
            "url": receiver.url, "event_types": ["application.submitted"]})
        secret = partner.post("/v1/webhooks/candidates/subscriptions", 201, json={
            "url": receiver.url, "event_types": NOTICE_TYPES})["secret"]
        partner.get(f"/v1/candidates/{me}", 403)

        # She is selected; her placement: confirmed, accepted, the visa granted, the stay.
        officer.post(f"/v1/programmes/{programme_id}/screening")
        officer.post(f"/v1/programmes/{programme_id}/selection")
        employer = officer.post("/v1/employers", 201,
                                json=employer_body(programme_ids=(programme_id,)))
        vacancy = officer.post("/v1/vacancies", 201, json=vacancy_body(
            employer_id=employer["id"], programme_id=programme_id, seats=1))
        placement = officer.post("/v1/placements", 201, json={
            "candidate_id": me, "vacancy_id": vacancy["id"]})
        url = f"/v1/placements/{placement['id']}"
        host, _ = account(admin, "employer", employer_id=employer["id"])
        host.get(mine, 403)  # an employer never reads a person's notices
        # The start's reminder falls due at once, and is withheld: she stopped it.
        until(lambda: [n for n in person.get(f"/v1/candidates/{me}/notices")["items"]
                       if n["kind"] == "placement.starting_soon"
                       and (n["status"], n["reason"]) == ("withheld", "stopped")],
              "the stopped reminder withheld", DEADLINE_SECONDS)
        host.post(f"{url}/accept-employer")
        person.post(f"{url}/accept-candidate")
        officer.post(f"{url}/request-visa")
        desk, _ = account(admin, "visa_authority", programme_ids=[programme_id], country="FR")
        desk.post(f"{url}/visa-decision", json={"decision": "granted"})

        def of_kind(kind: str) -> Callable[[list[Delivery]], Any]:
            def find(deliveries: list[Delivery]) -> Any:
                return next(((b, h) for b, h in deliveries
                             if json.loads(b)["type"] == f"notice.{kind}"), None)
            return find

        body, headers = receiver.wait_for(of_kind("placement.visa_decided"), "the decision",
                                          DEADLINE_SECONDS)
        decided = Webhook(secret).verify(body, headers)["data"]
        assert decided["params"]["decision"] == "granted"
        assert "تأشيرتك" in decided["text"]  # Arabic: "your visa"

        officer.post(f"{url}/arrive", json={"arrival_date": today})
        officer.post(f"{url}/complete", json={"end_date": today})
        body, headers = receiver.wait_for(of_kind("followup.due_soon"), "the reminder",
                                          DEADLINE_SECONDS)
        event = Webhook(secret).verify(body, headers)  # raises unless signed with the secret
        reminder = event["data"]
        assert set(reminder) == set(grants.NOTICE_FIELDS)  # no name, no candidate id
        assert (reminder["kind"], reminder["language"], reminder["channel"]) == (
            "followup.due_soon", "ar", "whatsapp")
        assert reminder["address"] == PHONE
        assert reminder["programme_id"] == programme_id
        assert reminder["params"] == {"due_date": today}
        assert reminder["text"].startswith("Pathways: ") and today in reminder["text"]
        assert "استبيان" in reminder["text"]  # Arabic: "survey"
        assert event["subject_id"] == reminder["notice_id"]

        # The stopped kind never went; her history says what went and what did not.
        types = [json.loads(b)["type"] for b, _ in receiver.deliveries]
        assert "notice.placement.starting_soon" not in types
        history = {n["kind"]: n for n in person.get(f"/v1/candidates/{me}/notices")["items"]}
        assert history["followup.due_soon"]["status"] == "sent"
        assert history["followup.due_soon"]["id"] == reminder["notice_id"]
        assert history["placement.starting_soon"]["reason"] == "stopped"
        assert history["placement.visa_decided"]["status"] == "sent"
        assert all(d["data"].get("programme_id") == programme_id
                   for d in (json.loads(b) for b, _ in receiver.deliveries))
        assert uuid.UUID(reminder["notice_id"])
    finally:
        receiver.shutdown()


def _of(kind: str, address: str) -> Callable[[list[Delivery]], Any]:
    """Finds the delivery of a notice of ``kind`` to ``address``."""
    def find(deliveries: list[Delivery]) -> Any:
        return next((json.loads(b)["data"] for b, _ in deliveries
                     if json.loads(b)["type"] == f"notice.{kind}"
                     and json.loads(b)["data"]["address"] == address), None)
    return find


def test_the_class_is_reminded_of_a_planned_training_session(gateway: str, admin: Api) -> None:
    today = datetime.now(UTC).date()
    in_two_days = (today + timedelta(days=2)).isoformat()
    officer, programme_id = officer_with_programme(admin)
    stranger, _ = officer_with_programme(admin)
    module = officer.post(f"/v1/programmes/{programme_id}/training-modules", 201,
                          json=training_module_body())
    plan = f"/v1/training-modules/{module['id']}/planned-sessions"
    # The reminder a day before the session: planned two days ahead, it is not due yet.
    schedule = f"/v1/programmes/{programme_id}/notice-schedule"
    officer.call("PUT", schedule, headers=officer.if_match(schedule), json={"kinds": [
        {"kind": "training.session_upcoming", "offset_days": 1}]})

    # Three applicants: Amal writes French first, Karim Arabic; Sara will drop out.
    phones = {"amal": "+212612345681", "karim": "+212612345682", "sara": "+212612345683"}
    people: dict[str, tuple[Api, str]] = {}
    for name, language in (("amal", "fr"), ("karim", "ar"), ("sara", "fr")):
        person, _ = sign_up(gateway, phone=phones[name],
                            languages=[{"language": language, "level": "C2"}])
        people[name] = (person, applies(person, programme_id))
    enrolments = {name: officer.post(f"/v1/training-modules/{module['id']}/enrolments", 201,
                                     json={"candidate_id": people[name][1]})["id"]
                  for name in ("amal", "sara")}

    partner = _partner(admin, programme_id)
    receiver = WebhookReceiver()
    try:
        partner.post("/v1/webhooks/candidates/subscriptions", 201, json={
            "url": receiver.url, "event_types": ["notice.training.session_upcoming"]})

        # The officer plans the session; another programme's officer may not, nor read it.
        planned = officer.post(plan, 201, json={
            "session_date": in_two_days, "start_time": "09:30",
            "place": "ANAPEC Casablanca, room 4"})
        session_url = f"/v1/planned-sessions/{planned['id']}"
        assert (planned["status"], planned["recorded"], planned["version"]) == (
            "planned", False, 1)
        officer.post(plan, 409, json={"session_date": in_two_days})
        officer.post(plan, 422, json={"session_date": (today - timedelta(days=1)).isoformat()})
        stranger.post(plan, 404, json={"session_date": in_two_days})
        stranger.get(plan, 404)
        stranger.get(session_url, 404)
        stranger.call("PATCH", session_url, 404, headers={"If-Match": '"1"'},
                      json={"start_time": "08:00"})
        stranger.post(f"{session_url}/cancel", 404)

        # Karim is not in the class yet: the plan is not his to read. Enrolled, it is.
        karim, karim_id = people["karim"]
        karim.get(plan, 404)
        karim.get(session_url, 404)
        officer.post(f"/v1/training-modules/{module['id']}/enrolments", 201,
                     json={"candidate_id": karim_id})
        assert [s["id"] for s in karim.get(plan)["items"]] == [planned["id"]]
        karim.call("PATCH", session_url, 403, headers={"If-Match": '"1"'},
                   json={"start_time": "08:00"})

        # Sara drops out: her reminder is cancelled, and the plan is no longer hers.
        sara, _ = people["sara"]
        assert sara.get(session_url)["place"] == "ANAPEC Casablanca, room 4"
        officer.post(f"/v1/enrolments/{enrolments['sara']}/drop")
        sara.get(plan, 404)

        def reminders(name: str) -> list[dict[str, Any]]:
            return [n for n in officer.get(f"/v1/candidates/{people[name][1]}/notices")["items"]
                    if n["kind"] == "training.session_upcoming"]

        assert [(n["status"], n["reason"]) for n in reminders("sara")] == [
            ("cancelled", "dropped")]
        assert [n["status"] for n in reminders("karim")] == ["pending"]

        # Three days ahead now, and the session moves to ten: the class is reminded at once,
        # of the new time.
        officer.call("PUT", schedule, headers=officer.if_match(schedule), json={"kinds": [
            {"kind": "training.session_upcoming", "offset_days": 3}]})
        moved = officer.call("PATCH", session_url, headers=officer.if_match(session_url),
                             json={"start_time": "10:00"})
        assert (moved["start_time"], moved["version"]) == ("10:00", 2)
        amal = receiver.wait_for(_of("training.session_upcoming", phones["amal"]), "Amal's",
                                 DEADLINE_SECONDS)
        assert (amal["language"], amal["channel"]) == ("fr", "sms")
        assert amal["params"] == {"session_date": in_two_days, "start_time": "10:00",
                                  "place": "ANAPEC Casablanca, room 4"}
        assert amal["text"] == (f"Pathways : votre séance de formation a lieu le {in_two_days} "
                                "à 10:00. Lieu : ANAPEC Casablanca, room 4.")
        karim_reminder = receiver.wait_for(
            _of("training.session_upcoming", phones["karim"]), "Karim's", DEADLINE_SECONDS)
        assert karim_reminder["language"] == "ar"
        assert "حصة التكوين" in karim_reminder["text"] and "10:00" in karim_reminder["text"]
        assert set(karim_reminder) == set(grants.NOTICE_FIELDS)  # no name, no candidate id

        # Sara was told nothing; Amal's first reminder gave way to the new one.
        assert not _of("training.session_upcoming", phones["sara"])(receiver.deliveries)
        assert sorted((n["status"], n["reason"]) for n in reminders("amal")) == [
            ("cancelled", "rescheduled"), ("sent", None)]
        assert [n["status"] for n in reminders("sara")] == ["cancelled"]

        # A later session is called off before its reminder falls due: it is cancelled too.
        later = officer.post(plan, 201, json={
            "session_date": (today + timedelta(days=5)).isoformat()})
        cancelled = officer.post(f"/v1/planned-sessions/{later['id']}/cancel")
        assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"]
        officer.post(f"/v1/planned-sessions/{later['id']}/cancel", 409)
        amal_person, _ = people["amal"]
        assert ("cancelled", "session_cancelled") in {
            (n["status"], n["reason"]) for n in amal_person.get(
                f"/v1/candidates/{people['amal'][1]}/notices")["items"]}

        # Today's session: its register, taken with the module's register, shows on the plan.
        now = officer.post(plan, 201, json={"session_date": today.isoformat()})
        officer.post(f"/v1/training-modules/{module['id']}/sessions", 201, json={
            "session_date": today.isoformat(), "hours": "3",
            "attendees": [enrolments["amal"]]})
        assert officer.get(f"/v1/planned-sessions/{now['id']}")["recorded"] is True
        listed = amal_person.get(plan)["items"]
        assert [s["session_date"] for s in listed] == sorted(s["session_date"] for s in listed)
    finally:
        receiver.shutdown()
