"""A programme from selection to return, through the gateway, with every service a process.

An admin sets up a programme, candidates selected through the candidates API and an employer
with a vacancy; an officer of the programme runs matching (placements fetches the profiles
from candidates with the officer's token), reviews and confirms; the placement then goes
through its lifecycle to completion, and the candidates service hears of it by events: the
application ends ``returned``. The officer reads the run's fairness report along the way: it
adds up to the run's pool, proposals and placements. The returnee then downloads her proof of
skills with her own token; a standard VC library (tests/external/verify_credential.mjs) finds
it valid with the issuer's keys and status list fetched without a token, and a tampered copy
not; once the officer revokes it, the library and the public verification both say revoked.
"""

import base64
import json
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from launcher.api_client import tls_context
from launcher.runner import PROJECT_ROOT
from tests.actors import Api, account, selected_candidate, until
from tests.candidates.factories import candidate_body, programme_body
from tests.conftest import RunDatabase
from tests.placements.factories import employer_body, vacancy_body
from tests.system import admin_token, running_system


@pytest.fixture(scope="module")
def gateway(scratch_database: RunDatabase) -> Iterator[str]:
    """The gateway's URL, with every service behind it."""
    with running_system(scratch_database.admin_url) as urls:
        yield urls["gateway"]


@pytest.fixture(scope="module")
def admin(gateway: str, scratch_database: RunDatabase) -> Api:
    """The admin, made once for the module's stories."""
    return Api(gateway, admin_token(scratch_database.admin_url, gateway))


def _account(admin: Api, role: str, **links: Any) -> Api:
    return account(admin, role, **links)[0]


def _fairness(officer: Api, run: dict[str, Any]) -> dict[str, Any]:
    """The run's fairness report as the officer reads it, checked to add up to the run."""
    report: dict[str, Any] = officer.get(f"/v1/matching-runs/{run['id']}/fairness")
    totals = report["totals"]
    assert (totals["pool"], totals["selected"]) == (run["summary"]["candidates"],
                                                    run["summary"]["proposals"])
    assert totals["placed"] == (run["confirmation"] or {"created": 0})["created"]
    for dimension in ("gender", "nationality", "age_band"):
        for column in totals:
            assert sum(g[column] for g in report[dimension]) == totals[column], dimension
    return report


VERIFY_SCRIPT = PROJECT_ROOT / "tests" / "external" / "verify_credential.mjs"


def _library_verdict(folder: Path, public: httpx.Client, jwt: str) -> dict[str, Any]:
    """What the VC library says of ``jwt`` given the issuer's keys and the status list it
    names, both fetched as anyone would (no token) and handed over as files: offline."""
    node = shutil.which("node")
    assert node is not None, "the tests need Node.js (tests/external)"
    payload = json.loads(base64.urlsafe_b64decode(jwt.split(".")[1] + "=="))
    status_url = payload["credentialStatus"]["statusListCredential"]
    keys, status = (public.get(path) for path in (
        "/v1/credentials/keys", "/v1/" + status_url.split("/v1/", 1)[1]))
    assert (keys.status_code, status.status_code) == (200, 200), (keys.text, status.text)
    assert status.headers["content-type"] == "application/vc+jwt"
    files = {"credential.jwt": jwt, "keys.json": keys.text, "status.jwt": status.text}
    for name, content in files.items():
        (folder / name).write_text(content)
    checked = subprocess.run([node, str(VERIFY_SCRIPT), *(str(folder / n) for n in files)],
                             cwd=VERIFY_SCRIPT.parent, capture_output=True, text=True,
                             timeout=60, check=False)
    assert checked.returncode == 0, checked.stderr
    verdict: dict[str, Any] = json.loads(checked.stdout)
    return verdict


def _tampered(jwt: str) -> str:
    """``jwt`` with its stay's outcome embellished, the signature kept."""
    head, body, signature = jwt.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=="))
    payload["credentialSubject"]["stay"]["outcome"] = "completed with distinction"
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{head}.{forged}.{signature}"


def _by_group(report: dict[str, Any], dimension: str,
              *columns: str) -> dict[str, tuple[Any, ...]]:
    return {g["group"]: tuple(g[c] for c in columns) for g in report[dimension]}


