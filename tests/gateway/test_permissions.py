"""Every role through the real gateway against the real candidates service: allowed, 403, 404.

Accounts are made by the admin at the gateway, tokens come from the gateway's issuer, and the
candidates process verifies them against the gateway's published keys, as in production.
"""

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.candidates.factories import candidate_body, institution_body, programme_body
from tests.gateway.conftest import GatewaySystem

PASSWORD = "a long enough passphrase"
# What a busy machine may take to answer (the overview asks three services); not a speed check.
TIMEOUT = 60.0


@dataclass
class People:
    """Objects made through the gateway, and a client per role."""

    a: str
    b: str
    x: str
    y: str
    app_x: str
    app_y: str
    institution: str
    clients: dict[str, httpx.Client]


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def people(system: GatewaySystem) -> Any:
    admin = httpx.Client(base_url=system.gateway, timeout=TIMEOUT,
                         headers={"Authorization": f"Bearer {system.token()}"})
    a = _created(admin.post("/v1/programmes", json=programme_body()))["id"]
    b = _created(admin.post("/v1/programmes", json=programme_body()))["id"]
    x = _created(admin.post("/v1/candidates", json=candidate_body()))["id"]
    y = _created(admin.post("/v1/candidates", json=candidate_body()))["id"]
    app_x = _created(admin.post("/v1/applications",
                                json={"candidate_id": x, "programme_id": a}))["id"]
    app_y = _created(admin.post("/v1/applications",
                                json={"candidate_id": y, "programme_id": b}))["id"]
    institution = _created(admin.post("/v1/institutions", json=institution_body()))["id"]
    _created(admin.post(f"/v1/institutions/{institution}/nominations",
                        json={"candidate_id": x, "programme_id": a}))
    links = {
        "officer": {"programme_ids": [a]},
        "ministry": {"programme_ids": [a]},
        "candidate": {"candidate_id": x},
        "institution": {"institution_id": institution},
        "employer": {"employer_id": str(uuid.uuid4())},
        "data_protection_officer": {},
    }
    clients = {"admin": admin}
    for role, link in links.items():
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.org"
        _created(admin.post("/v1/admin/accounts",
                            json={"email": email, "password": PASSWORD, "role": role, **link}))
        clients[role] = httpx.Client(base_url=system.gateway, timeout=TIMEOUT, headers={
            "Authorization": f"Bearer {system.token(email=email, password=PASSWORD)}"})
    yield People(a=a, b=b, x=x, y=y, app_x=app_x, app_y=app_y, institution=institution,
                 clients=clients)
    for client in clients.values():
        client.close()


# (role, method, path, expected); one or more per route family and role.
CASES = [
    # programmes: public to every signed-in role, changed by staff of their own programmes
    *[(role, "GET", "/v1/programmes/{a}", 200) for role in
      ("admin", "officer", "ministry", "candidate", "institution", "employer")],
    # an officer opens programmes (so may POST; this empty body is refused as invalid)
    ("officer", "POST", "/v1/programmes", 422),
    ("ministry", "POST", "/v1/programmes", 403),
    ("officer", "PATCH", "/v1/programmes/{b}", 404),
    # candidates: own profile, own programmes, own nominees; never ministry or employer
    ("admin", "GET", "/v1/candidates/{y}", 200),
    ("officer", "GET", "/v1/candidates/{x}", 200),
    ("officer", "GET", "/v1/candidates/{y}", 404),
    ("candidate", "GET", "/v1/candidates/{x}", 200),
    ("candidate", "GET", "/v1/candidates/{y}", 404),
    ("institution", "GET", "/v1/candidates/{x}", 200),
    ("institution", "GET", "/v1/candidates/{y}", 404),
    ("ministry", "GET", "/v1/candidates/{x}", 403),
    ("employer", "GET", "/v1/candidates/{x}", 403),
    # a candidate creates their own profile (once, at sign-up): this empty body is invalid
    ("candidate", "POST", "/v1/candidates", 422),
    # applications
    ("candidate", "GET", "/v1/applications/{app_x}", 200),
    ("candidate", "GET", "/v1/applications/{app_y}", 404),
    ("officer", "GET", "/v1/applications/{app_y}", 404),
    ("candidate", "POST", "/v1/applications/{app_x}/screen", 403),
    ("ministry", "GET", "/v1/applications", 403),
    ("employer", "GET", "/v1/applications", 403),
    # aggregates: the ministry of the programme, not of another
    ("ministry", "GET", "/v1/programmes/{a}/statistics", 200),
    ("ministry", "GET", "/v1/programmes/{b}/statistics", 404),
    ("ministry", "GET", "/v1/programmes/{a}/overview", 200),
    ("candidate", "GET", "/v1/programmes/{a}/overview", 403),
    # institutions
    ("institution", "GET", "/v1/institutions/{institution}/nominations", 200),
    ("candidate", "GET", "/v1/institutions", 403),
    # the gateway's own admin routes
    ("officer", "POST", "/v1/admin/accounts", 403),
    # the access record: a candidate reads their own, the data protection officer everyone's
    # (and no person's data itself); nobody else reads it
    ("data_protection_officer", "GET", "/v1/candidates/{x}", 403),
    ("data_protection_officer", "GET", "/v1/applications", 403),
    ("data_protection_officer", "GET", "/v1/me/access-log", 403),
    ("officer", "GET", "/v1/me/access-log", 403),
    ("admin", "GET", "/v1/access-log", 403),
    ("candidate", "GET", "/v1/access-log", 403),
    ("officer", "GET", "/v1/access-log/verify", 403),
]


class TestEveryRoleThroughTheGateway:
    @pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}-{c[3]}")
    def test_status(self, people: People, case: tuple[str, str, str, int]) -> None:
        role, method, path, expected = case
        url = path.format(**{k: v for k, v in vars(people).items() if isinstance(v, str)})
        body = {} if method in ("POST", "PATCH") else None
        # A change names whatever version the object is at: access is what is tested.
        headers = {"If-Match": "*"} if method in ("PATCH", "PUT", "DELETE") else None
        response = people.clients[role].request(method, url, json=body, headers=headers)
        assert response.status_code == expected, response.text
        if expected >= 400:
            assert response.headers["content-type"] == "application/problem+json"

    def test_lists_hold_only_what_the_role_may_see(self, people: People) -> None:
        for role in ("officer", "candidate", "institution"):
            response = people.clients[role].get("/v1/candidates", params={"limit": 200})
            assert [c["id"] for c in response.json()["items"]] == [people.x], role
            # People's data is kept out of every cache, and never sniffed as something else.
            assert response.headers["cache-control"] == "no-store"
            assert response.headers["x-content-type-options"] == "nosniff"


class TestServicesCheckTokensThemselves:
    def test_direct_call_without_token_is_401(self, system: GatewaySystem,
                                              people: People) -> None:
        response = httpx.get(f"{system.candidates}/v1/candidates/{people.x}")
        assert response.status_code == 401

    def test_direct_call_with_forged_role_is_refused(self, system: GatewaySystem,
                                                     people: People) -> None:
        token = system.mint(role="admin", iss="http://elsewhere.test")
        response = httpx.get(f"{system.candidates}/v1/candidates/{people.x}",
                             headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401

    def test_direct_call_with_gateway_token_works(self, system: GatewaySystem,
                                                  people: People) -> None:
        response = httpx.get(f"{system.candidates}/v1/candidates/{people.x}",
                             headers={"Authorization": f"Bearer {system.token()}"})
        assert response.status_code == 200
