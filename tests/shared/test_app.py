"""What the app factory gives every service: problems, request ids, logs, metrics, health."""

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Form, Response
from prometheus_client.parser import text_string_to_metric_families
from starlette.responses import Response as StarletteResponse

from services.candidates.settings import Settings
from shared.app import create_service_app
from shared.auth import AUTH_DISABLED, SIGNED_IN, require_roles
from shared.concurrency import IfMatchRequired, expected_version
from shared.errors import PROBLEM_MEDIA_TYPE, Conflict, PreconditionFailed, responses
from shared.logs import caller_pseudonym
from shared.responses import json_response
from shared.schemas import StrictModel
from tests.conftest import RunDatabase
from tests.docs_pages import assert_offline_docs

router = APIRouter(dependencies=[SIGNED_IN])


@router.get("/boom")
async def boom() -> None:
    """Fails the way a bug would."""
    raise RuntimeError("secret detail that must not leave the process")


@router.get("/conflict")
async def conflict() -> None:
    """Fails with a domain error."""
    raise Conflict("That clashes.", current_state="draft")


@router.get("/v1/people/{person_id}")
async def person(person_id: str) -> dict[str, str]:
    """An API answer that could hold a person's data."""
    return {"id": person_id, "given_name": "Amina"}


@router.get("/v1/calendar")
async def calendar(response: Response) -> dict[str, str]:
    """An API answer whose route chose its own caching."""
    response.headers["Cache-Control"] = "public, max-age=60"
    return {"season": "2026"}


class Note(StrictModel):
    """A body with text in a field, in a list and in a mapping's keys."""

    text: str
    tags: tuple[str, ...] = ()
    labels: dict[str, str] | None = None


@router.post("/notes/{note_id}", responses=responses(Conflict))
async def post_note(note_id: str, note: Note, q: str | None = None) -> Note:
    """Echoes the note: what reaches it passed every input check."""
    return note


# One versioned thing, as a service's resources are: read with its ETag, changed with If-Match.
THING: dict[str, Any] = {"version": 3}


@router.get("/v1/things/{thing_id}")
async def read_thing(thing_id: str) -> StarletteResponse:
    """The thing with its ETag."""
    return json_response({"id": thing_id, **THING}, version=THING["version"])


@router.patch("/v1/things/{thing_id}")
async def change_thing(thing_id: str, note: Note, if_match: IfMatchRequired) -> StarletteResponse:
    """Changes the thing if If-Match names its version."""
    wanted = expected_version(if_match)
    if wanted is not None and wanted != THING["version"]:
        raise PreconditionFailed("stale")
    return json_response({"id": thing_id, **THING, "text": note.text},
                         version=THING["version"])


@router.delete("/v1/things/{thing_id}", status_code=204)
async def delete_thing(thing_id: str) -> None:
    """Deletes nothing: its path takes a third method."""


@router.post("/v1/forms", status_code=204)
async def post_form(name: Annotated[str, Form()]) -> None:
    """A form body, as the token endpoint takes."""


@pytest.fixture(scope="module")
async def app(database: RunDatabase) -> AsyncIterator[FastAPI]:
    application = create_service_app(
        settings=Settings(database_url=database.url("candidates")), title="probe",
        description="probe", routers=[router])
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
        yield client


class TestProblems:
    async def test_unexpected_error_is_a_bare_500_problem(self, http: httpx.AsyncClient) -> None:
        response = await http.get("/boom", headers={"X-Request-ID": "trace-me-1"})
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["type"] == "/problems/internal"
        assert "secret" not in response.text and "Traceback" not in response.text
        assert "trace-me-1" in body["detail"]

    async def test_domain_error_carries_its_fields(self, http: httpx.AsyncClient) -> None:
        response = await http.get("/conflict")
        assert response.status_code == 409
        assert response.json() == {"type": "/problems/conflict", "title": "Conflict",
                                   "status": 409, "detail": "That clashes.",
                                   "instance": "/conflict", "current_state": "draft"}

    async def test_unknown_route_and_method(self, http: httpx.AsyncClient) -> None:
        missing = await http.get("/nowhere")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        wrong = await http.delete("/health/live")
        assert wrong.status_code == 405
        assert wrong.json()["type"] == "/problems/method-not-allowed"


