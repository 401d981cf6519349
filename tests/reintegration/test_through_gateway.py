"""Reintegration through the gateway, every service a process, each step by the actor who does
it in real life (operators record what happened on the day it happened):

- MENTOR 2: an officer records mentoring during the stay for a trainee who has no case yet
  (the candidates service vouches for her); an officer of another programme naming her gets a
  404; the case opened at her return takes the measure.
- WAFIRA: a returnee of two seasons has one case of two stays, each followed up from its own
  return, and counts as one person and two stays.
- A ministry reads the indicators: the small sectors taken together as ``other``, every
  follow-up point with its missed and pending counts, support by stage and kind.

The admin only makes the accounts and seeds the applicants (as the other end-to-end tests do).
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.actors import Api, account, officer_with_programme, until
from tests.candidates.factories import candidate_body
from tests.conftest import RunDatabase
from tests.placements.factories import STAY_FIELDS, employer_body, vacancy_body
from tests.reintegration.factories import answer_body
from tests.system import admin_token, running_system


@pytest.fixture(scope="module")
def admin(scratch_database: RunDatabase) -> Iterator[Api]:
    """The admin of a running system, whose job here is accounts and seeding applicants."""
    with running_system(scratch_database.admin_url) as urls:
        yield Api(urls["gateway"], admin_token(scratch_database.admin_url, urls["gateway"]))


def _today() -> date:
    return datetime.now(UTC).date()


def _selected(admin: Api, officer: Api, programme_id: str, count: int,
              **profile: Any) -> list[str]:
    """``count`` applicants the admin seeds, screened and selected by the officer."""
    applications = []
    for _ in range(count):
        candidate = admin.post("/v1/candidates", 201, json=candidate_body(
            available_from_date=(_today() - timedelta(days=400)).isoformat(),
            available_until_date=None, **profile))
        admin.post(f"/v1/candidates/{candidate['id']}/consents", 201, json={
            "purpose": "data_processing", "text_version": "v1", "action": "given"})
        application = admin.post("/v1/applications", 201, json={
            "candidate_id": candidate["id"], "programme_id": programme_id})
        admin.post(f"/v1/applications/{application['id']}/submit")
        applications.append(application)
    officer.post(f"/v1/programmes/{programme_id}/screening")
    officer.post(f"/v1/programmes/{programme_id}/selection")
    for application in applications:
        assert officer.get(f"/v1/applications/{application['id']}")["status"] == "selected"
    return [a["candidate_id"] for a in applications]


def _placed(officer: Api, candidate_id: str, vacancy_id: str, *, arrived: date,
            employer: Api | None = None, visa_desk: Api | None = None) -> str:
    """The officer places the candidate, both sides accept (the officer records what they
    were not there to do), the visa is requested and granted, and the trainee arrives on
    ``arrived``; the placement's URL."""
    placement = officer.post("/v1/placements", 201, json={
        "candidate_id": candidate_id, "vacancy_id": vacancy_id})
    url = f"/v1/placements/{placement['id']}"
    (employer or officer).post(f"{url}/accept-employer")
    officer.post(f"{url}/accept-candidate")
    officer.post(f"{url}/request-visa", json={
        "requested_on": (arrived - timedelta(days=20)).isoformat()})
    (visa_desk or officer).post(f"{url}/visa-decision", json={
        "decision": "granted", "decision_date": (arrived - timedelta(days=10)).isoformat()})
    officer.post(f"{url}/arrive", json={"arrival_date": arrived.isoformat()})
    return url


def _case_of(api: Api, candidate_id: str, *, stays: int = 1) -> dict[str, Any]:
    """The candidate's case once reintegration heard of ``stays`` returns."""
    def found() -> dict[str, Any] | None:
        cases = api.get("/v1/returnee-cases", params={"candidate_id": candidate_id})["items"]
        return cases[0] if cases and len(cases[0]["stays"]) == stays else None

    return until(found, f"{candidate_id}'s case of {stays} stays")  # type: ignore[no-any-return]


