"""Partners and their agreements, each step by the actor who takes it, through the gateway.

HOMERe's officer records its consortium (the Moroccan and Tunisian universities, a ministry as
associate). MENTOR 2's officer records its own (the cities of Milan, Tangier, Turin and
Khouribga); the City of Milan's account records the agreement it signed with Tangier, and cannot
name a university of HOMERe it has nothing to do with. MENTOR 2's ministry reads the programme's
overview with its partners and their agreements; HOMERe's officer reads none of it.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from shared.clock import utc_today
from tests.actors import PASSWORD, Api, account, login, new_email
from tests.candidates.factories import institution_body, programme_body
from tests.conftest import RunDatabase
from tests.system import admin_token, running_system

YESTERDAY = (utc_today() - timedelta(days=1)).isoformat()


@dataclass
class Pilots:
    """The gateway, its admin, and each programme's officer (by e-mail: a fresh login carries
    the programmes they opened)."""

    gateway: str
    admin: Api
    officers: dict[str, str]


@pytest.fixture(scope="module")
def pilots(scratch_database: RunDatabase) -> Iterator[Pilots]:
    with running_system(scratch_database.admin_url) as urls:
        gateway = urls["gateway"]
        admin = Api(gateway, admin_token(scratch_database.admin_url, gateway))
        officers = {}
        for pilot in ("homere", "mentor2"):
            officers[pilot] = new_email("officer")
            admin.post("/v1/admin/accounts", 201, json={
                "email": officers[pilot], "password": PASSWORD, "role": "officer",
                "programme_ids": []})
        yield Pilots(gateway, admin, officers)


def open_programme(pilots: Pilots, pilot: str, **body: Any) -> tuple[Api, str]:
    """The pilot's officer opens it; their session (a fresh token, carrying it) and its id."""
    programme = login(pilots.gateway, pilots.officers[pilot]).post(
        "/v1/programmes", 201, json=programme_body(**body))
    return login(pilots.gateway, pilots.officers[pilot]), programme["id"]


def register(officer: Api, name: str, kind: str, country: str, city: str) -> str:
    """The officer registers a partner institution; its id."""
    return str(officer.post("/v1/institutions", 201, json=institution_body(
        name=name, kind=kind, country=country, city=city))["id"])


@pytest.fixture(scope="module")
def homere(pilots: Pilots) -> dict[str, str]:
    """HOMERe opened by its officer with its plan (250 interns), its Egyptian component
    cancelled, and its consortium recorded."""
    officer, programme = open_programme(pilots, "homere", name="HOMERe: internships in France",
                                        origin_countries=["MA", "TN", "EG"],
                                        destination_countries=["FR"],
                                        planned={"applicants": None, "trained": None,
                                                 "moved": 250})
    officer.post(f"/v1/programmes/{programme}/origin-suspensions", 201, json={
        "country": "EG", "reason": "The Egyptian component was cancelled.",
        "suspended_on": YESTERDAY})
    um5 = register(officer, "Université Mohammed V de Rabat", "university", "MA", "Rabat")
    utm = register(officer, "Université de Tunis El Manar", "university", "TN", "Tunis")
    ministry = register(officer, "Ministère de l'Enseignement Supérieur", "ministry", "MA",
                        "Rabat")
    for institution, role, joined in ((um5, "lead", "2019-05-01"), (utm, "partner", "2019-05-01"),
                                      (ministry, "associate", "2019-09-15")):
        member = officer.post(f"/v1/programmes/{programme}/consortium", 201, json={
            "institution_id": institution, "role": role, "joined_on": joined})
        assert member["institution"]["id"] == institution
    return {"programme": programme, "um5": um5, "utm": utm, "ministry": ministry}


@pytest.fixture(scope="module")
def mentor2(pilots: Pilots) -> dict[str, str]:
    """MENTOR 2 opened by its officer, its four cities in the consortium."""
    officer, programme = open_programme(
        pilots, "mentor2", name="MENTOR 2: traineeships in Milan and Turin",
        origin_countries=["MA", "TN"], destination_countries=["IT"])
    ids = {"programme": programme}
    for key, name, country, role in (("milan", "Comune di Milano", "IT", "lead"),
                                     ("tangier", "Commune de Tanger", "MA", "partner"),
                                     ("turin", "Città di Torino", "IT", "partner"),
                                     ("khouribga", "Commune de Khouribga", "MA", "partner")):
        ids[key] = register(officer, name, "municipality", country, name.split()[-1])
        officer.post(f"/v1/programmes/{programme}/consortium", 201, json={
            "institution_id": ids[key], "role": role, "joined_on": "2020-01-15"})
    return ids


