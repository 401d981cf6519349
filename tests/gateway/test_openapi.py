"""One merged OpenAPI document, and the composed programme overview."""

import httpx
from openapi_spec_validator import validate

from gateway.routes import Router, route_table
from tests.candidates.factories import programme_body
from tests.gateway.conftest import GatewaySystem


class TestMergedOpenAPI:
    def test_valid_and_complete(self, system: GatewaySystem) -> None:
        spec = httpx.get(f"{system.gateway}/openapi.json").json()
        validate(spec)
        router = Router(route_table())
        candidates = httpx.get(f"{system.candidates}/openapi.json").json()
        routed = {p for p in candidates["paths"] if router.service_for(p) == "candidates"}
        assert routed and routed <= set(spec["paths"])
        assert "/v1/auth/token" in spec["paths"]
        assert "/v1/programmes/{programme_id}/overview" in spec["paths"]
        assert not any(p.startswith(("/internal", "/health")) and "v1" in p
                       for p in spec["paths"])
        assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
        assert spec["security"] == [{"bearer": []}]
        assert spec["paths"]["/v1/auth/token"]["post"]["security"] == []

    def test_documents_the_gateways_own_errors(self, system: GatewaySystem) -> None:
        spec = httpx.get(f"{system.gateway}/openapi.json").json()
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                responses = operation["responses"]
                # every /v1 call counts against the caller's rate limit at the gateway
                assert path.startswith("/v1/") == ("429" in responses), (method, path)
                for status, answer in responses.items():
                    if status.startswith(("4", "5")):
                        assert answer["content"] == problem, (method, path, status)

    def test_docs_pages(self, system: GatewaySystem) -> None:
        for page in ("/docs", "/redoc"):
            response = httpx.get(f"{system.gateway}{page}")
            assert response.status_code == 200 and "/openapi.json" in response.text


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
        # Nobody listens where this system's reintegration should be: the rest still answers.
        assert body["reintegration"] is None
        assert body["notes"] == ["reintegration: the service could not be reached."]
        missing = httpx.get(f"{system.gateway}/v1/programmes/"
                            "00000000-0000-0000-0000-000000000000/overview", headers=headers)
        assert missing.status_code == 404
        assert httpx.get(f"{system.gateway}/v1/programmes/{programme['id']}/overview"
                         ).status_code == 401
