"""Routing and forwarding through a real gateway process."""

import re
import uuid

import httpx

from gateway.routes import Router, route_table
from tests.candidates.factories import programme_body
from tests.gateway.conftest import (
    RATE_LIMIT,
    RATE_LIMIT_WINDOW,
    GatewaySystem,
    another_gateway,
    free_port,
    limited_env,
)


def _auth(system: GatewaySystem) -> dict[str, str]:
    return {"Authorization": f"Bearer {system.token()}"}


class TestRouting:
    def test_candidates_prefixes_reach_candidates(self, system: GatewaySystem) -> None:
        headers = _auth(system)
        created = httpx.post(f"{system.gateway}/v1/programmes", json=programme_body(),
                             headers=headers)
        assert created.status_code == 201, created.text
        fetched = httpx.get(f"{system.gateway}{created.headers['location']}", headers=headers)
        assert fetched.status_code == 200
        assert fetched.json() == created.json()
        assert fetched.headers["etag"] == created.headers["etag"]
        for prefix in ("/v1/programmes", "/v1/candidates", "/v1/applications",
                       "/v1/institutions"):
            response = httpx.get(f"{system.gateway}{prefix}?limit=5", headers=headers)
            assert response.status_code == 200, (prefix, response.text)
            assert "items" in response.json(), prefix
        unknown = uuid.uuid4()
        for method, path in (("GET", f"/v1/training-modules/{unknown}"),
                             ("POST", f"/v1/enrolments/{unknown}/complete")):
            response = httpx.request(method, f"{system.gateway}{path}", headers=headers)
            # the service's own "no such module/enrolment", not the gateway's "no such route"
            assert response.status_code == 404, path
            assert response.json()["detail"] != "Not Found", path

    def test_two_segment_prefixes_route_webhooks_by_service(self) -> None:
        router = Router(route_table())
        assert router.service_for("/v1/webhooks/placements/subscriptions") == "placements"
        assert router.service_for("/v1/webhooks/candidates/subscriptions/x") == "candidates"
        assert router.service_for("/v1/webhooks/reintegration") == "reintegration"
        assert router.service_for("/v1/webhooks/elsewhere/subscriptions") is None
        assert router.service_for("/v1/webhooks") is None

    def test_placements_prefix_reaches_placements(self, system: GatewaySystem) -> None:
        response = httpx.get(f"{system.gateway}/v1/employers/e1?x=1", headers=_auth(system))
        assert response.status_code == 200
        assert response.headers["x-upstream"] == "echo"
        assert response.json()["path"] == "/v1/employers/e1"
        assert response.json()["query"] == "x=1"

    def test_reintegration_down_is_503_naming_it(self, system: GatewaySystem) -> None:
        response = httpx.get(f"{system.gateway}/v1/returnee-cases", headers=_auth(system))
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["service"] == "reintegration"
        assert "reintegration" in response.json()["detail"]

    def test_unrouted_and_internal_paths_are_404(self, system: GatewaySystem) -> None:
        headers = _auth(system)
        for path in ("/internal/candidates", "/v1/nothing-here",
                     "/v1/candidates/../../internal/x"):
            response = httpx.get(f"{system.gateway}{path}", headers=headers)
            assert response.status_code == 404, path
            assert response.headers["content-type"] == "application/problem+json"

    def test_credential_verification_needs_no_token(self, system: GatewaySystem) -> None:
        for method, path in (("POST", "/v1/credentials/verify"), ("GET", "/v1/credentials/keys"),
                             ("GET", "/v1/credentials/status/0")):
            response = httpx.request(method, f"{system.gateway}{path}")
            assert response.status_code == 200, (path, response.text)
            assert response.headers["x-upstream"] == "echo"
            assert response.json()["path"] == path
        # Only those: the rest of the prefix, and the returnee's own download, need a token.
        for path in ("/v1/credentials", "/v1/credentials/status/0/x",
                     f"/v1/placements/{uuid.uuid4()}/credential"):
            assert httpx.get(f"{system.gateway}{path}").status_code == 401, path

    def test_timeout_is_504(self, system: GatewaySystem) -> None:
        response = httpx.get(f"{system.gateway}/v1/employers/slow?seconds=8",
                             headers=_auth(system), timeout=20)
        assert response.status_code == 504
        assert response.json()["service"] == "placements"

    def test_garbage_is_502(self, system: GatewaySystem) -> None:
        response = httpx.get(f"{system.gateway}/v1/garbage", headers=_auth(system))
        assert response.status_code == 502
        assert response.json()["type"] == "/problems/bad-gateway"
        assert response.json()["service"] == "garbage"


