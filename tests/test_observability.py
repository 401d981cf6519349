"""What an operator's monitoring sees of a running system: metrics, traces, logs.

One system, its processes exporting their traces to an OTLP/HTTP receiver in this test process
(:mod:`tests.otlp_receiver`) and guarding ``/metrics`` with a token. An admin creates a person
and erases them through the gateway, in a trace the test starts itself (``traceparent``): the
erasure's event, ``candidate.erased``, goes from the candidates service's outbox to three
inboxes (placements, reintegration, the gateway). Then:

- one trace holds the gateway's request, the candidates service's, its statements, the relay's
  delivery (a child of the request that recorded the event) and each consumer's inbox;
- every process's ``/metrics`` counts the request under its route template and reports its
  pools and, where there is an outbox, its lag;
- the log lines of the request in each process carry the trace id, and the gateway's access
  line names the route template and the caller by pseudonym, never the token's subject.
"""

import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared.logs import caller_pseudonym
from tests.actors import Api, until
from tests.candidates.factories import candidate_body
from tests.conftest import RunDatabase
from tests.otlp_receiver import OtlpReceiver, ReceivedSpan, otlp_receiver
from tests.system import System, admin_token, running_system

METRICS_TOKEN = secrets.token_urlsafe(24)
ERASE = "/v1/candidates/{candidate_id}/erase"
CONSUMERS = ("placements", "reintegration", "gateway")


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    """Where every process of the system exports its spans."""
    with otlp_receiver() as receiving:
        yield receiving


