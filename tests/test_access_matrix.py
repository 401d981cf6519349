"""The authorisation matrix, generated from the gateway's merged OpenAPI document.

Two parties are seeded through the gateway, each with one object of every kind (a programme
with its candidate, application, nomination, training module and enrolment, consortium and an
agreement of its institution, employer, vacancy, matching run, placement walked to completion,
mentor, alert, grievance, returnee case, follow-ups and a support measure), and one account
per role of each party: an officer and a ministry (statistics) of its programme, a visa
authority for its programme and destination, its institution, its employer and its candidate.

Then every operation of the document is tried by every role of party A against party B:

- **path**: every id in the path names B's object → 403 or 404, never an answer about it;
- **link**: in a write, one field of the body (or a query parameter) that links to another
  object names B's object while everything else is A's own → 403 or 404, and nothing created;
- **list**: a list read by A's roles never shows one of B's ids.

The cases come from the document, so a new route is covered without anyone adding it here: an
operation none of the three kinds reaches must be listed in :data:`NO_OBJECT` with its reason,
and a path parameter of an unknown kind fails the test.
"""

import copy
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from tests.candidates.factories import candidate_body, institution_body
from tests.conftest import RunDatabase
from tests.fuzz.seed import seed
from tests.system import admin_token, password_token, running_system

PASSWORD = "a party's long passphrase"
ROLES = ("officer", "ministry", "visa_authority", "institution", "employer", "candidate")
# The id kinds, named as path parameters and body fields name them.
KINDS = {
    "programme_id": "programme", "candidate_id": "candidate", "application_id": "application",
    "institution_id": "institution", "module_id": "module", "enrolment_id": "enrolment",
    "employer_id": "employer", "vacancy_id": "vacancy", "run_id": "run",
    "proposal_id": "proposal", "placement_id": "placement", "mentor_id": "mentor",
    "alert_id": "alert", "cost_id": "cost", "case_id": "case", "follow_up_id": "follow_up",
    "measure_id": "measure", "subscription_id": "subscription", "grievance_id": "grievance",
    "programme_ids": "programme", "account_id": "account", "client_id": "client",
    "agreement_id": "agreement", "party_ids": "institution", "flag_id": "flag",
    "planned_session_id": "planned_session",
}
# List links that name another party's object beside the caller's own rather than alone: an
# agreement has two parties or more, the caller's institution among them.
LINKS_BESIDE_OWN = frozenset({"party_ids"})
# Path parameters that are values rather than objects (an origin country of a programme): the
# same value for both parties, the object around them (B's programme) is what is walled off.
VALUES = {"country": "EG", "list_number": "0"}
EVERY_ROLE = frozenset(ROLES)
# Reads of B's objects that are no leak, and the roles that may make them: programmes and their
# training catalogue are public to every signed-in role (a candidate chooses where to apply);
# partner institutions are a directory every officer reads (an institution nominates to any
# programme), and a nomination list shows an officer only their own programmes' nominations.
# The answer must still show none of B's other objects.
PUBLIC_READS = {
    ("get", "/v1/programmes/{programme_id}"): EVERY_ROLE,
    ("get", "/v1/programmes/{programme_id}/training-modules"): EVERY_ROLE,
    ("get", "/v1/training-modules/{module_id}"): EVERY_ROLE,
    ("get", "/v1/institutions/{institution_id}"): frozenset({"officer"}),
    ("get", "/v1/institutions/{institution_id}/nominations"): frozenset({"officer"}),
    # The credentials' revocation status list: public (no token), a bitstring naming no one.
    ("get", "/v1/credentials/status/{list_number}"): EVERY_ROLE,
}
# Links whose documented purpose is to reach another party's programme (rule 2 of the model:
# a write may widen what others see when that is what the action is for).
WIDENING_LINKS = {
    ("post", "/v1/applications", "programme_id", "candidate"): "a candidate applies anywhere",
    ("post", "/v1/institutions/{institution_id}/nominations", "programme_id", "institution"):
        "an institution nominates its students to any open programme",
    ("post", "/v1/programmes/{programme_id}/consortium", "institution_id", "officer"):
        "an officer takes any institution of the directory into their programme's consortium",
}
# Operations that name no object of a party (so no case of the matrix reaches them), and why.
NO_OBJECT = {
    ("post", "/v1/auth/token"): "the issuer: credentials, not objects",
    ("post", "/v1/auth/signup"): "creates an account and its own profile",
    ("put", "/v1/auth/me/language"): "the caller's own account: no id names another's",
    ("get", "/.well-known/jwks.json"): "public keys",
    ("get", "/.well-known/openid-configuration"): "discovery",
    ("post", "/v1/programmes"): "opens a new programme",
    ("post", "/v1/institutions"): "registers a new institution",
    ("post", "/v1/candidate-imports"): "a file of new people (its programme is a query link)",
    ("post", "/v1/retention/rounds"): "the admin runs the retention job's round: no object",
    ("get", "/v1/esco/search"): "reference data (ESCO), the same for every signed-in role",
    ("post", "/v1/credentials/verify"): "public: checks the credential it is given",
    **{("post", f"/v1/webhooks/{service}/subscriptions"):
       "subscribes to the caller's own programmes' events (scoped by the grant)"
       for service in ("candidates", "placements", "reintegration")},
}
# Kinds of object that are public to a role (see PUBLIC_READS): their ids may appear in its
# lists, and a write linking to one may be refused by a domain rule (a 409 or 422: the employer
# has no agreement with that programme) rather than a 404, since the caller may read it.
PUBLIC_KINDS = {role: {"programme", "module"} for role in ROLES} | {
    "officer": {"programme", "module", "institution"}}


