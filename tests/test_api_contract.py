"""The merged OpenAPI document is a contract client generators and linters accept as it is.

One running system serves the document; the module fetches it once and checks it: operation ids
readable and unique, schema names and titles unique, every example valid against its schema,
response headers, servers and tags documented, every problem type a page that answers. Then
the programs integrators use must take it without a warning: openapi-python-client generates a
client holding every operation that imports, openapi-typescript generates types that ``tsc
--strict`` accepts with code using them, and Redocly's recommended rules (``redocly.yaml``)
find nothing.
"""

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.openapi import MergeConflict, merge
from gateway.routes import Router
from shared.errors import PROBLEM_MEDIA_TYPE
from shared.problem_docs import operations
from tests.candidates.factories import programme_body
from tests.conftest import RunDatabase
from tests.openapi_examples import examples, invalid_examples
from tests.system import admin_token, running_system

ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = ROOT / "tests" / "external" / "node_modules" / ".bin"
PYTHON_CLIENT_CONFIG = ROOT / "docs" / "openapi-python-client.yaml"
HEADERS = {"ETag", "Location", "Idempotent-Replayed", "Retry-After", "X-Request-ID"}
# A few operations' types used as a client would; tsc --strict must accept it.
USAGE_TS = """\
import type { components, operations } from "./api";

type Problem = components["schemas"]["Problem"];
type ProgrammePage =
  operations["programmes_list"]["responses"][200]["content"]["application/json"];
type NewProgramme =
  operations["programmes_create"]["requestBody"]["content"]["application/json"];
type Created = operations["programmes_create"]["responses"][201];
type Accepted =
  operations["placements_accept_employer"]["responses"][200]["content"]["application/json"];

export function names(page: ProgrammePage): string[] {
  return page.items.map((programme) => programme.name);
}

export function placementStatus(placement: Accepted): string {
  return placement.status;
}

export function explain(problem: Problem): string {
  return problem.detail ?? problem.title;
}

export const location: Created["headers"]["Location"] = "/v1/programmes/1";
export const draft: Pick<NewProgramme, "name" | "capacity"> = { name: "Seasonal", capacity: 30 };
"""
# The generated package imported, and what each of its operation modules defines.
IMPORT_CLIENT = """\
import importlib, json, pkgutil
import pathways_client.api as api
found = {}
for module in pkgutil.walk_packages(api.__path__, "pathways_client.api."):
    imported = importlib.import_module(module.name)
    found[module.name.rsplit(".", 1)[-1]] = sorted(
        n for n in ("sync", "sync_detailed", "asyncio", "asyncio_detailed") if hasattr(imported, n))
print(json.dumps(found))
"""


@pytest.fixture(scope="module")
def system(scratch_database: RunDatabase) -> Iterator[dict[str, str]]:
    with running_system(scratch_database.admin_url) as urls:
        yield urls


@pytest.fixture(scope="module")
def document(system: dict[str, str]) -> dict[str, Any]:
    response = httpx.get(f"{system['gateway']}/openapi.json", timeout=60)
    assert response.status_code == 200, response.text
    spec: dict[str, Any] = response.json()
    return spec


@pytest.fixture(scope="module")
def document_file(document: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("contract") / "openapi.json"
    path.write_text(json.dumps(document))
    return path


def _run(command: list[str | Path], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    program = Path(command[0])
    if not program.exists():
        pytest.fail(f"{program} is missing: `make test` installs it (npm ci in tests/external)")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
           "NO_COLOR": "1"}
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, env=env,
                          timeout=600, check=False, **kwargs)


def _problem_types(document: dict[str, Any]) -> set[str]:
    return {example["value"]["type"]
            for _, _, operation in operations(document)
            for response in operation["responses"].values()
            for example in response.get("content", {}).get(PROBLEM_MEDIA_TYPE, {})
            .get("examples", {}).values()}


class TestOperationIds:
    def test_readable_unique_and_named_after_their_resource(
            self, document: dict[str, Any]) -> None:
        ids = [op["operationId"] for _, _, op in operations(document)]
        assert len(ids) == len(set(ids)) > 100
        for path, method, operation in operations(document):
            resources = [re.sub(r"\W+", "_", tag) for tag in operation["tags"]]
            assert any(operation["operationId"].startswith(f"{r}_") for r in resources), \
                (method, path, operation["operationId"])
            assert re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", operation["operationId"])
        paths = document["paths"]
        assert paths["/v1/programmes"]["get"]["operationId"] == "programmes_list"
        assert paths["/v1/programmes/{programme_id}"]["get"]["operationId"] == "programmes_get"
        assert paths["/v1/placements/{placement_id}/accept-employer"]["post"][
            "operationId"] == "placements_accept_employer"
        assert paths["/v1/webhooks/placements/subscriptions"]["get"][
            "operationId"] == "webhooks_placements_subscriptions_list"

    def test_the_merge_refuses_two_operations_with_one_id(self) -> None:
        def service(path: str) -> dict[str, Any]:
            return {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {
                path: {"get": {"tags": ["things"], "operationId": "things_list",
                               "responses": {"200": {"description": "ok"}}}}}}

        router = Router({"/v1/things": "one", "/v1/stuff": "two"})
        own = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}
        merge(own, {"one": service("/v1/things")}, router)
        with pytest.raises(MergeConflict, match="things_list"):
            merge(own, {"one": service("/v1/things"), "two": service("/v1/stuff")}, router)


