"""Disclosure control through the gateway, every service a process, each step by the actor who
does it: a programme whose figures are the ones that could be undone before (issue 16) is run
to its returnees' first follow-up, and its ministry reads the indicators (JSON and both CSVs),
the statistics and the overview. From each it builds the linear system of what it was shown
and of the relations the response documents, and no withheld count is recoverable.

The programme: 11 returnees, 6 women and 5 men, 9 from Morocco and 2 from Tunisia. At return:
6 employed by their host company (5 Moroccans, 1 Tunisian: "6 in total and 5 for Morocco, so
Tunisia = 1"), 2 self-employed men ("2 in total and 0 for women, so men = 2"), 3 seeking work.
A second programme has one returnee ("total.returnees: 1" with the threshold at 5).
"""

from datetime import timedelta

from tests.actors import Api, account, officer_with_programme, until
from tests.candidates.factories import candidate_body
from tests.linear_system import statistics_withheld
from tests.placements.factories import employer_body, vacancy_body
from tests.reintegration.factories import answer_body
from tests.reintegration.indicators.release import (
    check,
    exact_for_ministry,
    flatten,
    parse_csv,
)
from tests.reintegration.test_through_gateway import _placed, _today, admin

__all__ = ["admin"]  # the module's running system, shared with the reintegration tests

# (gender, nationality, status at return)
RETURNEES = [
    *[("female", "MA", "employed_host_company")] * 4,
    ("male", "MA", "employed_host_company"),
    ("male", "TN", "employed_host_company"),
    *[("male", "MA", "self_employed")] * 2,
    *[("female", "MA", "seeking_work")] * 2,
    ("male", "TN", "seeking_work"),
]


def _run(admin: Api, people: list[tuple[str, str, str]]) -> tuple[Api, str]:
    """A programme whose ``people`` apply, are selected, placed, come back and answer their
    follow-up at return; its officer and id."""
    today = _today()
    returned, arrived = today - timedelta(days=20), today - timedelta(days=120)
    officer, pid = officer_with_programme(admin, sectors=["ict"])
    host = officer.post("/v1/employers", 201, json=employer_body(programme_ids=(pid,)))
    vacancy = officer.post("/v1/vacancies", 201, json=vacancy_body(
        employer_id=host["id"], programme_id=pid, sector="ict", seats=len(people),
        start_date=arrived.isoformat(), duration_months=3))["id"]
    candidates = {}
    for gender, nationality, status in people:
        candidate = admin.post("/v1/candidates", 201, json=candidate_body(
            gender=gender, nationality=nationality, residence_country=nationality,
            available_from_date=(today - timedelta(days=400)).isoformat(),
            available_until_date=None))
        admin.post(f"/v1/candidates/{candidate['id']}/consents", 201, json={
            "purpose": "data_processing", "text_version": "v1", "action": "given"})
        application = admin.post("/v1/applications", 201, json={
            "candidate_id": candidate["id"], "programme_id": pid})
        admin.post(f"/v1/applications/{application['id']}/submit")
        candidates[candidate["id"]] = status
    officer.post(f"/v1/programmes/{pid}/screening")
    officer.post(f"/v1/programmes/{pid}/selection")
    for person in candidates:
        url = _placed(officer, person, vacancy, arrived=arrived)
        officer.post(f"{url}/complete", json={"end_date": returned.isoformat()})
    cases = until(lambda: len(found := officer.get("/v1/returnee-cases", params={
        "programme_id": pid})["items"]) == len(people) and found, "every returnee's case")
    for case in cases:
        [at_return] = [f for f in officer.get(f"/v1/returnee-cases/{case['id']}/follow-ups")[
            "items"] if f["point_months"] == 0]
        officer.post(f"/v1/follow-ups/{at_return['id']}/answer", json=answer_body(
            candidates[case["candidate_id"]],
            answered_on=(returned + timedelta(days=3)).isoformat()))
    return officer, pid