def test_mentoring_during_the_stay_before_there_is_a_case(admin: Api) -> None:
    today = _today()
    officer, pid = officer_with_programme(
        admin, destination_countries=["IT"], sectors=["ict"], stay_types=["traineeship"])
    company = officer.post("/v1/employers", 201, json=employer_body(
        programme_ids=(pid,), country="IT", city="Milano"))
    traineeship = officer.post("/v1/vacancies", 201, json=vacancy_body(
        employer_id=company["id"], programme_id=pid, seats=1,
        location={"country": "IT", "city": "Milano"},
        start_date=(today - timedelta(days=30)).isoformat(), **STAY_FIELDS["traineeship"]))
    [trainee] = _selected(admin, officer, pid, 1, preferred_countries=["IT"])
    host, _ = account(admin, "employer", employer_id=company["id"])
    desk, _ = account(admin, "visa_authority", programme_ids=[pid], country="IT")
    url = _placed(officer, trainee, traineeship["id"], arrived=today - timedelta(days=30),
                  employer=host, visa_desk=desk)

    # During the traineeship, the municipality's mentor starts; the officer records it.
    body = {"candidate_id": trainee, "programme_id": pid, "stage": "during_stay",
            "kind": "mentoring", "provider": "Comune di Milano",
            "start_date": (today - timedelta(days=25)).isoformat()}
    measure = officer.post("/v1/support-measures", 201, json=body)
    assert (measure["case_id"], measure["stage"], measure["candidate_id"]) == \
        (None, "during_stay", trainee)
    officer.post(f"/v1/support-measures/{measure['id']}/start",
                 json={"start_date": body["start_date"]})

    # An officer of another programme cannot name her, with either programme.
    stranger, their_programme = officer_with_programme(admin)
    for programme_id in (their_programme, pid):
        refused = stranger.post("/v1/support-measures", 404,
                                json={**body, "programme_id": programme_id})
        assert refused["type"] == "/problems/candidate-not-found"
    stranger.get(f"/v1/support-measures/{measure['id']}", 404)

    # She sees it in her app; at her return her case opens and takes it.
    her, _ = account(admin, "candidate", candidate_id=trainee)
    assert [m["id"] for m in her.get("/v1/support-measures")["items"]] == [measure["id"]]
    officer.post(f"{url}/complete", json={"end_date": (today - timedelta(days=1)).isoformat()})
    case = _case_of(her, trainee)
    assert case["stays"][0]["stay_type"] == "traineeship"
    until(lambda: her.get(f"/v1/support-measures/{measure['id']}")["case_id"] == case["id"],
          "the measure to join the case")
    support = officer.get("/v1/indicators", params={"programme_id": pid})["support"]
    assert support == [{"stage": "during_stay", "kind": "mentoring", "measures": 1,
                        "people": 1, "spend": []}]


def test_a_returnee_of_two_seasons_has_one_case(admin: Api) -> None:
    today = _today()
    first, second = today - timedelta(days=420), today - timedelta(days=90)
    seasons = [{"name": f"{start:%Y-%m}", "starts_on": start.isoformat(),
                "ends_on": (start + timedelta(days=120)).isoformat()}
               for start in (first, second)]
    officer, pid = officer_with_programme(
        admin, destination_countries=["ES"], sectors=["agriculture"], stay_types=["seasonal"],
        repeat_stays=True, seasons=seasons)
    farm = officer.post("/v1/employers", 201, json=employer_body(
        programme_ids=(pid,), country="ES", city="Huelva", sector="agriculture"))
    vacancies = [officer.post("/v1/vacancies", 201, json=vacancy_body(
        employer_id=farm["id"], programme_id=pid, seats=1, title="Strawberry harvest",
        location={"country": "ES", "city": "Huelva"}, start_date=season["starts_on"],
        **{**STAY_FIELDS["seasonal"], "season": season["name"]}))["id"]
        for season in seasons]
    [worker] = _selected(admin, officer, pid, 1, preferred_countries=["ES"],
                         preferred_sectors=["agriculture"])

    returns = [first + timedelta(days=110), second + timedelta(days=88)]
    for vacancy, start, returned, stays in zip(vacancies, (first, second), returns, (1, 2),
                                               strict=True):
        url = _placed(officer, worker, vacancy, arrived=start)
        officer.post(f"{url}/complete", json={"end_date": returned.isoformat()})
        case = _case_of(officer, worker, stays=stays)
        # Candidates hears of the return too: she may be placed again for the next season.
        until(lambda: officer.get("/v1/applications", params={"candidate_id": worker})[
            "items"][0]["status"] == "returned", "her application to be returned")

    assert [(s["season"], s["stay_type"], s["return_date"]) for s in case["stays"]] == [
        (seasons[0]["name"], "seasonal", returns[0].isoformat()),
        (seasons[1]["name"], "seasonal", returns[1].isoformat())]
    assert (case["return_date"], case["status"]) == (returns[1].isoformat(), "open")
    follow_ups = officer.get(f"/v1/returnee-cases/{case['id']}/follow-ups")["items"]
    assert sorted(f["due_date"] for f in follow_ups if f["point_months"] == 0) == \
        [r.isoformat() for r in returns]
    total = officer.get("/v1/indicators", params={"programme_id": pid})["total"]
    assert (total["returnees"], total["people"], total["stays"]) == (1, 1, 2)
    assert officer.get("/v1/returnee-cases", params={"programme_id": pid})["items"] == [case]