class TestSchemas:
    def test_a_clash_renames_every_side_and_its_users_and_shares_the_rest(self) -> None:
        def service(path: str, body: dict[str, Any]) -> dict[str, Any]:
            ref = {"$ref": "#/components/schemas/Wrapper"}
            return {"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
                    "paths": {path: {"get": {"tags": ["x"], "operationId": f"x_{path[4:]}",
                                             "responses": {"200": {"description": "ok", "content": {
                                                 "application/json": {"schema": ref}}}}}}},
                    "components": {"schemas": {
                        "Body": {"title": "Body", **body},
                        "Wrapper": {"title": "Wrapper", "type": "object", "properties": {
                            "body": {"$ref": "#/components/schemas/Body"},
                            "shared": {"$ref": "#/components/schemas/Shared"}}},
                        "Shared": {"title": "Shared", "type": "string"},
                        "Unused": {"title": "Unused", "type": "integer"}}}}

        own = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}
        merged = merge(own, {"one": service("/v1/one", {"type": "string"}),
                             "two": service("/v1/two", {"type": "integer"})},
                       Router({"/v1/one": "one", "/v1/two": "two"}))
        schemas = merged["components"]["schemas"]
        assert set(schemas) == {"OneBody", "TwoBody", "OneWrapper", "TwoWrapper", "Shared"}
        assert {name: s["title"] for name, s in schemas.items()} == {n: n for n in schemas}
        assert schemas["TwoWrapper"]["properties"] == {
            "body": {"$ref": "#/components/schemas/TwoBody"},
            "shared": {"$ref": "#/components/schemas/Shared"}}
        answer = merged["paths"]["/v1/one"]["get"]["responses"]["200"]["content"]
        assert answer["application/json"]["schema"] == {"$ref": "#/components/schemas/OneWrapper"}

    def test_names_and_titles_are_unique_and_every_reference_resolves(
            self, document: dict[str, Any]) -> None:
        schemas = document["components"]["schemas"]
        titles = [s["title"] for s in schemas.values() if "title" in s]
        assert len(titles) == len(set(titles))
        assert "PlacementsCompleteBody" in schemas and "ReintegrationCompleteBody" in schemas
        assert schemas["PlacementsCompleteBody"]["title"] == "PlacementsCompleteBody"
        refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(document)))
        assert refs == set(schemas)  # all resolve, and none is unused


class TestExamples:
    def test_every_example_is_valid_against_its_schema(self, document: dict[str, Any]) -> None:
        assert sum(1 for _ in examples(document)) > 500
        assert invalid_examples(document) == []

    def test_a_required_nullable_field_keeps_its_null(self, document: dict[str, Any]) -> None:
        example = document["components"]["schemas"]["ApplicationOut"]["examples"][0]
        assert example["motivation"] is None