@dataclass
class Party:
    """One party's objects (ids by kind) and its role tokens."""

    name: str
    ids: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """One request of the matrix and the answers it may get."""

    kind: str  # path, link or list
    link: str | None
    role: str
    method: str
    path: str  # template
    url: str
    body: Any = None
    params: dict[str, str] | None = None
    label: str = ""


@pytest.fixture(scope="module")
def world(scratch_database: RunDatabase) -> Iterator[tuple[str, dict[str, Any], Party, Party]]:
    """The gateway, its merged document and the two parties."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("GATEWAY_RATE_LIMIT_REQUESTS", "10000000")
        # The parties' webhook receivers are on this machine (nothing is delivered to them).
        for service in ("CANDIDATES", "PLACEMENTS", "REINTEGRATION"):
            env.setenv(f"{service}_WEBHOOKS_ALLOW_PRIVATE_TARGETS", "true")
        with running_system(scratch_database.admin_url) as urls:
            gateway = urls["gateway"]
            admin = httpx.Client(base_url=gateway, timeout=30, headers={
                "Authorization": f"Bearer {admin_token(scratch_database.admin_url, gateway)}"})
            parties = [_party(admin, gateway, name) for name in ("a", "b")]
            document = httpx.get(f"{gateway}/openapi.json", timeout=30).json()
            yield gateway, document, parties[0], parties[1]


def _party(admin: httpx.Client, gateway: str, name: str) -> Party:
    """Seed one party's objects as the admin and create its accounts."""
    ids = {kind: values[0] for kind, values in seed(admin).items()}
    ids = {KINDS.get(key, key): value for key, value in ids.items()}
    # Each party's people are born on a day of their own: no flag pairs two parties' people.
    ids["birth_date"] = (date(1990, 1, 1) + timedelta(days=uuid.uuid4().int % 3000)).isoformat()
    response = admin.patch(f"/v1/candidates/{ids['candidate']}", json={
        "date_of_birth": ids["birth_date"]}, headers={"If-Match": admin.get(
            f"/v1/candidates/{ids['candidate']}").headers["etag"]})
    assert response.status_code == 200, response.text
    response = admin.post(f"/v1/institutions/{ids['institution']}/nominations", json={
        "candidate_id": ids["candidate"], "programme_id": ids["programme"]})
    assert response.status_code == 201, response.text
    proposals = admin.get(f"/v1/matching-runs/{ids['run']}/proposals").json()["items"]
    ids["proposal"] = proposals[0]["id"] if proposals else str(uuid.uuid4())
    # The institution leads the programme's consortium with a partner it signed an agreement
    # with (the partner's id is kept out of ``ids``: officers read every institution).
    response = admin.post("/v1/institutions", json=institution_body(kind="municipality"))
    assert response.status_code == 201, response.text
    partner = response.json()["id"]
    for member, role in ((ids["institution"], "lead"), (partner, "partner")):
        response = admin.post(f"/v1/programmes/{ids['programme']}/consortium", json={
            "institution_id": member, "role": role})
        assert response.status_code == 201, response.text
    response = admin.post("/v1/agreements", json={
        "programme_id": ids["programme"], "party_ids": [ids["institution"], partner],
        "title": f"Party {name}'s agreement", "purpose": "Traineeships and mentoring.",
        "signed_on": "2020-01-10", "starts_on": "2020-02-01"})
    assert response.status_code == 201, response.text
    ids["agreement"] = response.json()["id"]
    # The candidate registered again for the programme: a likely duplicate, flagged.
    response = admin.post("/v1/candidates", json=candidate_body(
        given_name="أمينة", family_name="بن علي", date_of_birth=ids["birth_date"],
        phone=None, programme_id=ids["programme"]))
    assert response.status_code == 201, response.text
    [ids["flag"]] = [flag["id"] for flag in admin.get("/v1/duplicates", params={
        "candidate_id": response.json()["id"]}).json()["items"]
        if ids["candidate"] in flag["candidate_ids"]]
    del ids["birth_date"]
    party = Party(name, ids)
    links: dict[str, dict[str, Any]] = {
        "officer": {"programme_ids": [ids["programme"]]},
        "ministry": {"programme_ids": [ids["programme"]]},
        "visa_authority": {"programme_ids": [ids["programme"]], "country": "FR"},
        "institution": {"institution_id": ids["institution"]},
        "employer": {"employer_id": ids["employer"]},
        "candidate": {"candidate_id": ids["candidate"]},
    }
    for role in ROLES:
        email = f"{role.replace('_', '-')}-{name}-{uuid.uuid4().hex[:6]}@example.org"
        response = admin.post("/v1/admin/accounts", json={
            "email": email, "password": PASSWORD, "role": role, **links[role]})
        assert response.status_code == 201, response.text
        ids.setdefault("account", response.json()["id"])
        party.tokens[role] = password_token(gateway, email, PASSWORD)
    response = admin.post("/v1/admin/clients", json={
        "name": f"Ministry {name} statistics", "role": "ministry",
        "programme_ids": [ids["programme"]]})
    assert response.status_code == 201, response.text
    ids["client"] = response.json()["client_id"]
    ministry = httpx.Client(base_url=gateway, timeout=30, headers={
        "Authorization": f"Bearer {party.tokens['ministry']}"})
    response = ministry.post("/v1/webhooks/placements/subscriptions", json={
        "url": f"http://127.0.0.1:9/ministry-{name}",
        "event_types": ["placement.completed"]})
    assert response.status_code == 201, response.text
    ids["subscription"] = response.json()["id"]
    return party


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with a top-level ``$ref`` followed."""
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def _example(document: dict[str, Any], operation: dict[str, Any]) -> Any:
    """The documented example of an operation's JSON body, or None."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    if "example" in content:
        return copy.deepcopy(content["example"])
    if content.get("examples"):
        return copy.deepcopy(next(iter(content["examples"].values()))["value"])
    schema = _resolve(document, content.get("schema", {}))
    if "example" in schema:
        return copy.deepcopy(schema["example"])
    if schema.get("examples"):
        return copy.deepcopy(schema["examples"][0])
    return {}