class TestHttpSemantics:
    """Conditional requests, 405s that say what is allowed, 415s for bodies of another type."""

    async def test_a_change_requires_if_match_compared_strongly(
            self, http: httpx.AsyncClient) -> None:
        url, body = "/v1/things/t-1", {"text": "x"}
        missing = await http.patch(url, json=body)
        assert (missing.status_code, missing.json()["type"]) == (
            428, "/problems/precondition-required")
        assert missing.headers["content-type"] == PROBLEM_MEDIA_TYPE
        # A missing If-Match is answered before a bad body is looked at.
        assert (await http.patch(url, json={"wrong": 1})).status_code == 428
        # A list naming several versions is refused: one client edits from one copy.
        for refused in ('W/"3"', '"2"', "3", '"3", "4"', '"2", "3"'):
            response = await http.patch(url, json=body, headers={"If-Match": refused})
            assert (response.status_code, response.json()["type"]) == (
                412, "/problems/precondition-failed"), refused
        for accepted in ('"3"', 'W/"2", "3"', "*"):
            response = await http.patch(url, json=body, headers={"If-Match": accepted})
            assert response.status_code == 200, (accepted, response.text)

    async def test_if_none_match_naming_the_etag_is_304(self, http: httpx.AsyncClient) -> None:
        url = "/v1/things/t-1"
        for matching in ('"3"', 'W/"3"', '"1", "3"', "*"):
            response = await http.get(url, headers={"If-None-Match": matching})
            assert response.status_code == 304, matching
            assert response.content == b"" and response.headers["etag"] == '"3"'
            assert "content-type" not in response.headers
            assert response.headers["cache-control"] == "no-store"
        fresh = await http.get(url, headers={"If-None-Match": '"2"'})
        assert (fresh.status_code, fresh.json()["version"]) == (200, 3)
        # Only a read: a change with If-None-Match is no conditional read.
        changed = await http.patch(url, json={"text": "x"},
                                   headers={"If-Match": '"3"', "If-None-Match": '"3"'})
        assert changed.status_code == 200

    async def test_405_allows_every_method_of_the_path(self, http: httpx.AsyncClient) -> None:
        response = await http.post("/v1/things/t-1", json={"text": "x"})
        assert response.status_code == 405
        assert response.headers["allow"] == "DELETE, GET, PATCH"
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
        assert response.json()["type"] == "/problems/method-not-allowed"
        assert (await http.put("/health/live")).headers["allow"] == "GET"

    async def test_a_body_of_another_type_is_415(self, http: httpx.AsyncClient) -> None:
        for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
            headers = {"content-type": content_type} if content_type else {}
            response = await http.post("/notes/n-1", content=b'{"text": "x"}', headers=headers)
            assert response.status_code == 415, content_type
            assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
            assert response.json()["type"] == "/problems/unsupported-media-type"
            assert response.headers["accept-post"] == "application/json, application/*+json"
        patched = await http.patch("/v1/things/t-1", content=b"text=x",
                                   headers={"content-type": "text/plain", "If-Match": '"3"'})
        assert patched.status_code == 415
        assert patched.headers["accept-patch"] == "application/json, application/*+json"
        for accepted in ("application/json; charset=utf-8", "application/merge-patch+json"):
            response = await http.post("/notes/n-1", content=b'{"text": "x"}',
                                       headers={"content-type": accepted})
            assert response.status_code == 200, accepted
        form = await http.post("/v1/forms", json={"name": "x"})
        assert form.status_code == 415
        assert form.headers["accept-post"] == \
            "application/x-www-form-urlencoded, multipart/form-data"
        assert (await http.post("/v1/forms", data={"name": "x"})).status_code == 204

    def test_documented(self, app: FastAPI) -> None:
        thing = app.openapi()["paths"]["/v1/things/{thing_id}"]["patch"]
        [if_match] = [p for p in thing["parameters"] if p["name"] == "If-Match"]
        assert (if_match["in"], if_match["required"]) == ("header", True)
        assert {"412", "415", "428"} <= set(thing["responses"])
        assert "428" not in app.openapi()["paths"]["/notes/{note_id}"]["post"]["responses"]


