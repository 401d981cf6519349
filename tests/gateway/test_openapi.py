"""One merged OpenAPI document, and the composed programme overview."""

import json
from collections.abc import Iterator

import httpx
import pytest
from openapi_spec_validator import validate

from gateway.routes import Router, route_table
from tests.candidates.factories import programme_body
from tests.docs_pages import assert_offline_docs
from tests.gateway.conftest import GatewaySystem, another_gateway

# Building an API document is slow on a loaded machine: a wait, not a threshold.
DOCUMENT_TIMEOUT = 120.0


@pytest.fixture(scope="module")
def whole(system: GatewaySystem) -> Iterator[str]:
    """A gateway every upstream of which answers (the echo stands in for placements and
    reintegration): the system's own routes to a service nobody serves."""
    upstreams = {"candidates": system.candidates, "placements": system.echo,
                 "reintegration": system.echo}
    with another_gateway(system, "whole", {"GATEWAY_UPSTREAMS": json.dumps(upstreams),
                                           "GATEWAY_ROUTES": "{}"}) as url:
        yield url


class TestMergedOpenAPI:
    def test_valid_and_complete(self, system: GatewaySystem, whole: str) -> None:
        spec = httpx.get(f"{whole}/openapi.json", timeout=DOCUMENT_TIMEOUT).json()
        validate(spec)
        router = Router(route_table())
        candidates = httpx.get(f"{system.candidates}/openapi.json", timeout=DOCUMENT_TIMEOUT).json()
        routed = {p for p in candidates["paths"] if router.service_for(p) == "candidates"}
        assert routed and routed <= set(spec["paths"])
        assert "/v1/auth/token" in spec["paths"]
        assert "/v1/programmes/{programme_id}/overview" in spec["paths"]
        assert not any(p.startswith(("/internal", "/health")) and "v1" in p
                       for p in spec["paths"])
        assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
        assert spec["security"] == [{"bearer": []}]
        assert spec["paths"]["/v1/auth/token"]["post"]["security"] == []

    def test_documents_the_gateways_own_errors(self, whole: str) -> None:
        spec = httpx.get(f"{whole}/openapi.json", timeout=DOCUMENT_TIMEOUT).json()
        problem = {"$ref": "#/components/schemas/Problem"}
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                responses = operation["responses"]
                # every /v1 call counts against the caller's rate limit at the gateway
                assert path.startswith("/v1/") == ("429" in responses), (method, path)
                for status, answer in responses.items():
                    if status.startswith(("4", "5")):
                        assert list(answer["content"]) == ["application/problem+json"]
                        media = answer["content"]["application/problem+json"]
                        assert media["schema"] == problem, (method, path, status)
                        statuses = {e["value"]["status"] for e in media["examples"].values()}
                        assert statuses == {int(status)}, (method, path, status)
        rate_limited = spec["paths"]["/v1/programmes"]["post"]["responses"]["429"]
        examples = rate_limited["content"]["application/problem+json"]["examples"]
        assert next(iter(examples.values()))["value"]["type"] == "/problems/rate-limited"

    def test_two_statuses_of_one_operation_show_different_problems(self, whole: str) -> None:
        spec = httpx.get(f"{whole}/openapi.json", timeout=DOCUMENT_TIMEOUT).json()
        responses = spec["paths"]["/v1/applications/{application_id}/submit"]["post"]["responses"]
        shown = {status: next(iter(answer["content"]["application/problem+json"]["examples"]
                                   .values()))["value"]
                 for status, answer in responses.items() if status in ("404", "409")}
        assert {s: e["status"] for s, e in shown.items()} == {"404": 404, "409": 409}

    async def test_docs_pages_work_offline(self, whole: str) -> None:
        async with httpx.AsyncClient(base_url=whole) as client:
            await assert_offline_docs(client.get)

    def test_none_while_a_service_does_not_give_its_own(self, system: GatewaySystem) -> None:
        # Nobody serves reintegration; the garbage upstream does not speak HTTP.
        for _ in range(2):  # the refusal is not cached: each request tries again
            response = httpx.get(f"{system.gateway}/openapi.json", timeout=DOCUMENT_TIMEOUT)
            assert response.status_code == 503
            assert response.headers["content-type"] == "application/problem+json"
            assert int(response.headers["retry-after"]) > 0
            problem = response.json()
            assert problem["type"] == "/problems/api-incomplete"
            assert problem["missing"] == ["garbage", "reintegration"]
            assert "reintegration" in problem["detail"]


class TestReadiness:
    def test_not_ready_while_a_service_routed_to_is_not(self, system: GatewaySystem) -> None:
        response = httpx.get(f"{system.gateway}/health/ready")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert int(response.headers["retry-after"]) > 0
        assert response.json()["not_ready"] == ["garbage", "reintegration"]
        assert httpx.get(f"{system.gateway}/health/live").status_code == 200

    def test_ready_once_every_service_is(self, whole: str) -> None:
        assert httpx.get(f"{whole}/health/ready").json() == {"status": "ok"}


class TestProgrammeOverview:
    def test_composed_from_programme_and_statistics(self, system: GatewaySystem) -> None:
        headers = {"Authorization": f"Bearer {system.token()}"}
        programme = httpx.post(f"{system.gateway}/v1/programmes", json=programme_body(),
                               headers=headers).json()
        response = httpx.get(f"{system.gateway}/v1/programmes/{programme['id']}/overview",
                             headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["programme"]["id"] == programme["id"]
        assert body["applications_total"] == 0
        assert body["applications_by_status"] == {}
        # A new programme: no partners yet, nothing planned (whether or not the programme has
        # a `planned` field), nothing achieved, no origin suspended.
        assert body["consortium"] == [] and body["agreements"] == []
        assert body["planned_vs_actual"] == {
            figure: {"planned": None, "actual": 0}
            for figure in ("applicants", "trained", "moved")}
        assert body["suspended_origins"] == []
        # Nobody listens where this system's reintegration should be: the rest still answers.
        assert body["reintegration"] is None
        assert body["notes"] == ["reintegration: the service could not be reached."]
        missing = httpx.get(f"{system.gateway}/v1/programmes/"
                            "00000000-0000-0000-0000-000000000000/overview", headers=headers)
        assert missing.status_code == 404
        assert httpx.get(f"{system.gateway}/v1/programmes/{programme['id']}/overview"
                         ).status_code == 401