def test_selection_to_return(admin: Api, gateway: str, tmp_path: Path) -> None:
    today = datetime.now(UTC).date().isoformat()

    # candidates: a programme and two selected candidates
    programme = admin.post("/v1/programmes", 201, json=programme_body(
        gender_balance_min_share=None))
    pid = programme["id"]
    applications = []
    # Born on 1 January, 30 and 20 years ago: 25-34 and 18-24 whatever today is.
    year = datetime.now(UTC).year
    for gender, skills, born in (("female", ["Python", "SQL"], year - 30),
                                 ("male", ["Python"], year - 20)):
        candidate = admin.post("/v1/candidates", 201, json=candidate_body(
            gender=gender, skills=[{"label": s} for s in skills],
            date_of_birth=date(born, 1, 1).isoformat(),
            available_from_date=today, available_until_date=None))
        admin.post(f"/v1/candidates/{candidate['id']}/consents", 201, json={
            "purpose": "data_processing", "text_version": "v1", "action": "given"})
        application = admin.post("/v1/applications", 201, json={
            "candidate_id": candidate["id"], "programme_id": pid})
        admin.post(f"/v1/applications/{application['id']}/submit")
        assert admin.post(f"/v1/applications/{application['id']}/screen")["status"] == \
            "eligible"
        applications.append(application)
    admin.post(f"/v1/programmes/{pid}/selection")
    assert {admin.get(f"/v1/applications/{a['id']}")["status"] for a in applications} == {
        "selected"}

    # placements: an employer with an agreement and a one-seat vacancy
    employer = admin.post("/v1/employers", 201, json=employer_body(programme_ids=(pid,)))
    vacancy = admin.post("/v1/vacancies", 201, json=vacancy_body(
        employer_id=employer["id"], programme_id=pid, seats=1,
        required_skills=[{"label": "Python"}], nice_to_have_skills=[{"label": "SQL"}]))

    # an officer of the programme runs matching, reviews, confirms
    officer = _account(admin, "officer", programme_ids=[pid])
    run = officer.post("/v1/matching-runs", 202, json={"programme_id": pid})
    run = until(lambda: (r := officer.get(f"/v1/matching-runs/{run['id']}"))["status"]
                 in ("completed", "failed") and r, "the run to finish")
    assert run["status"] == "completed", run["failure"]
    assert (run["summary"]["candidates"], run["summary"]["proposals"]) == (2, 1)
    [proposal] = officer.get(f"/v1/matching-runs/{run['id']}/proposals")["items"]
    assert proposal["vacancy_id"] == vacancy["id"]
    assert proposal["explanation"]["matched_nice_to_have_skills"] == ["sql"]
    # Its fairness: the pool of two against the one proposal (she fits better: SQL).
    fairness = _fairness(officer, run)
    assert _by_group(fairness, "gender", "pool", "selected", "placed") == {
        "female": (1, 1, 0), "male": (1, 0, 0)}
    assert _by_group(fairness, "age_band", "pool", "pool_share", "selected_share") == {
        "18-24": (1, 0.5, 0.0), "25-34": (1, 0.5, 1.0)}
    assert _by_group(fairness, "nationality", "pool", "selected") == {"MA": (2, 1)}
    assert run["summary"]["fairness"]["gender"] == [
        {"group": "female", "pool": 1, "pool_share": 0.5, "selected": 1, "selected_share": 1.0},
        {"group": "male", "pool": 1, "pool_share": 0.5, "selected": 0, "selected_share": 0.0}]
    confirmed = officer.post(f"/v1/matching-runs/{run['id']}/confirm")
    assert confirmed["run"]["confirmation"]["created"] == 1

    # the placement's lifecycle, each party doing its part
    [placement] = officer.get("/v1/placements", params={"programme_id": pid})["items"]
    host = _account(admin, "employer", employer_id=employer["id"])
    profile = host.get(f"/v1/placements/{placement['id']}/candidate-profile")["profile"]
    assert {s["label"] for s in profile["skills"]} == {"Python", "SQL"}
    trainee = _account(admin, "candidate", candidate_id=placement["candidate_id"])
    url = f"/v1/placements/{placement['id']}"
    host.post(f"{url}/accept-employer")
    trainee.post(f"{url}/accept-candidate")
    officer.post(f"{url}/request-visa")
    officer.post(f"{url}/visa-decision", json={"decision": "granted"})
    officer.post(f"{url}/arrive", json={"arrival_date": today})
    assert officer.post(f"{url}/complete", json={"end_date": today})["status"] == "completed"
    # Placed, and accepted by both parties: the report follows the placement.
    fairness = _fairness(officer, confirmed["run"])
    assert _by_group(fairness, "gender", "placed", "accepted", "acceptance_rate") == {
        "female": (1, 1, 1.0), "male": (0, 0, None)}

    # candidates hears of it through the events relay: placed, then returned
    [placed] = [a for a in applications if a["candidate_id"] == placement["candidate_id"]]
    until(lambda: admin.get(f"/v1/applications/{placed['id']}")["status"] == "returned",
           "the application to be returned")
    other = next(a for a in applications if a["id"] != placed["id"])
    assert admin.get(f"/v1/applications/{other['id']}")["status"] == "selected"

    # her proof of skills: downloaded with her own token, verified by a future employer with
    # a standard VC library and by the public verification, both without a token
    credential = trainee.get(f"{url}/credential")
    subject = credential["credential"]["credentialSubject"]
    assert (subject["id"], subject["stay"]["outcome"]) == (
        f"urn:uuid:{placement['candidate_id']}", "completed")
    assert subject["host"]["name"] == employer["name"]
    assert trainee.get(f"{url}/credential")["jwt"] == credential["jwt"]
    officer.get(f"{url}/credential", 403)
    public = httpx.Client(base_url=gateway, timeout=30, verify=tls_context())
    assert _library_verdict(tmp_path, public, credential["jwt"]) == {
        "valid": True, "revoked": False, "errors": []}
    assert public.post("/v1/credentials/verify", json={"credential": credential["jwt"]}
                       ).json()["valid"] is True
    tampered = _tampered(credential["jwt"])
    refused = _library_verdict(tmp_path, public, tampered)
    assert not refused["valid"] and "signature verification failed" in refused["errors"][0]
    verdict = public.post("/v1/credentials/verify", json={"credential": tampered}).json()
    assert (verdict["valid"], [e["code"] for e in verdict["errors"]]) == (
        False, ["bad-signature"])

    # the host evaluates her afterwards: her next download states it, in a new credential,
    # and the first one fails, for the library reading the status list again as for the
    # public verification
    host.post(f"{url}/evaluation", 201, json={
        "technical_skills": 4, "communication": 5, "teamwork": 4, "reliability": 5,
        "would_host_again": True})
    renewed = trainee.get(f"{url}/credential")
    assert renewed["supersedes_id"] == credential["id"]
    assert renewed["credential"]["credentialSubject"]["employerEvaluation"] == {
        "technicalSkills": 4, "communication": 5, "teamwork": 4, "reliability": 5,
        "wouldHostAgain": True}
    assert _library_verdict(tmp_path, public, credential["jwt"]) == {
        "valid": False, "revoked": True, "errors": ["revoked"]}
    verdict = public.post("/v1/credentials/verify", json={"credential": credential["jwt"]}
                          ).json()
    assert (verdict["valid"], verdict["revoked"]) == (False, True)
    assert _library_verdict(tmp_path, public, renewed["jwt"]) == {
        "valid": True, "revoked": False, "errors": []}

    # the officer revokes it: the library and the public verification both say revoked; she
    # can no longer download it
    officer.post(f"{url}/credential/revoke", json={"reason": "Issued for the wrong stay."})
    assert _library_verdict(tmp_path, public, renewed["jwt"]) == {
        "valid": False, "revoked": True, "errors": ["revoked"]}
    verdict = public.post("/v1/credentials/verify", json={"credential": renewed["jwt"]}
                          ).json()
    assert (verdict["valid"], verdict["revoked"]) == (False, True)
    trainee.get(f"{url}/credential", 409)
    public.close()


