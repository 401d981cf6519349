"""Languages through the gateway, every service a process, each reader with their own token:

- an employer reads placements' problems in French (``Accept-Language: fr``): another
  employer's vacancy (404), a vacancy whose fields do not fit its stay type (422, each field
  named), a vacancy while it is suspended in the programme (409); titles, details and field
  messages in French, ``Content-Language: fr``, and every code (``type``, ``loc``, error
  ``type``) as in English;
- a returnee reads the follow-up questions and the reintegration labels in Arabic, codes
  unchanged.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.actors import Api, account, officer_with_programme, sign_up
from tests.conftest import RunDatabase
from tests.placements.factories import STAY_FIELDS, employer_body, vacancy_body
from tests.system import admin_token, running_system

FRENCH = {"Accept-Language": "fr"}
ARABIC = {"Accept-Language": "ar"}


@pytest.fixture(scope="module")
def admin(scratch_database: RunDatabase) -> Iterator[Api]:
    """The admin of a running system: here to make the accounts."""
    with running_system(scratch_database.admin_url) as urls:
        yield Api(urls["gateway"], admin_token(scratch_database.admin_url, urls["gateway"]))


def _in(response: httpx.Response, status: int, language: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-language"] == language
    body: dict[str, Any] = response.json()
    return body


def test_an_employer_reads_its_problems_in_french(admin: Api) -> None:
    officer, pid = officer_with_programme(admin)
    mine = officer.post("/v1/employers", 201, json=employer_body(programme_ids=(pid,)))
    theirs = officer.post("/v1/employers", 201, json=employer_body(
        programme_ids=(pid,), name="Nordlys Logistique"))
    their_job = officer.post("/v1/vacancies", 201, json=vacancy_body(
        employer_id=theirs["id"], programme_id=pid))
    host, _ = account(admin, "employer", employer_id=mine["id"])

    # Another employer's vacancy: as if it did not exist, said in French.
    missing = _in(host.http.get(f"/v1/vacancies/{their_job['id']}", headers=FRENCH), 404, "fr")
    assert (missing["type"], missing["title"]) == ("/problems/vacancy-not-found",
                                                   "Offre introuvable")
    assert their_job["id"] in missing["detail"]

    # A work vacancy with a traineeship's agreement: each field named, in French.
    body = vacancy_body(employer_id=mine["id"], programme_id=pid,
                        training_agreement_reference="TA-2026-07")
    unfit = _in(host.http.post("/v1/vacancies", json=body, headers=FRENCH), 422, "fr")
    assert unfit["type"] == "/problems/stay-fields-invalid"
    assert unfit["title"] == "Champs inadaptés au type de séjour"
    assert unfit["detail"] == ("Des champs ne conviennent pas à une offre work\u00a0: "
                               "training_agreement_reference\u202f; voir errors.")
    assert unfit["errors"] == [{"loc": ["body", "training_agreement_reference"],
                                "msg": "seulement pour un séjour traineeship, pas work",
                                "type": "stay_type_mismatch"}]
    # The same request in English: the words change, the codes do not.
    english = host.http.post("/v1/vacancies", json=body)
    assert english.headers["content-language"] == "en"
    assert english.json()["errors"][0]["msg"] == "only for a traineeship stay, not work"
    assert [e["type"] for e in english.json()["errors"]] == ["stay_type_mismatch"]

    # Suspended in the programme, the employer publishes nothing there: a 409 in French.
    officer.post(f"/v1/employers/{mine['id']}/suspend", json={
        "programme_id": pid, "reason": "Fees charged to workers."})
    refused = _in(host.http.post("/v1/vacancies", headers=FRENCH, json=vacancy_body(
        employer_id=mine["id"], programme_id=pid, **STAY_FIELDS["work"])), 409, "fr")
    assert (refused["type"], refused["title"]) == ("/problems/employer-suspended",
                                                   "Employeur suspendu dans le programme")
    assert refused["detail"] == (
        f"L'employeur {mine['id']} est suspendu dans le programme {pid}\u00a0: il n'y reçoit "
        "ni offre ni placement tant qu'il n'est pas réintégré.")
    assert (refused["employer_id"], refused["programme_id"]) == (mine["id"], pid)

    # An unknown language: English, and the header says so.
    assert _in(host.http.get(f"/v1/vacancies/{their_job['id']}",
                             headers={"Accept-Language": "sw"}), 404, "en")["title"] == (
        "Vacancy not found")


def test_a_returnee_reads_the_follow_up_questions_in_arabic(admin: Api) -> None:
    returnee, _ = sign_up(admin.gateway)

    asked = _in(returnee.http.get("/v1/follow-ups/questions", headers=ARABIC), 200, "ar")
    assert asked["language"] == "ar"
    questions = {q["code"]: q for q in asked["questions"]}
    assert list(questions) == [
        "employment_status", "employer_name", "job_sector", "job_location", "income_band",
        "skills_use", "satisfaction", "sustainability.economic", "sustainability.social",
        "sustainability.psychosocial", "notes"]
    where = questions["job_location"]
    assert where["text"] == "أين يقع عملك؟"
    assert where["choices"] == [{"code": "origin_country", "label": "في بلدي الأصلي"},
                                {"code": "abroad", "label": "في الخارج"}]
    assert where["only_for"] == ["employed_host_company", "employed_other_employer",
                                 "self_employed"]
    assert questions["employment_status"]["text"] == "ما وضعك المهني الآن؟"
    assert "unreachable" not in [c["code"] for c in questions["employment_status"]["choices"]]

    # The same questions in English: other words, the same codes.
    english = _in(returnee.http.get("/v1/follow-ups/questions"), 200, "en")
    assert [q["code"] for q in english["questions"]] == list(questions)
    assert english["questions"][3]["text"] == "Where is your job?"
    assert [c["code"] for c in english["questions"][3]["choices"]] == [
        "origin_country", "abroad"]

    labels = _in(returnee.http.get("/v1/labels/reintegration", headers=ARABIC), 200, "ar")
    assert labels["language"] == "ar"
    assert labels["labels"]["follow_up.status"] == {
        "scheduled": "مجدولة", "completed": "مكتملة", "overdue": "متأخرة", "cancelled": "ملغاة"}
    assert labels["labels"]["support_measure.stage"]["after_return"] == "بعد العودة"