class TestHeadersServersAndTags:
    def test_headers_are_components_and_each_response_names_its_own(
            self, document: dict[str, Any]) -> None:
        assert set(document["components"]["headers"]) == HEADERS
        for path, method, operation in operations(document):
            for status, response in operation["responses"].items():
                assert "X-Request-ID" in response["headers"], (method, path, status)
                if status in ("429", "503") and path.startswith("/v1/"):
                    assert "Retry-After" in response["headers"], (method, path, status)

        def headers(path: str, method: str, status: str) -> set[str]:
            return set(document["paths"][path][method]["responses"][status]["headers"])

        assert headers("/v1/programmes", "post", "201") == {
            "X-Request-ID", "ETag", "Location", "Idempotent-Replayed"}
        assert headers("/v1/programmes/{programme_id}", "get", "200") == {"X-Request-ID", "ETag"}
        assert headers("/v1/programmes", "get", "200") == {"X-Request-ID"}
        assert "Location" not in headers("/v1/candidates/{candidate_id}/consents", "post", "201")

    def test_the_documented_headers_are_the_ones_sent(self, system: dict[str, str],
                                                      scratch_database: RunDatabase) -> None:
        gateway = system["gateway"]
        auth = {"Authorization": f"Bearer {admin_token(scratch_database.admin_url, gateway)}"}
        body, key = programme_body(), str(uuid.uuid4())
        created = httpx.post(f"{gateway}/v1/programmes", json=body,
                             headers={**auth, "Idempotency-Key": key})
        assert created.status_code == 201, created.text
        assert {"etag", "location", "x-request-id"} <= set(created.headers)
        assert "idempotent-replayed" not in created.headers
        replayed = httpx.post(f"{gateway}/v1/programmes", json=body,
                              headers={**auth, "Idempotency-Key": key})
        assert replayed.headers["idempotent-replayed"] == "true"
        read = httpx.get(f"{gateway}{created.headers['location']}", headers=auth)
        assert read.status_code == 200 and read.headers["etag"] == created.headers["etag"]
        listed = httpx.get(f"{gateway}/v1/programmes", headers=auth)
        assert "etag" not in listed.headers and "x-request-id" in listed.headers

    def test_servers_and_tags(self, document: dict[str, Any], system: dict[str, str]) -> None:
        assert document["servers"] == [{"url": system["gateway"],
                                        "description": "This deployment's gateway."}]
        used = {t for _, _, op in operations(document) for t in op["tags"]}
        assert {t["name"] for t in document["tags"]} == used
        assert all(t.get("description") for t in document["tags"])


class TestProblemTypes:
    def test_every_documented_problem_type_is_a_page(self, document: dict[str, Any],
                                                     system: dict[str, str]) -> None:
        types = _problem_types(document)
        assert len(types) > 50 and all(t.startswith("/problems/") for t in types)
        with httpx.Client(base_url=system["gateway"]) as client:
            for problem_type in sorted(types):
                page = client.get(problem_type)  # relative: resolved against the gateway
                assert page.status_code == 200, (problem_type, page.text)
                assert page.headers["content-type"].startswith("text/html")
                assert "What to do" in page.text
            described = client.get("/problems/precondition-failed",
                                   headers={"Accept": "application/json"})
            assert described.json()["statuses"] == [412]
            assert "If-Match" in described.json()["advice"][0]
            assert any(o["operation_id"] == "programmes_update"
                       for o in described.json()["operations"])
            unknown = client.get("/problems/no-such-problem")
            assert unknown.status_code == 404
            assert unknown.headers["content-type"] == PROBLEM_MEDIA_TYPE
            index = client.get("/problems", headers={"Accept": "application/json"})
            assert {p["type"] for p in index.json()} >= types


class TestGenerators:
    def test_python_client_has_every_operation_and_imports(
            self, document: dict[str, Any], document_file: Path,
            tmp_path_factory: pytest.TempPathFactory) -> None:
        out = tmp_path_factory.mktemp("python-client")
        generated = _run([Path(sys.executable).parent / "openapi-python-client", "generate",
                          "--path", document_file, "--config", PYTHON_CLIENT_CONFIG,
                          "--meta", "none", "--output-path", out / "pathways_client"])
        output = generated.stdout + generated.stderr
        assert generated.returncode == 0, output
        assert not re.search(r"warning|error|unable|skipping|could not", output, re.I), output
        imported = _run([sys.executable, "-c", IMPORT_CLIENT], cwd=out)
        assert imported.returncode == 0, imported.stderr
        modules = json.loads(imported.stdout)
        for _, _, operation in operations(document):
            assert modules.get(operation["operationId"]) == [
                "asyncio", "asyncio_detailed", "sync", "sync_detailed"], operation["operationId"]

    def test_typescript_types_compile_strictly(
            self, document_file: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
        out = tmp_path_factory.mktemp("typescript")
        generated = _run([NODE_BIN / "openapi-typescript", document_file,
                          "--default-non-nullable", "false", "--output", out / "api.d.ts"])
        output = generated.stdout + generated.stderr
        assert generated.returncode == 0, output
        assert not re.search(r"warn|error|⚠", output, re.I), output
        (out / "usage.ts").write_text(USAGE_TS)
        checked = _run([NODE_BIN / "tsc", "--noEmit", "--strict", "--target", "es2022",
                        "--module", "esnext", "--moduleResolution", "bundler",
                        out / "api.d.ts", out / "usage.ts"])
        assert checked.returncode == 0 and not checked.stdout.strip(), checked.stdout

    def test_redocly_finds_nothing(self, document_file: Path) -> None:
        linted = _run([NODE_BIN / "redocly", "lint", document_file,
                       "--config", ROOT / "redocly.yaml", "--format", "json"])
        report = json.loads(linted.stdout)
        assert report["totals"]["errors"] == report["totals"]["warnings"] == 0, \
            json.dumps(report["problems"], indent=1)[:5000]