class TestHeaders:
    def test_request_id_and_traceparent_are_propagated(self, system: GatewaySystem) -> None:
        trace = "0af7651916cd43dd8448eb211c80319c"
        response = httpx.get(f"{system.gateway}/v1/employers", headers={
            **_auth(system), "X-Request-ID": "gw-test-1",
            "traceparent": f"00-{trace}-b7ad6b7169203331-01"})
        seen = response.json()["headers"]
        assert response.headers["x-request-id"] == "gw-test-1"
        assert response.headers.get_list("x-request-id") == ["gw-test-1"]
        assert seen["x-request-id"] == "gw-test-1"
        assert re.fullmatch(rf"00-{trace}-[0-9a-f]{{16}}-01", seen["traceparent"])
        assert seen["traceparent"] != f"00-{trace}-b7ad6b7169203331-01"  # a new span

    def test_one_date_and_no_server_however_answered(self, system: GatewaySystem) -> None:
        """One Date, the gateway's; no Server header at all (processes run without uvicorn's, and
        the gateway drops a service's): the answer does not advertise what serves it."""
        headers = _auth(system)
        programme = httpx.post(f"{system.gateway}/v1/programmes", json=programme_body(),
                               headers=headers)
        answers = {
            "forwarded": httpx.get(f"{system.gateway}/v1/employers", headers=headers),
            "forwarded, its 304": httpx.get(
                f"{system.gateway}{programme.headers['location']}",
                headers={**headers, "If-None-Match": programme.headers["etag"]}),
            "forwarded problem": httpx.get(f"{system.gateway}/v1/candidates/{uuid.uuid4()}",
                                           headers=headers),
            "the gateway's own problem": httpx.get(f"{system.gateway}/v1/employers"),
            "the gateway's own route": httpx.get(f"{system.gateway}/.well-known/jwks.json"),
        }
        assert answers["forwarded, its 304"].status_code == 304
        for what, response in answers.items():
            assert len(response.headers.get_list("date")) == 1, what
            assert response.headers.get_list("server") == [], what

    def test_traceparent_and_request_id_are_added_when_absent(
            self, system: GatewaySystem) -> None:
        response = httpx.get(f"{system.gateway}/v1/employers", headers=_auth(system))
        seen = response.json()["headers"]
        assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-01", seen["traceparent"])
        assert seen["x-request-id"] == response.headers["x-request-id"]

    def test_forwarded_headers_bearer_and_hop_by_hop(self, system: GatewaySystem) -> None:
        headers = {**_auth(system), "Connection": "keep-alive, x-secret-hop",
                   "x-secret-hop": "1", "Keep-Alive": "5"}
        response = httpx.get(f"{system.gateway}/v1/employers", headers=headers)
        seen = response.json()["headers"]
        assert seen["authorization"] == headers["Authorization"]
        assert seen["x-forwarded-for"] == "127.0.0.1"
        assert seen["x-forwarded-proto"] == "http"
        assert seen["x-forwarded-host"] == system.gateway.removeprefix("http://")
        assert "x-secret-hop" not in seen and "keep-alive" not in seen
        assert "keep-alive" not in response.headers.get("connection", "")

    def test_request_body_is_forwarded(self, system: GatewaySystem) -> None:
        response = httpx.post(f"{system.gateway}/v1/employers", content=b"x" * 5000,
                              headers={**_auth(system), "content-type": "text/plain"})
        assert response.json()["body_bytes"] == 5000
        assert response.json()["method"] == "POST"