def test_esco_requirement_met_by_a_narrower_skill(admin: Api) -> None:
    """An employer requires ESCO's "computer programming", found by typing in French; of two
    selected candidates, the one with ESCO's "Python (computer programming)" (narrower) meets
    it, the one with a free label does not. An unknown ESCO URI is a 422 naming it."""
    today = datetime.now(UTC).date().isoformat()
    pid = admin.post("/v1/programmes", 201, json=programme_body(
        gender_balance_min_share=None))["id"]
    officer = _account(admin, "officer", programme_ids=[pid])
    python = officer.get("/v1/esco/search", params={"q": "python", "kind": "skill"})["items"][0]
    assert python["label"] == "Python (computer programming)" and python["broader"]
    ids = [selected_candidate(admin, officer, pid, available_from=today, skills=skills)
           for skills in ([{"uri": python["uri"]}], [{"label": "Java"}])]
    assert [[s["esco"] for s in officer.get(f"/v1/candidates/{i}")["skills"]] for i in ids] == [
        [True], [False]]

    employer = admin.post("/v1/employers", 201, json=employer_body(programme_ids=(pid,)))
    host = _account(admin, "employer", employer_id=employer["id"])
    [programming] = host.get("/v1/esco/search", params={
        "q": "programmation informatique", "kind": "skill", "lang": "fr", "limit": 1})["items"]
    assert programming["label"] == "programmation informatique"
    assert programming["uri"] in python["broader"]
    unknown = "http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000"
    refused = host.post("/v1/vacancies", 422, json=vacancy_body(
        employer_id=employer["id"], programme_id=pid, required_skills=[{"uri": unknown}]))
    assert unknown in str(refused)
    vacancy = host.post("/v1/vacancies", 201, json=vacancy_body(
        employer_id=employer["id"], programme_id=pid, seats=1,
        required_skills=[{"uri": programming["uri"]}],
        nice_to_have_skills=[]))
    assert vacancy["required_skills"][0]["esco"] is True

    run = officer.post("/v1/matching-runs", 202, json={"programme_id": pid})
    run = until(lambda: (r := officer.get(f"/v1/matching-runs/{run['id']}"))["status"]
                 in ("completed", "failed") and r, "the run to finish")
    assert run["status"] == "completed", run["failure"]
    [proposal] = officer.get(f"/v1/matching-runs/{run['id']}/proposals")["items"]
    assert (proposal["candidate_id"], proposal["vacancy_id"]) == (ids[0], vacancy["id"])
    assert proposal["explanation"]["matched_required_skills"] == [programming["uri"]]
    assert proposal["explanation"]["missing_required_skills"] == []