Location = tuple[str | int, ...]


def _link_fields(document: dict[str, Any], operation: dict[str, Any]) -> list[Location]:
    """Where an operation's body links to another object: its top-level link fields, and the
    link fields nested in its documented example (``agreements[0].programme_id``)."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return []
    schema = _resolve(document, content.get("schema", {}))
    found: set[Location] = {(name,) for name in schema.get("properties", {}) if name in KINDS}

    def walk(value: Any, at: Location) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in KINDS:
                    found.add((*at, key))
                else:
                    walk(item, (*at, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*at, index))

    walk(_example(document, operation), ())
    return sorted(found, key=str)


def _set(body: Any, at: Location, value: str, *, beside_own: bool = False) -> Any:
    """``body`` with the link at ``at`` set to ``value`` (a list of it for ``…_ids``; added to
    the list there with ``beside_own``)."""
    if not isinstance(body, dict):
        body = {}
    target: Any = body
    for step in at[:-1]:
        target = target.setdefault(step, {}) if isinstance(target, dict) else target[step]
    name = str(at[-1])
    if beside_own:
        target[name] = [*target.get(name, []), value]
    else:
        target[name] = [value] if name.endswith("_ids") else value
    return body


def _fill(template: str, ids: dict[str, str]) -> str:
    """The path ``template`` with each parameter replaced by that party's id of its kind."""
    url = template
    for name, kind in KINDS.items():
        url = url.replace("{" + name + "}", ids.get(kind, ""))
    for name, value in VALUES.items():
        url = url.replace("{" + name + "}", value)
    return url


def _own_links(body: Any, fields: list[Location], ids: dict[str, str]) -> Any:
    """``body`` with every link set to the party's own object."""
    for at in fields:
        body = _set(body, at, ids[KINDS[str(at[-1])]])
    return body