class TestProtectiveHeaders:
    async def test_api_answers_are_not_stored_and_not_sniffed(
            self, http: httpx.AsyncClient) -> None:
        for response in (await http.get("/v1/people/p-1"), await http.get("/v1/people/p-1/x")):
            assert response.headers["cache-control"] == "no-store"
            assert response.headers["x-content-type-options"] == "nosniff"

    async def test_a_bare_500_carries_them_too(self, http: httpx.AsyncClient) -> None:
        response = await http.get("/boom")
        assert response.status_code == 500
        assert response.headers["x-content-type-options"] == "nosniff"

    async def test_a_routes_own_caching_and_pages_outside_the_api_are_kept(
            self, http: httpx.AsyncClient) -> None:
        chosen = await http.get("/v1/calendar")
        assert chosen.headers.get_list("cache-control") == ["public, max-age=60"]
        health = await http.get("/health/live")
        assert "cache-control" not in health.headers
        assert health.headers["x-content-type-options"] == "nosniff"


class TestRequestId:
    async def test_echoes_a_valid_one(self, http: httpx.AsyncClient) -> None:
        response = await http.get("/health/live", headers={"X-Request-ID": "abc-123"})
        assert response.headers["x-request-id"] == "abc-123"

    async def test_replaces_a_malformed_one(self, http: httpx.AsyncClient) -> None:
        response = await http.get("/health/live", headers={"X-Request-ID": "bad id\twith tab"})
        assigned = response.headers["x-request-id"]
        assert assigned != "bad id\twith tab" and len(assigned) == 32

    async def test_assigns_one(self, http: httpx.AsyncClient) -> None:
        first = await http.get("/health/live")
        second = await http.get("/health/live")
        assert first.headers["x-request-id"] != second.headers["x-request-id"]


class TestAccessLog:
    """One JSON line per request on stdout, with the route's template, never the values a
    caller put in the path or the query string (names searched for, ids)."""

    async def test_one_line_per_request_without_personal_data(
            self, http: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]) -> None:
        capsys.readouterr()
        await http.post("/notes/amina-benali?q=Amina+Benali", json={"text": "x"},
                        headers={"X-Request-ID": "log-me-1"})
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        [access] = [line for line in lines if line.get("logger") == "pathways.access"]
        assert access["request_id"] == "log-me-1" and access["level"] == "info"
        assert access["method"] == "POST" and access["status"] == 200
        assert access["path"] == "/notes/{note_id}" and access["service"] == "candidates"
        assert isinstance(access["duration_ms"], float) and access["ts"].endswith("+00:00")
        assert "Amina" not in json.dumps(access) and "amina" not in json.dumps(access)

    async def test_unmatched_and_failed_requests_are_logged_too(
            self, http: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]) -> None:
        capsys.readouterr()
        await http.get("/nowhere/amina")
        await http.get("/boom")
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        access = [(a["path"], a["status"]) for a in lines if a["logger"] == "pathways.access"]
        assert access == [("(unmatched)", 404), ("/boom", 500)]
        [error] = [a for a in lines if a["logger"] == "pathways.errors"]
        assert error["error_type"] == "RuntimeError" and "Traceback" in error["exc"]


    async def test_lines_name_the_trace_and_the_caller_by_pseudonym(
            self, http: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]) -> None:
        trace_id, span_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
        capsys.readouterr()
        response = await http.get("/v1/people/p-1",
                                  headers={"traceparent": f"00-{trace_id}-{span_id}-01"})
        await http.get("/health/live")
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        signed_in, anonymous = [a for a in lines if a["logger"] == "pathways.access"]
        # Tracing is off here: the ids are the incoming traceparent's.
        assert (signed_in["trace_id"], signed_in["span_id"]) == (trace_id, span_id)
        assert signed_in["caller"] == caller_pseudonym(AUTH_DISABLED.subject)
        assert len(signed_in["caller"]) == 16 and AUTH_DISABLED.subject not in json.dumps(lines)
        assert anonymous["caller"] == "anonymous" and "trace_id" not in anonymous
        # The route template goes back to the caller (the gateway), which takes it off.
        assert response.headers["pathways-route"] == "/v1/people/{person_id}"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


