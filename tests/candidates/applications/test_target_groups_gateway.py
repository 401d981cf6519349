"""A women-only programme run by its actors through the gateway: the officer opens it with its
target group, people sign up and apply themselves, the officer screens and selects."""

from collections.abc import Iterator

import pytest

from tests.actors import PASSWORD, Api, login, new_email
from tests.candidates.factories import programme_body
from tests.conftest import RunDatabase
from tests.system import admin_token, running_system
from tests.test_actors import sign_up


@pytest.fixture(scope="module")
def gateway(scratch_database: RunDatabase) -> Iterator[str]:
    """The gateway's URL, with every service behind it."""
    with running_system(scratch_database.admin_url) as urls:
        yield urls["gateway"]


@pytest.fixture(scope="module")
def officer(gateway: str, scratch_database: RunDatabase) -> str:
    """The e-mail of an officer the admin created (the admin's only job here)."""
    admin = Api(gateway, admin_token(scratch_database.admin_url, gateway))
    email = new_email("officer")
    admin.post("/v1/admin/accounts", 201, json={
        "email": email, "password": PASSWORD, "role": "officer", "programme_ids": []})
    return email


def test_a_women_only_programme_screens_out_a_man_and_selects_women(
        gateway: str, officer: str) -> None:
    # WAFIRA: Moroccan women seasonal workers in Spanish agriculture.
    programme_id = login(gateway, officer).post("/v1/programmes", 201, json=programme_body(
        origin_countries=["MA"], destination_countries=["ES"], capacity=2,
        gender_balance_min_share="1.00",
        eligibility={"genders": ["female"], "residence_countries": ["MA"]}))["id"]
    officer_api = login(gateway, officer)  # the next token carries the new programme
    applications = {}
    for gender in ("female", "male"):
        person, _ = sign_up(gateway, gender=gender)
        me = person.claims()["candidate_id"]
        person.post(f"/v1/candidates/{me}/consents", 201, json={
            "purpose": "data_processing", "text_version": "2026-01", "action": "given"})
        application = person.post("/v1/applications", 201, json={
            "candidate_id": me, "programme_id": programme_id})
        applications[gender] = person.post(f"/v1/applications/{application['id']}/submit")

    officer_api.post(f"/v1/programmes/{programme_id}/screening")
    man = officer_api.get(f"/v1/applications/{applications['male']['id']}")
    assert man["status"] == "ineligible"
    assert [r["code"] for r in man["screening_reasons"]] == ["gender_not_admitted"]

    result = officer_api.post(f"/v1/programmes/{programme_id}/selection")
    assert [d["application_id"] for d in result["decisions"]] == [applications["female"]["id"]]
    assert result["summary"]["targets"] == [{
        "gender": "female", "kind": "at_least", "target": 2, "selected": 1, "met": False,
        "reason": "only 1 eligible woman for 2 reserved seats"}]


def test_a_split_beyond_capacity_is_refused_and_nothing_is_opened(
        gateway: str, officer: str) -> None:
    officer_api = login(gateway, officer)
    problem = officer_api.post("/v1/programmes", 422, json=programme_body(
        capacity=4, gender_targets={"female": 3, "male": 2}))
    assert problem["type"] == "/problems/invalid-gender-targets"
    assert problem["errors"][0]["loc"] == ["body", "gender_targets"]
    assert login(gateway, officer).claims().get("programme_ids") == officer_api.claims().get(
        "programme_ids")