def test_a_ministry_cannot_undo_suppression(admin: Api) -> None:
    officer, pid = _run(admin, RETURNEES)
    ministry, _ = account(admin, "ministry", programme_ids=[pid])
    params = {"programme_id": pid}
    exact = officer.get("/v1/indicators", params=params)
    seen = ministry.get("/v1/indicators", params=params)

    # What the officer reads: the figures.
    at_return = {g["value"]: g["by_point"][0] for g in exact["by_origin_country"]}
    assert (exact["total"]["by_point"][0]["host_company"], at_return["MA"]["host_company"],
            at_return["TN"]["host_company"]) == (6, 5, 1)
    created = {g["value"]: g["businesses_created"] for g in exact["by_gender"]}
    assert (exact["total"]["businesses_created"], created) == (2, {"female": 0, "male": 2})

    # What the ministry reads: Tunisia (2 returnees) is left out, and so is Morocco, whose 9
    # would be 11 - 2 (each count of Morocco's, its 5 at the host company, would give
    # Tunisia's away); the 2 businesses and the men's 2 are withheld, the women's 0 stays.
    hidden = check(exact_for_ministry(exact), flatten(seen))
    assert (seen["small_cell_threshold"], seen["suppressed_cells"]) == (5, len(hidden))
    assert seen["by_origin_country"] == []
    assert seen["total"]["returnees"] == 11
    assert seen["total"]["businesses_created"] is None
    by_gender = {g["value"]: g["businesses_created"] for g in seen["by_gender"]}
    assert by_gender == {"female": 0, "male": None}

    # Both CSVs carry the same release.
    for path, headers in (("/v1/indicators", {"Accept": "text/csv"}),
                          ("/v1/indicators/export.csv", {})):
        response = ministry.http.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        table, closing = parse_csv(response.text)
        assert table == flatten(seen)
        assert closing == {"small_cell_threshold": 5, "suppressed_cells": len(hidden)}
        check(exact_for_ministry(exact), table)

    # The statistics, and the overview that puts them beside the indicators.
    statistics = ministry.get(f"/v1/programmes/{pid}/statistics")
    withheld = statistics_withheld(officer.get(f"/v1/programmes/{pid}/statistics"), statistics)
    assert statistics["suppressed_cells"] == len(withheld)
    overview = ministry.get(f"/v1/programmes/{pid}/overview")
    assert {**overview["reintegration"], "computed_at": None} == {**seen, "computed_at": None}
    assert (overview["applications_total"], overview["applicants_by_gender"],
            overview["applicants_by_nationality"]) == (
        statistics["applications_total"], statistics["by_gender"],
        statistics["by_nationality"])
    assert (overview["small_cell_threshold"], overview["suppressed_cells"]) == (
        5, len(hidden) + len(withheld))
    # Every figure the overview adds is a sum of shown counts, or null.
    moved = overview["planned_vs_actual"]["moved"]["actual"]
    shown_status = statistics["by_status"]
    if any(shown_status.get(s, 0) is None for s in ("placed", "returned")):
        assert moved is None
    else:
        assert moved == sum(shown_status.get(s, 0) for s in ("placed", "returned"))


def test_a_total_of_one_returnee_is_withheld(admin: Api) -> None:
    officer, pid = _run(admin, [("female", "TN", "self_employed")])
    ministry, _ = account(admin, "ministry", programme_ids=[pid])
    exact = officer.get("/v1/indicators", params={"programme_id": pid})
    assert exact["total"]["returnees"] == 1
    seen = ministry.get("/v1/indicators", params={"programme_id": pid})
    assert (seen["total"]["returnees"], seen["total"]["people"], seen["total"]["stays"],
            seen["total"]["businesses_created"], seen["total"]["by_point"]) == (
        None, None, None, None, [])
    assert seen["by_gender"] == seen["by_origin_country"] == seen["by_sector"] == []
    hidden = check(exact_for_ministry(exact), flatten(seen))
    assert seen["suppressed_cells"] == len(hidden) > 0
    statistics = ministry.get(f"/v1/programmes/{pid}/statistics")
    assert statistics["applications_total"] is None
    assert statistics["suppressed_cells"] == len(
        statistics_withheld(officer.get(f"/v1/programmes/{pid}/statistics"), statistics))