class TestMetrics:
    async def test_requests_by_route_template_and_the_pools(
            self, http: httpx.AsyncClient) -> None:
        person = ("method", "GET"), ("route", "/v1/people/{person_id}")
        boom = ("method", "GET"), ("route", "/boom")
        counted = (("pathways_http_requests_total", (*person, ("status_class", "2xx"))),
                   ("pathways_http_request_duration_seconds_count", person),
                   ("pathways_http_server_errors_total", boom))
        # The registry is the process's: other tests' requests are in it, so count the change.
        before = _samples((await http.get("/metrics")).text)
        await http.get("/v1/people/p-1")
        await http.get("/boom")
        response = await http.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain; version=")
        samples = _samples(response.text)
        for key in counted:
            assert samples[key] == before.get(key, 0) + 1, key
        assert samples[("pathways_db_pool_size", (("pool", "sessions"),))] == 10
        assert ("pathways_db_pool_checked_out", (("pool", "hot_reads"),)) in samples
        assert samples[("pathways_service", (("service", "candidates"),
                                             ("version", "0.1.0")))] == 1
        assert "p-1" not in response.text

    async def test_only_with_the_token_when_one_is_set(
            self, database: RunDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
        settings = Settings(database_url=database.url("candidates"))
        public = create_service_app(settings=settings, title="probe", description="probe",
                                    routers=[], public_entry=True)
        monkeypatch.setenv("METRICS_TOKEN", "a scraper's token")
        guarded = create_service_app(settings=settings, title="probe", description="probe",
                                     routers=[], public_entry=True)
        async with public.router.lifespan_context(public), \
                guarded.router.lifespan_context(guarded):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=public),
                                         base_url="http://p") as client:
                # Where the public reaches (the gateway): not served without a token set.
                assert (await client.get("/metrics")).status_code == 404
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=guarded),
                                         base_url="http://p") as client:
                refused = await client.get("/metrics",
                                           headers={"Authorization": "Bearer wrong"})
                assert refused.status_code == 401
                assert refused.json()["type"] == "/problems/metrics-token-required"
                assert (await client.get("/metrics", headers={
                    "Authorization": "Bearer a scraper's token"})).status_code == 200


class TestEveryRouteChecksAToken:
    def test_an_app_with_an_unguarded_route_does_not_start(self, database: RunDatabase) -> None:
        open_router = APIRouter()

        @open_router.get("/open")
        async def open_route() -> None:
            """Checks no token."""

        @open_router.get("/closed", dependencies=[Depends(require_roles("admin"))])
        async def closed_route() -> None:
            """Checks one through its role."""

        with pytest.raises(RuntimeError, match=r"without a token check: GET /open\. "):
            create_service_app(settings=Settings(database_url=database.url("candidates")),
                               title="probe", description="probe", routers=[open_router])
        # An app that checks tokens route by route itself (the gateway) may have open routes.
        gateway_like = create_service_app(
            settings=Settings(database_url=database.url("candidates")), title="probe",
            description="probe", routers=[open_router], token_required=False)
        assert "/open" in gateway_like.openapi()["paths"]


class TestHealth:
    async def test_live_and_ready(self, http: httpx.AsyncClient) -> None:
        assert (await http.get("/health/live")).json() == {"status": "ok"}
        assert (await http.get("/health/ready")).json() == {"status": "ok"}

    async def test_not_ready_without_database(self) -> None:
        application = create_service_app(
            settings=Settings(database_url="postgresql://nobody@127.0.0.1:1/none"),
            title="probe", description="probe", routers=[])
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://p") as client:
                response = await client.get("/health/ready")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"