class TestLimits:
    def test_body_over_the_limit_is_413(self, system: GatewaySystem) -> None:
        response = httpx.post(f"{system.gateway}/v1/candidates", content=b"x" * 70_000,
                              headers={**_auth(system), "content-type": "application/json"})
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"

    def test_chunked_body_over_the_limit_is_413(self, system: GatewaySystem) -> None:
        def chunks():  # no content-length: counted while streaming
            for _ in range(20):
                yield b"y" * 8192

        response = httpx.post(f"{system.gateway}/v1/employers", content=chunks(),
                              headers=_auth(system))
        assert response.status_code == 413

    def test_imports_may_be_larger(self, system: GatewaySystem) -> None:
        response = httpx.post(f"{system.gateway}/v1/candidate-imports", content=b"x" * 70_000,
                              headers={**_auth(system), "content-type": "text/csv"})
        assert response.status_code != 413

    def test_page_size_over_200_is_422(self, system: GatewaySystem) -> None:
        response = httpx.get(f"{system.gateway}/v1/candidates?limit=201",
                             headers=_auth(system))
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["query", "limit"]
        ok = httpx.get(f"{system.gateway}/v1/candidates?limit=200", headers=_auth(system))
        assert ok.status_code == 200

    def test_rate_limit_in_redis_is_429_with_retry_after(self, system: GatewaySystem,
                                                         limited_gateway: str) -> None:
        token = system.mint(sub=f"rate-limit-{uuid.uuid4()}")  # a fresh budget
        statuses = [httpx.get(f"{limited_gateway}/v1/employers",
                              headers={"Authorization": f"Bearer {token}"})
                    for _ in range(2 * RATE_LIMIT + 1)]  # see RATE_LIMIT_WINDOW
        assert [r.status_code for r in statuses][:RATE_LIMIT] == [200] * RATE_LIMIT
        limited = next(r for r in statuses if r.status_code != 200)
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= RATE_LIMIT_WINDOW
        assert limited.headers["content-type"] == "application/problem+json"
        other = system.mint(sub=f"rate-limit-other-{uuid.uuid4()}")
        assert httpx.get(f"{limited_gateway}/v1/employers",
                         headers={"Authorization": f"Bearer {other}"}).status_code == 200

    def test_tokenless_verification_is_limited_by_address(self, limited_gateway: str) -> None:
        # The address's budget is shared with this gateway's other tokenless calls: a 429
        # comes within the requests, whatever came before (see RATE_LIMIT).
        statuses = [httpx.get(f"{limited_gateway}/v1/credentials/keys").status_code
                    for _ in range(2 * RATE_LIMIT + 1)]
        assert 429 in statuses and set(statuses) <= {200, 429}


class TestRedisUnreachable:
    """A gateway whose Redis is gone: refused by default, let through when set to fail open."""

    @staticmethod
    def _env(**more: str) -> dict[str, str]:
        return limited_env(f"redis://127.0.0.1:{free_port()}/0", **more)  # nobody listens

    def test_fails_closed_with_503_and_retry_after(self, system: GatewaySystem) -> None:
        subject = f"unlimited-{uuid.uuid4()}"
        with another_gateway(system, "redis-gone-closed", self._env()) as gateway:
            proxied = httpx.get(f"{gateway}/v1/employers", headers={
                "Authorization": f"Bearer {system.mint(sub=subject)}"})
            own = httpx.post(f"{gateway}/v1/auth/token", data={
                "grant_type": "password", "username": "someone@example.org",
                "password": "whatever it is"})
        for response in (proxied, own):
            assert response.status_code == 503, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["type"] == "/problems/rate-limiter-unavailable"
            assert int(response.headers["retry-after"]) >= 1
        log = (system.logs / "redis-gone-closed.log").read_text()  # the process has stopped
        assert "rate limiter unavailable" in log
        assert subject not in log and "someone@example.org" not in log

    def test_fails_open_when_set(self, system: GatewaySystem) -> None:
        env = self._env(GATEWAY_RATE_LIMIT_FAIL_OPEN="true")
        with another_gateway(system, "redis-gone-open", env) as gateway:
            token = system.mint(sub=f"unlimited-{uuid.uuid4()}")
            statuses = [httpx.get(f"{gateway}/v1/employers",
                                  headers={"Authorization": f"Bearer {token}"}).status_code
                        for _ in range(2 * RATE_LIMIT + 1)]
        assert statuses == [200] * (2 * RATE_LIMIT + 1)  # uncounted: never limited
        assert "rate limiter unavailable" in (system.logs / "redis-gone-open.log").read_text()