@pytest.fixture(scope="module")
def system(scratch_database: RunDatabase, receiver: OtlpReceiver) -> Iterator[System]:
    """Every service, tracing to :func:`receiver` (batches sent every 100 ms)."""
    with running_system(scratch_database.admin_url, env={
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": receiver.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "100", "METRICS_TOKEN": METRICS_TOKEN}) as urls:
        yield urls


@dataclass(frozen=True)
class Erasure:
    """The erasure made in a trace of the test's own."""

    admin: Api
    candidate_id: str
    trace_id: str


@pytest.fixture(scope="module")
def erasure(system: System, scratch_database: RunDatabase) -> Erasure:
    """An admin creates a person and erases them, the erase in the test's trace."""
    admin = Api(system["gateway"], admin_token(scratch_database.admin_url, system["gateway"]))
    candidate_id = admin.post("/v1/candidates", 201, json=candidate_body())["id"]
    trace_id = os.urandom(16).hex()
    admin.post(f"/v1/candidates/{candidate_id}/erase", headers={
        "traceparent": f"00-{trace_id}-{os.urandom(8).hex()}-01"})
    return Erasure(admin=admin, candidate_id=candidate_id, trace_id=trace_id)


def _find(spans: list[ReceivedSpan], **wanted: str) -> list[ReceivedSpan]:
    return [s for s in spans if all(getattr(s, k) == v for k, v in wanted.items())]


def _ancestors(span: ReceivedSpan, spans: list[ReceivedSpan]) -> list[ReceivedSpan]:
    """The span's parent, its parent's parent… as far as the spans received go."""
    by_id = {s.span_id: s for s in spans}
    found = []
    while (parent := by_id.get(span.parent_span_id)) is not None:
        found.append(parent)
        span = parent
    return found


def test_one_trace_from_the_gateway_through_the_event_to_each_consumer(
        erasure: Erasure, receiver: OtlpReceiver) -> None:
    request = f"POST {ERASE}"

    def delivered(spans: list[ReceivedSpan], consumer: str) -> bool:
        """The consumer applied the event in a delivery whose spans go back, through the
        relay's delivery and the candidates service's request, to the gateway's."""
        path = [(consumer, "server", "POST /internal/events"),
                ("candidates", "producer", f"deliver to {consumer}"),
                ("candidates", "server", request), ("gateway", "server", request)]
        for applied in _find(spans, service=consumer, name="apply events"):
            chain = [(s.service, s.kind, s.name) for s in _ancestors(applied, spans)]
            # The HTTP clients' spans come between; the gateway's is the first received.
            if [step for step in chain if step in path] == path and chain[-1] == path[-1]:
                return True
        return False

    def complete() -> list[ReceivedSpan] | None:
        spans = receiver.trace(erasure.trace_id)
        return spans if all(delivered(spans, c) for c in CONSUMERS) else None

    spans = until(complete, "the erasure's trace from the gateway to every consumer's inbox")
    [candidates] = _find(spans, service="candidates", kind="server", name=request)
    assert any(s.attributes.get("db.system") == "postgresql"
               for s in _find(spans, service="candidates", kind="client")
               if candidates in _ancestors(s, spans))
    for consumer in CONSUMERS:
        for delivery in _find(spans, service="candidates", name=f"deliver to {consumer}"):
            # The outbox kept the context of the request that recorded the event.
            assert delivery.parent_span_id == candidates.span_id
            assert delivery.attributes["pathways.event.types"] == ["candidate.erased"]
    # URLs go without their query strings, statements without their parameters.
    searched = os.urandom(16).hex()
    erasure.admin.get("/v1/candidates", params={"nationality": "MA", "q": "Zqxville"},
                      headers={"traceparent": f"00-{searched}-{os.urandom(8).hex()}-01"})
    search = until(lambda: {s.service for s in receiver.trace(searched) if s.kind == "server"}
                   == {"gateway", "candidates"} and receiver.trace(searched),
                   "the search's spans")
    assert not any("Zqxville" in json.dumps(s.attributes) for s in search), search
    assert not any(erasure.candidate_id in str(s.attributes.get("db.statement", ""))
                   for s in spans)


def _exposition(url: str) -> str:
    response = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200, response.text
    return response.text


def _metrics(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(_exposition(url))
            for sample in family.samples}


def _families(url: str) -> set[str]:
    return {family.name for family in text_string_to_metric_families(_exposition(url))}


def _count(url: str, method: str, route: str) -> float:
    return _metrics(url).get(("pathways_http_requests_total", frozenset(
        {"method": method, "route": route, "status_class": "2xx"}.items())), 0.0)


def test_every_process_serves_its_metrics(system: System, erasure: Erasure) -> None:
    gateway = system["gateway"]
    assert httpx.get(f"{gateway}/metrics").status_code == 401  # the public reaches it
    assert httpx.get(f"{gateway}/v1/metrics").status_code != 200  # not a routed path
    read = "/v1/candidates/{candidate_id}"
    # Counted under the service's route template, at the gateway as at the service.
    for url in (gateway, system["candidates"]):
        before = _count(url, "GET", read)
        answer = erasure.admin.http.get(f"/v1/candidates/{erasure.candidate_id}")
        assert answer.status_code == 200 and "pathways-route" not in answer.headers
        until(lambda url=url, before=before: _count(url, "GET", read) == before + 1,
              f"{url} to count the read under its template")
        assert _count(url, "POST", ERASE) == 1
    for name, url in system.items():
        samples = _metrics(url)
        assert ("pathways_db_pool_checked_out", frozenset({("pool", "sessions")})) in samples
        assert not any(erasure.candidate_id in str(labels) for _, labels in samples)
        families = _families(url)
        assert "pathways_http_request_duration_seconds" in families, name
        if name != "gateway":  # its events are only received: no outbox
            assert {"pathways_events_oldest_pending_age_seconds",
                    "pathways_events_delivered"} <= families, name
    lag = _metrics(system["candidates"])
    for consumer in CONSUMERS:
        assert ("pathways_events_pending_deliveries",
                frozenset({("subscriber", consumer)})) in lag
    assert ("pathways_matching_run_duration_seconds_count",
            frozenset({("outcome", "completed")})) in _metrics(system["placements"])


def _lines(log_dir: Path, process: str) -> list[dict[str, Any]]:
    text = (log_dir / f"{process}-1.log").read_text()
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_log_lines_name_the_trace_and_the_caller_by_pseudonym(
        system: System, erasure: Erasure) -> None:
    def erase_line(process: str) -> dict[str, Any] | None:
        return next((line for line in _lines(system.log_dir, process)
                     if line.get("logger") == "pathways.access" and line["path"] == ERASE), None)

    gateway = until(lambda: erase_line("gateway"), "the gateway's access line of the erase")
    candidates = until(lambda: erase_line("candidates"), "the service's access line")
    subject = erasure.admin.claims()["sub"]
    assert gateway["caller"] == candidates["caller"] == caller_pseudonym(subject)
    assert gateway["trace_id"] == candidates["trace_id"] == erasure.trace_id
    assert gateway["status"] == 200 and gateway["method"] == "POST"
    gateway_log = (system.log_dir / "gateway-1.log").read_text()
    assert subject not in gateway_log and erasure.candidate_id not in gateway_log
    token_lines = [line for line in _lines(system.log_dir, "gateway")
                   if line.get("path") == "/v1/auth/token"]
    assert token_lines and all(line["caller"] == "anonymous" for line in token_lines)
    for consumer in CONSUMERS:  # the delivery's lines continue the trace
        until(lambda consumer=consumer: any(
            line.get("path") == "/internal/events" and line.get("trace_id") == erasure.trace_id
            for line in _lines(system.log_dir, consumer)), f"{consumer}'s inbox line")