class TestNul:
    """PostgreSQL cannot store U+0000: it is refused as bad input, never reaches a query."""

    async def test_in_the_query_string_or_path(self, http: httpx.AsyncClient) -> None:
        for url, location in (("/notes/1?q=a%00b", "query"), ("/notes/a%00b", "path")):
            response = await http.post(url, json={"text": "fine"})
            assert response.status_code == 422, url
            assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
            assert response.json()["errors"][0]["loc"] == [location]

    async def test_anywhere_in_the_body(self, http: httpx.AsyncClient) -> None:
        for body, where in (({"text": "a\u0000b"}, "text"),
                            ({"text": "a", "tags": ["ok", "\u0000"]}, "tags[1]"),
                            ({"text": "a", "labels": {"\u0000": "x"}}, "labels")):
            response = await http.post("/notes/1", json=body)
            assert response.status_code == 422, body
            [error] = response.json()["errors"]
            assert error["loc"] == ["body"] and error["msg"].endswith(f"(U+0000): {where}.")

    async def test_clean_text_passes(self, http: httpx.AsyncClient) -> None:
        # a backslash-u0000 written out in the text is no NUL
        response = await http.post("/notes/1?q=%01x", json={"text": "a\\u0000",
                                                             "labels": {"k": "v"}})
        assert response.status_code == 200, response.text
        assert response.json()["text"] == "a\\u0000"


class TestDocsPages:
    async def test_work_offline(self, http: httpx.AsyncClient) -> None:
        await assert_offline_docs(http.get)


class TestDocumentedProblems:
    """Every error of the OpenAPI document is problem+json, and each operation lists those its
    shape makes possible."""

    def test_errors_are_problem_json_with_the_problem_schema(self, app: FastAPI) -> None:
        document = app.openapi()
        for path, item in document["paths"].items():
            for method, operation in item.items():
                for status, answer in operation["responses"].items():
                    if status.startswith(("4", "5")):
                        assert list(answer["content"]) == [PROBLEM_MEDIA_TYPE]
                        media = answer["content"][PROBLEM_MEDIA_TYPE]
                        assert media["schema"] == {"$ref": "#/components/schemas/Problem"}, (
                            method, path, status)
                        # each documented error shows a problem of its own status
                        examples = [e["value"] for e in media["examples"].values()]
                        assert examples, (method, path, status)
                        assert {e["status"] for e in examples} == {int(status)}, (
                            method, path, status)
        assert "HTTPValidationError" not in document["components"]["schemas"]
        problem = document["components"]["schemas"]["Problem"]
        assert problem["properties"]["status"]
        assert "examples" not in problem  # one example for every status was the bug

    def test_two_statuses_of_one_operation_show_different_problems(self, app: FastAPI) -> None:
        responses = app.openapi()["paths"]["/notes/{note_id}"]["post"]["responses"]

        def example(status: str) -> dict[str, Any]:
            media = responses[status]["content"][PROBLEM_MEDIA_TYPE]
            return next(iter(media["examples"].values()))["value"]

        conflict, missing, invalid = example("409"), example("404"), example("422")
        assert (conflict["status"], missing["status"], invalid["status"]) == (409, 404, 422)
        assert conflict["type"] == "/problems/conflict"  # the route's own error
        assert missing["type"] == "/problems/not-found" and "note" in missing["detail"]
        assert invalid["errors"]  # a validation problem says which fields
        assert example("401")["type"] == "/problems/invalid-token"
        assert example("403")["type"] == "/problems/forbidden"

    def test_each_operation_lists_the_errors_its_shape_allows(self, app: FastAPI) -> None:
        paths = app.openapi()["paths"]
        note = paths["/notes/{note_id}"]["post"]["responses"]
        assert {"400", "401", "403", "404", "409", "413", "422"} <= set(note)
        assert note["409"]["description"] == "Conflict"  # the route's own is kept
        assert set(paths["/boom"]["get"]["responses"]) == {"200", "401", "403"}
        assert set(paths["/health/live"]["get"]["responses"]) == {"200"}  # no token needed
