"""OpenTelemetry traces, exported by OTLP over HTTP (protobuf) when an endpoint is configured.

On when ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` or ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (and
``OTEL_SDK_DISABLED`` is not ``true``); the exporter reads the other standard variables itself
(``OTEL_EXPORTER_OTLP_HEADERS``, ``OTEL_BSP_SCHEDULE_DELAY``…). ``OTEL_SERVICE_NAME`` names the
process, by default its service's name. Off, the SDK is not even imported: the spans that code
starts through the API (the relay's deliveries, the inbox's) are the API's no-op ones.

Spans: every request (FastAPI, server side; health, ``/metrics`` and the revocation feed
polled every second left out), every asyncpg statement (SQLAlchemy's included: it runs on
asyncpg), every httpx and aiohttp call (so the context goes on to the next service in
``traceparent``), each event delivery of the relay (:mod:`shared.events.relay`, a child of the
request that recorded the event) and the inbox's applying them (:mod:`shared.events.inbox`).
Query strings may hold what a caller searched for (a name): spans record URLs without them,
and statements without their parameters.

A database query or HTTP call made outside any request or delivery (the relay's polling, the
revocation feed, periodic jobs) would start a trace of its own a few times a second: such
root client spans are not sampled, unless ``OTEL_TRACES_SAMPLER`` chooses a sampler itself.
"""

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, SpanKind
from opentelemetry.util.types import Attributes

log = logging.getLogger("pathways.tracing")

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
# Server spans not worth a trace: probes, scrapes, and the feed every service polls each second.
EXCLUDED_URLS = "/health/,/metrics,/internal/revocations"
_configured_for: str | None = None


def enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this process exports traces: an OTLP endpoint is configured."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true" \
            or env.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "none":
        return False
    return any(env.get(name, "").strip() for name in ENDPOINT_VARIABLES)


def configured() -> bool:
    """Whether :func:`configure` turned tracing on in this process."""
    return _configured_for is not None


def configure(service_name: str) -> bool:
    """Set up the SDK, its exporter and the libraries' instrumentation, once per process;
    whether tracing is on."""
    global _configured_for
    if _configured_for is not None:
        return True
    if not enabled():
        return False
    # Imported here: a process without an endpoint never loads the SDK.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # Resource.create reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; ours only fills in.
    attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: service_name}
    provider = TracerProvider(resource=Resource.create(attributes),
                              sampler=None if os.environ.get("OTEL_TRACES_SAMPLER")
                              else _work_sampler())
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    AsyncPGInstrumentor().instrument(  # type: ignore[no-untyped-call]
        tracer_provider=provider)
    HTTPXClientInstrumentor().instrument(tracer_provider=provider, request_hook=_httpx_hook,
                                         async_request_hook=_async_httpx_hook)
    AioHttpClientInstrumentor().instrument(tracer_provider=provider,
                                           url_filter=lambda url: str(url.with_query(None)))
    _configured_for = service_name
    log.info("traces exported by OTLP", extra={"service_name": service_name})
    return True


def instrument_app(app: FastAPI) -> None:
    """Give each request of ``app`` a server span (when :func:`configure` turned tracing on)."""
    if _configured_for is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls=EXCLUDED_URLS,
                                       server_request_hook=_server_hook,
                                       exclude_spans=["receive", "send"])


def name_server_span(method: str, route: str) -> None:
    """Name the current (server) span after ``route``, a template its app's routing did not
    know (the gateway's proxied requests: the service's route)."""
    span = trace.get_current_span()
    if span.is_recording():
        span.update_name(f"{method} {route}")
        span.set_attribute("http.route", route)


def _without_query(span: trace.Span) -> None:
    """Drop the query string from a span's URL attributes (it may name a person searched
    for); the path stays."""
    if not span.is_recording():
        return
    recorded: Mapping[str, Any] = getattr(span, "attributes", None) or {}
    for name in ("http.url", "url.full"):
        value = recorded.get(name)
        if isinstance(value, str) and "?" in value:
            span.set_attribute(name, value.split("?", 1)[0])
    if recorded.get("url.query"):
        span.set_attribute("url.query", "")


def _server_hook(span: trace.Span, scope: dict[str, Any]) -> None:
    _without_query(span)


def _httpx_hook(span: trace.Span, request: Any) -> None:
    _without_query(span)


async def _async_httpx_hook(span: trace.Span, request: Any) -> None:
    _without_query(span)


def _work_sampler() -> Any:
    """Every trace (or the parent's decision), but no root client span (see the module)."""
    from opentelemetry.sdk.trace.sampling import (
        ALWAYS_OFF,
        ALWAYS_ON,
        ParentBased,
        Sampler,
        SamplingResult,
    )
    from opentelemetry.trace import TraceState

    class WorkSampler(Sampler):
        """ParentBased(ALWAYS_ON), except that a client span without a parent is dropped."""

        def __init__(self) -> None:
            self.inner = ParentBased(ALWAYS_ON)

        def should_sample(self, parent_context: Context | None, trace_id: int, name: str,
                          kind: SpanKind | None = None, attributes: Attributes = None,
                          links: Sequence[Link] | None = None,
                          trace_state: TraceState | None = None) -> SamplingResult:
            if kind is SpanKind.CLIENT and not trace.get_current_span(
                    parent_context).get_span_context().is_valid:
                return ALWAYS_OFF.should_sample(parent_context, trace_id, name, kind,
                                                attributes, links, trace_state)
            return self.inner.should_sample(parent_context, trace_id, name, kind, attributes,
                                            links, trace_state)

        def get_description(self) -> str:
            return "WorkSampler{ParentBased{AlwaysOn}, no root client spans}"

    return WorkSampler()