def test_officer_records_homeres_consortium(pilots: Pilots, homere: dict[str, str]) -> None:
    officer = login(pilots.gateway, pilots.officers["homere"])
    members = officer.get(f"/v1/programmes/{homere['programme']}/consortium")["items"]
    assert {(m["institution"]["name"], m["role"], m["joined_on"]) for m in members} == {
        ("Université Mohammed V de Rabat", "lead", "2019-05-01"),
        ("Université de Tunis El Manar", "partner", "2019-05-01"),
        ("Ministère de l'Enseignement Supérieur", "associate", "2019-09-15")}
    assert {m["institution"]["kind"] for m in members} == {"university", "ministry"}
    again = officer.post(f"/v1/programmes/{homere['programme']}/consortium", 409, json={
        "institution_id": homere["utm"], "role": "lead"})
    assert again["type"] == "/problems/already-member"
    tomorrow = (utc_today() + timedelta(days=1)).isoformat()
    ministry_of_labour = register(officer, "Ministère de l'Emploi", "ministry", "TN", "Tunis")
    future = officer.post(f"/v1/programmes/{homere['programme']}/consortium", 422, json={
        "institution_id": ministry_of_labour, "role": "associate", "joined_on": tomorrow})
    assert ["body", "joined_on"] in [e["loc"] for e in future["errors"]]


def milan_tangier_body(mentor2: dict[str, str]) -> dict[str, Any]:
    """The agreement the cities of Milan and Tangier signed for MENTOR 2."""
    return {"programme_id": mentor2["programme"],
            "party_ids": [mentor2["milan"], mentor2["tangier"]],
            "title": "Milan-Tangier: traineeships and mentoring",
            "purpose": "Milan's firms host young people of Tangier as trainees; both cities "
                       "mentor them after their return.",
            "signed_on": "2020-02-10", "starts_on": "2020-03-01", "ends_on": "2022-02-28",
            "document_reference": "Comune di Milano, protocollo 2020/118"}


@pytest.fixture(scope="module")
def milan(pilots: Pilots, mentor2: dict[str, str]) -> tuple[Api, dict[str, Any]]:
    """The City of Milan's account (made by the admin), and the agreement with Tangier it
    recorded itself."""
    city, _ = account(pilots.admin, "institution", institution_id=mentor2["milan"])
    return city, city.post("/v1/agreements", 201, json=milan_tangier_body(mentor2))


def test_milan_records_its_agreement_with_tangier(pilots: Pilots, homere: dict[str, str],
                                                  mentor2: dict[str, str],
                                                  milan: tuple[Api, dict[str, Any]]) -> None:
    city, signed = milan
    body = milan_tangier_body(mentor2)
    assert {k: signed[k] for k in body} == body
    assert [p["name"] for p in signed["parties"]] == ["Comune di Milano", "Commune de Tanger"]
    assert city.get(f"/v1/agreements/{signed['id']}") == signed
    # Milan reads who its partners in the programme are (whom it may name).
    partners = city.get(f"/v1/programmes/{mentor2['programme']}/consortium")["items"]
    assert {m["institution_id"] for m in partners} == {
        mentor2[key] for key in ("milan", "tangier", "turin", "khouribga")}

    # A university of HOMERe is no partner of Milan's: for Milan it does not exist.
    foreign = city.post("/v1/agreements", 404, json=body | {
        "party_ids": [mentor2["milan"], homere["um5"]]})
    assert foreign["type"] == "/problems/institution-not-found"
    # Milan does not record what Turin and Khouribga signed.
    others = city.post("/v1/agreements", 422, json=body | {
        "party_ids": [mentor2["turin"], mentor2["khouribga"]]})
    assert others["type"] == "/problems/not-a-party"
    # Signed tomorrow, or ending before it starts: refused, naming the field.
    for bad, field in (({"signed_on": (utc_today() + timedelta(days=1)).isoformat()},
                        "signed_on"), ({"ends_on": "2020-02-01"}, "ends_on"),
                       ({"party_ids": [mentor2["milan"]]}, "party_ids")):
        problem = city.post("/v1/agreements", 422, json=body | bad)
        assert ["body", field] in [e["loc"] for e in problem["errors"]]
    assert [a["id"] for a in city.get("/v1/agreements")["items"]] == [signed["id"]]