def matrix(document: dict[str, Any], a: Party, b: Party) -> tuple[list[Case], set[Any]]:
    """Every case of the matrix, and the operations it reaches."""
    cases: list[Case] = []
    reached: set[tuple[str, str]] = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            unknown = [n for n in names if n not in KINDS and n not in VALUES]
            assert not unknown, f"{method.upper()} {path}: path parameters of no known " \
                                f"kind {unknown}; add them to KINDS"
            queries = [p["name"] for p in operation.get("parameters", [])
                       if p["in"] == "query" and p["name"] in KINDS]
            fields = _link_fields(document, operation)
            for role in ROLES:
                if names:
                    body = _own_links(_example(document, operation), fields, b.ids)
                    cases.append(Case("path", None, role, method, path, _fill(path, b.ids), body,
                                      label="B's ids in the path"))
                    reached.add((method, path))
                for at in fields:
                    name = ".".join(str(step) for step in at)
                    if (method, path, name, role) in WIDENING_LINKS:
                        continue
                    body = _own_links(_example(document, operation), fields, a.ids)
                    body = _set(body, at, b.ids[KINDS[str(at[-1])]],
                                beside_own=str(at[-1]) in LINKS_BESIDE_OWN)
                    cases.append(Case("link", KINDS[str(at[-1])], role, method, path,
                                      _fill(path, a.ids), body,
                                      label=f"B's {name} in the body"))
                    reached.add((method, path))
                for name in queries:
                    cases.append(Case("link" if method != "get" else "list", KINDS[name], role,
                                      method, path, _fill(path, a.ids), None,
                                      params={name: b.ids[KINDS[name]]},
                                      label=f"B's {name} in the query"))
                    reached.add((method, path))
                required = any(p.get("required") for p in operation.get("parameters", [])
                               if p["in"] == "query")
                if method == "get" and not names and not required:
                    cases.append(Case("list", None, role, method, path, path,
                                      label="a list"))
                    reached.add((method, path))
    return cases, reached


def _shows(response: httpx.Response, role: str, b: Party) -> str | None:
    """Which of B's objects (other than those public to ``role``) an answer shows."""
    text = response.text
    seen = sorted(kind for kind, value in b.ids.items()
                  if kind not in PUBLIC_KINDS[role] and value in text)
    return f"shows B's {', '.join(seen)}" if seen else None


def _verdict(case: Case, response: httpx.Response, b: Party) -> str | None:
    """Why the answer leaks or breaks the model, or None when it is right."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if status in (403, 404):
        return None
    if case.kind == "list" or (
            case.kind == "path" and case.role in PUBLIC_READS.get((case.method, case.path), ())):
        return _shows(response, case.role, b) if status == 200 else f"answered {status}"
    if case.kind == "link" and case.link in PUBLIC_KINDS[case.role] and 400 <= status < 500:
        return None
    return f"answered {status}: {response.text[:200]}"


def test_every_role_is_walled_off_from_the_other_party(
        world: tuple[str, dict[str, Any], Party, Party]) -> None:
    """Every case of the matrix answers as the access model says (see the module docstring)."""
    gateway, document, a, b = world
    cases, reached = matrix(document, a, b)
    operations = {(m, p) for p, ops in document["paths"].items() for m in ops
                  if m in ("get", "post", "put", "patch", "delete")}
    escaped = sorted(operations - reached - set(NO_OBJECT))
    failures: list[str] = []
    with httpx.Client(base_url=gateway, timeout=30) as http:
        for case in cases:
            # A change names whatever version the object is at (If-Match: *): what is tested
            # is whether it reaches B's object at all.
            any_version = {"If-Match": "*"} if case.method in ("put", "patch", "delete") else {}
            response = http.request(case.method.upper(), case.url, json=case.body,
                                    params=case.params,
                                    headers={"Authorization": f"Bearer {a.tokens[case.role]}",
                                             **any_version})
            if (why := _verdict(case, response, b)) is not None:
                failures.append(f"{case.role:15} {case.method.upper():6} {case.path} "
                                f"({case.label}): {why}")
    print(f"\naccess matrix: {len(reached)} operations x {len(ROLES)} roles, "
          f"{len(cases)} cases ({sum(c.kind == 'path' for c in cases)} path, "
          f"{sum(c.kind == 'link' for c in cases)} link, "
          f"{sum(c.kind == 'list' for c in cases)} list)")
    assert not escaped, f"operations no case reaches (add a case kind or a NO_OBJECT reason): " \
                        f"{escaped}"
    assert not failures, f"{len(failures)} of {len(cases)} cases break the walls:\n" + \
        "\n".join(failures)