SECTORS = ["ict"] * 5 + ["agriculture"] * 3 + ["logistics"] * 2


def test_the_ministry_reads_other_sectors_and_missed_follow_ups(admin: Api) -> None:
    today = _today()
    returned, arrived = today - timedelta(days=100), today - timedelta(days=190)
    officer, pid = officer_with_programme(admin, sectors=sorted(set(SECTORS)))
    host = officer.post("/v1/employers", 201, json=employer_body(programme_ids=(pid,)))
    vacancies = {sector: officer.post("/v1/vacancies", 201, json=vacancy_body(
        employer_id=host["id"], programme_id=pid, sector=sector, seats=SECTORS.count(sector),
        start_date=arrived.isoformat(), duration_months=3))["id"] for sector in set(SECTORS)}
    people = _selected(admin, officer, pid, len(SECTORS))
    for person, sector in zip(people, SECTORS, strict=True):
        url = _placed(officer, person, vacancies[sector], arrived=arrived)
        officer.post("/v1/support-measures", 201, json={
            "candidate_id": person, "programme_id": pid, "stage": "during_stay",
            "kind": "mentoring"})
        officer.post(f"{url}/complete", json={"end_date": returned.isoformat()})
    cases = until(lambda: len(found := officer.get("/v1/returnee-cases", params={
        "programme_id": pid})["items"]) == len(SECTORS) and found, "every returnee's case")
    # Five returnees answered the call at their return; the caseworker records it now.
    for case in cases[:5]:
        [at_return] = [f for f in officer.get(f"/v1/returnee-cases/{case['id']}/follow-ups")[
            "items"] if f["point_months"] == 0]
        officer.post(f"/v1/follow-ups/{at_return['id']}/answer", json=answer_body(
            "seeking_work", answered_on=(returned + timedelta(days=3)).isoformat()))

    ministry, _ = account(admin, "ministry", programme_ids=[pid])
    seen = ministry.get("/v1/indicators", params={"programme_id": pid})
    assert seen["small_cell_threshold"] == 5
    assert [(g["value"], g["people"]) for g in seen["by_sector"]] == [("ict", 5), ("other", 5)]
    full = officer.get("/v1/indicators", params={"programme_id": pid})
    assert [(g["value"], g["people"]) for g in full["by_sector"]] == [
        ("ict", 5), ("agriculture", 3), ("logistics", 2)]
    points = {p["point_months"]: p for p in seen["total"]["by_point"]}
    assert sorted(points) == [0, 1, 3, 6, 12]  # every point, answered or not
    counts = ("due", "answered", "unreachable", "missed", "open", "pending")
    assert {m: tuple(points[m][c] for c in counts) for m in points} == {
        0: (10, 5, 0, 5, 0, 0),  # five answers recorded, five missed
        1: (10, 0, 0, 10, 0, 0),  # nobody called back within the window
        3: (0, 0, 0, 0, 10, 0),  # answerable now
        6: (0, 0, 0, 0, 0, 10), 12: (0, 0, 0, 0, 0, 10)}
    assert seen["support"] == [{"stage": "during_stay", "kind": "mentoring", "measures": 10,
                                "people": 10, "spend": []}]
    overview = ministry.get(f"/v1/programmes/{pid}/overview")
    assert {**overview["reintegration"], "computed_at": None} == {**seen, "computed_at": None}
    ministry.get("/v1/returnee-cases", 403)