def test_the_ministry_reads_partners_and_agreements_in_the_overview(
        pilots: Pilots, homere: dict[str, str], mentor2: dict[str, str],
        milan: tuple[Api, dict[str, Any]]) -> None:
    programme = mentor2["programme"]
    officer = login(pilots.gateway, pilots.officers["mentor2"])
    turin_khouribga = officer.post("/v1/agreements", 201, json={
        "programme_id": programme, "party_ids": [mentor2["turin"], mentor2["khouribga"]],
        "title": "Turin-Khouribga", "purpose": "Traineeships in Turin for Khouribga's youth.",
        "signed_on": "2020-06-30", "starts_on": "2020-09-01"})
    ministry, _ = account(pilots.admin, "ministry", programme_ids=[programme])

    overview = ministry.get(f"/v1/programmes/{programme}/overview")
    assert {(m["institution"]["name"], m["role"]) for m in overview["consortium"]} == {
        ("Comune di Milano", "lead"), ("Commune de Tanger", "partner"),
        ("Città di Torino", "partner"), ("Commune de Khouribga", "partner")}
    agreements = {a["title"]: a for a in overview["agreements"]}
    assert turin_khouribga["id"] == agreements["Turin-Khouribga"]["id"]
    assert agreements["Turin-Khouribga"]["ends_on"] is None
    assert agreements["Milan-Tangier: traineeships and mentoring"] == milan[1]
    assert overview["planned_vs_actual"]["applicants"]["actual"] == 0
    assert set(overview["planned_vs_actual"]) == {"applicants", "trained", "moved"}
    assert overview["suspended_origins"] == []
    assert ministry.get(f"/v1/agreements/{turin_khouribga['id']}")["title"] == "Turin-Khouribga"
    # The ministry reads; it records nothing.
    assert ministry.post("/v1/agreements", 403, json={})["type"] == "/problems/forbidden"
    # Nor does it read HOMERe's partners.
    assert ministry.get(f"/v1/programmes/{homere['programme']}/consortium", 404)


def test_homeres_ministry_reads_the_plan_beside_the_actuals(pilots: Pilots,
                                                            homere: dict[str, str]) -> None:
    ministry, _ = account(pilots.admin, "ministry", programme_ids=[homere["programme"]])
    overview = ministry.get(f"/v1/programmes/{homere['programme']}/overview")
    assert overview["planned_vs_actual"] == {
        "applicants": {"planned": None, "actual": 0}, "trained": {"planned": None, "actual": 0},
        "moved": {"planned": 250, "actual": 0}}
    assert overview["suspended_origins"] == [{
        "country": "EG", "reason": "The Egyptian component was cancelled.",
        "suspended_on": YESTERDAY}]
    assert {m["institution"]["kind"] for m in overview["consortium"]} == {"university",
                                                                          "ministry"}
    assert overview["agreements"] == []


def test_another_programmes_officer_reads_none_of_it(pilots: Pilots, homere: dict[str, str],
                                                     mentor2: dict[str, str],
                                                     milan: tuple[Api, dict[str, Any]]) -> None:
    programme = mentor2["programme"]
    officer = login(pilots.gateway, pilots.officers["homere"])
    for path in (f"/v1/programmes/{programme}/overview",
                 f"/v1/programmes/{programme}/consortium",
                 f"/v1/agreements?programme_id={programme}"):
        assert officer.get(path, 404)["type"] == "/problems/programme-not-found", path
    signed = milan[1]
    assert officer.get(f"/v1/agreements/{signed['id']}", 404)["type"] == \
        "/problems/agreement-not-found"
    # Nor does HOMERe's officer take MENTOR 2's partners in or out, or record for it.
    officer.post(f"/v1/programmes/{programme}/consortium", 404, json={
        "institution_id": homere["um5"], "role": "partner"})
    officer.call("DELETE", f"/v1/programmes/{programme}/consortium/{mentor2['milan']}", 404)
    officer.post("/v1/agreements", 404, json={
        "programme_id": programme, "party_ids": [mentor2["milan"], mentor2["tangier"]],
        "title": "Forged", "purpose": "Not theirs.", "signed_on": "2020-01-01",
        "starts_on": "2020-01-01"})
    assert signed["id"] not in {a["id"] for a in officer.get("/v1/agreements")["items"]}
