"""The relay: delivers outbox events to their subscribers, in order per subject, at least once.

Each round, in one transaction, the relay claims up to ``batch_size`` due deliveries with
``FOR UPDATE SKIP LOCKED`` (so replicas never claim the same row), keeps only those with no
earlier open delivery of the same subject to the same subscriber outside its own claim (an
earlier one in flight at another replica, waiting for a retry, or dead), POSTs them, and marks
each delivered or schedules its retry (exponential backoff with jitter; dead after
``max_attempts``) before committing. A relay that dies mid-round commits nothing: its rows are
claimable again and the receivers' inboxes drop what they already applied. The statements
are in :mod:`shared.events.delivery_repository`; this module runs them in that round.

Internal subscribers get batches: a JSON array of up to ``request_batch`` events, all of one
subject's events in the same batch and in order, applied by the receiver in one transaction.
Partner webhooks get one event per request, one subject's events one after another.

Each POST is a span (``deliver to <subscriber>``), a child of the trace of the work that
recorded its first event (the ``traceparent`` the outbox kept) and linked to the others', and it
carries that context in its own ``traceparent`` header: the subscriber's inbox continues the
trace (:mod:`shared.tracing`; with tracing off, the recorded ``traceparent`` is sent as it is, so
the subscriber's log lines still name the trace).

It wakes on ``NOTIFY`` (sent when a transaction that recorded events commits) and otherwise
polls every ``poll_seconds``. Run it inside a service (``start``/``stop`` as lifespan hooks) or
alone (``python -m launcher.relay --service candidates``).

While the database is out of reach its rounds fail: it says so once (a warning, with the error's
kind only), tries again every ``poll_seconds``, and once a round succeeds says so and listens
again; what was due meanwhile is delivered then.
"""

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanKind, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from sqlalchemy.engine import make_url

from shared import sealing
from shared.errors import database_unavailable
from shared.events import delivery_repository as repository
from shared.events import wire
from shared.events.personal import PersonalEvents, without
from shared.events.signing import Signer
from shared.events.tables import EventTables
from shared.events.targets import UnsafeTarget, check_target
from shared.logs import current_traceparent, traceparent_var
from shared.settings import ServiceSettings

log = logging.getLogger("pathways.events.relay")
tracer = trace.get_tracer("pathways.events.relay")
_TRACE_CONTEXT = TraceContextTextMapPropagator()


def asyncpg_dsn(url: str) -> str:
    """A plain ``postgresql://`` DSN for asyncpg from a (possibly SQLAlchemy) URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.contextmanager
def delivery_span(rows: Sequence[asyncpg.Record]) -> Iterator[Span]:
    """The span of one POST of ``rows`` (see the module docstring), current while it lasts,
    with the first row's ``traceparent`` as the request's for the log lines meanwhile."""
    recorded = [row["traceparent"] for row in rows if row["traceparent"]]
    contexts = [_TRACE_CONTEXT.extract({"traceparent": value}) for value in recorded]
    parents = [trace.get_current_span(c).get_span_context() for c in contexts]
    first = parents[0] if parents and parents[0].is_valid else None
    links = [Link(p) for p in parents[1:]
             if p.is_valid and (first is None or p.trace_id != first.trace_id)]
    internal = rows[0]["kind"] == "internal"
    subscriber = rows[0]["name"] if internal and rows[0]["name"] else "partner webhook"
    attributes = {"messaging.system": "pathways.events", "messaging.operation.type": "send",
                  "messaging.destination.name": subscriber,
                  "messaging.batch.message_count": len(rows),
                  "pathways.event.types": sorted({row["type"] for row in rows})}
    token = traceparent_var.set(recorded[0] if first is not None else None)
    try:
        with tracer.start_as_current_span(
                f"deliver to {subscriber}", context=contexts[0] if first else Context(),
                kind=SpanKind.PRODUCER, links=links, attributes=attributes) as span:
            yield span
    finally:
        traceparent_var.reset(token)


@dataclass(slots=True)
class RelayStats:
    """What this relay process did since it started."""

    rounds: int = 0
    delivered: int = 0
    failed_attempts: int = 0
    dead_lettered: int = 0
    # Partner deliveries sent without their personal fields: the person did not consent.
    personal_withheld: int = 0
    last_error: str | None = None


@dataclass(slots=True)
class _Outcome:
    delivered: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


class Relay:
    """Delivers one service's outbox; see the module docstring."""

    def __init__(self, *, database_url: str, tables: EventTables, source: str,
                 settings: ServiceSettings, application_name: str | None = None,
                 personal: PersonalEvents | None = None) -> None:
        self.dsn = asyncpg_dsn(database_url)
        # Partner-visible types carrying personal data, and their consent hook (None: none).
        self.personal = personal
        self.tables = tables
        self.source = source
        self.settings = settings
        self.application_name = application_name or f"{source}-relay"
        secrets = [s.get_secret_value() for s in settings.events_signing_secrets]
        self._internal_signer = Signer(secrets) if secrets else None
        self._partner_signers: dict[str, Signer] = {}
        self.stats = RelayStats()
        self._pool: asyncpg.Pool | None = None
        self._listener: asyncpg.Connection | None = None
        self._http: httpx.AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._unreachable = False  # the database was out of reach at the last round
        self._listen_again = False  # LISTEN failed for an outage: try again once it is over

    # --- lifecycle ------------------------------------------------------------------------------

    async def open(self) -> None:
        """Connect (pool, listener, HTTP client) and synchronise internal subscriptions."""
        server_settings = {"application_name": self.application_name}
        self._pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=2,
                                               server_settings=server_settings)
        async with self._pool.acquire() as connection, connection.transaction():
            await repository.sync_subscriptions(connection, self.tables,
                                                self.settings.event_subscribers)
        self._http = httpx.AsyncClient(
            timeout=self.settings.events_delivery_timeout_seconds, follow_redirects=False,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=32))
        await self._listen()

    async def _listen(self) -> None:
        self._listen_again = False
        try:
            self._listener = await asyncpg.connect(
                self.dsn, server_settings={"application_name": self.application_name})
            await self._listener.add_listener(self.tables.channel,
                                              lambda *_: self._wake.set())
        except (OSError, asyncpg.PostgresError) as error:  # polling still delivers
            log.warning("relay cannot LISTEN; polling only",
                        extra={"error_type": type(error).__name__})
            self._listener = None
            self._listen_again = database_unavailable(error)

    async def close(self) -> None:
        """Release connections."""
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()
        if self._http is not None:
            await self._http.aclose()
        if self._pool is not None:
            await self._pool.close()

    async def start(self) -> None:
        """Open and run the delivery loop in the background."""
        await self.open()
        self._task = asyncio.create_task(self.run(), name=f"{self.source}-relay")

    async def stop(self) -> None:
        """Finish the round in progress (or give up after the delivery timeout) and close."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task),
                                       self.settings.events_delivery_timeout_seconds + 1)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
        await self.close()

    async def run(self) -> None:
        """Deliver until stopped: a round, then another at once if it was full, else wait."""
        while not self._stopping:
            self._wake.clear()
            try:
                claimed = await self.run_once()
            except Exception as error:  # the database or the network hiccupped: wait, retry
                self.stats.last_error = str(error)
                claimed = 0
                if not database_unavailable(error):
                    log.exception("relay round failed")
                elif not self._unreachable:
                    log.warning("relay: database unavailable; retrying every poll",
                                extra={"error_type": type(error).__name__})
                    self._unreachable = True
            else:
                if self._unreachable:
                    log.info("relay: database reachable again")
                    self._unreachable = False
                if self._listen_again:
                    await self._listen()
            if self._listener is not None and self._listener.is_closed():
                await self._listen()
            if claimed >= self.settings.events_batch_size or self._stopping:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.events_poll_seconds)

    # --- one round --------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Claim, deliver and mark one batch; return how many deliveries were claimed."""
        assert self._pool is not None, "open() the relay first"
        async with self._pool.acquire() as connection, connection.transaction():
            rows = await repository.claim_due(connection, self.tables,
                                              limit=self.settings.events_batch_size)
            if not rows:
                return 0
            self.stats.rounds += 1
            by_subscription: dict[Any, list[asyncpg.Record]] = defaultdict(list)
            for row in rows:
                by_subscription[row["subscription_id"]].append(row)
            outcomes = await asyncio.gather(*(self._deliver(group)
                                              for group in by_subscription.values()))
            delivered = [i for o in outcomes for i in o.delivered]
            failed = {i: e for o in outcomes for i, e in o.failed.items()}
            if delivered:
                await repository.mark_delivered(connection, self.tables, delivered)
            if failed:
                s = self.settings
                dead = await repository.mark_failed(
                    connection, self.tables, failed, max_attempts=s.events_max_attempts,
                    backoff_base_seconds=s.events_backoff_base_seconds,
                    backoff_max_seconds=s.events_backoff_max_seconds)
                self.stats.dead_lettered += dead
                self.stats.failed_attempts += len(failed)
                self.stats.last_error = next(iter(failed.values()))
                if dead:
                    log.warning("events dead-lettered", extra={"count": dead})
            self.stats.delivered += len(delivered)
            return len(rows)

    def _envelope(self, row: asyncpg.Record, *, partner: bool = False,
                  withheld: frozenset[str] = frozenset()) -> dict[str, Any]:
        payload = wire.for_partner(row["payload"], row["role"]) if partner else row["payload"]
        return wire.envelope(
            id=row["event_id"], type=row["type"], version=row["version"], source=self.source,
            subject_id=row["subject_id"], occurred_at=row["occurred_at"],
            request_id=row["request_id"], traceparent=row["traceparent"],
            payload_json=without(payload, withheld) if withheld else payload)

    async def _withheld(self, rows: list[asyncpg.Record]) -> dict[int, frozenset[str]]:
        """Per delivery of a declared personal type whose person does not consent to partner
        sharing now, the fields to leave out (the service's hook is asked once per round)."""
        if self.personal is None:
            return {}
        about = {r["id"]: who for r in rows
                 if (who := self.personal.person(r["type"], r["payload"])) is not None}
        if not about:
            return {}
        consenting = await self.personal.consenting(set(about.values()))
        return {delivery: self.personal.fields[row["type"]] for row in rows
                if (delivery := row["id"]) in about and about[delivery] not in consenting}

    async def _deliver(self, rows: list[asyncpg.Record]) -> _Outcome:
        if rows[0]["kind"] == "internal":
            return await self._deliver_batches(rows)
        return await self._deliver_one_by_one(rows)

    async def _post(self, url: str, signer: Signer, msg_id: str, body: bytes,
                    rows: Sequence[asyncpg.Record]) -> str | None:
        """POST a signed body of ``rows`` in their delivery span; None when the subscriber
        acknowledged it, else the error."""
        with delivery_span(rows) as span:
            error = await self._send(url, signer, msg_id, body)
            if error is not None:
                span.set_status(StatusCode.ERROR, error.split(":", 1)[0])
            return error

    async def _send(self, url: str, signer: Signer, msg_id: str, body: bytes) -> str | None:
        assert self._http is not None
        headers = {"content-type": "application/json",
                   **signer.sign(msg_id=msg_id, body=body).as_dict()}
        if (traceparent := current_traceparent()) is not None:
            headers["traceparent"] = traceparent
        try:
            response = await self._http.post(url, content=body, headers=headers)
        except httpx.HTTPError as error:
            return f"{type(error).__name__}: {error}"[:500]
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}: {response.text[:300]}"

    async def _deliver_batches(self, rows: list[asyncpg.Record]) -> _Outcome:
        outcome = _Outcome()
        if self._internal_signer is None:
            outcome.failed = {r["id"]: "no events_signing_secrets configured" for r in rows}
            return outcome
        # Pack whole subjects into chunks so that one subject's events go in one request.
        chunks: list[list[asyncpg.Record]] = [[]]
        chunk_of: dict[str, int] = {}
        limit = self.settings.events_request_batch
        for row in rows:
            index = chunk_of.get(row["subject_id"])
            if index is None:
                if len(chunks[-1]) >= limit:
                    chunks.append([])
                index = chunk_of[row["subject_id"]] = len(chunks) - 1
            chunks[index].append(row)
        url, signer = rows[0]["url"], self._internal_signer

        async def send(chunk: list[asyncpg.Record]) -> None:
            body = wire.encode([self._envelope(r) for r in chunk])
            error = await self._post(url, signer,
                                     wire.batch_id([str(r["event_id"]) for r in chunk]), body,
                                     chunk)
            if error is None:
                outcome.delivered.extend(r["id"] for r in chunk)
            else:
                outcome.failed.update((r["id"], error) for r in chunk)

        await asyncio.gather(*(send(c) for c in chunks if c))
        return outcome

    async def _deliver_one_by_one(self, rows: list[asyncpg.Record]) -> _Outcome:
        outcome = _Outcome()
        first = rows[0]
        try:
            await check_target(first["url"],
                               allow_private=self.settings.webhooks_allow_private_targets)
        except UnsafeTarget as error:
            outcome.failed = {r["id"]: f"unsafe target: {error}" for r in rows}
            return outcome
        stored = first["secret"]  # sealed (shared.sealing); plain if stored before sealing
        signer = self._partner_signers.get(stored)
        if signer is None:
            try:
                signer = Signer([sealing.unseal(stored)])
            except sealing.SealingError as error:  # names the key id, never the secret
                outcome.failed = {r["id"]: str(error)[:500] for r in rows}
                return outcome
            self._partner_signers[stored] = signer
        try:
            withheld = await self._withheld(rows)
        except Exception as error:  # personal data never leaves unchecked: retry later
            log.warning("partner consent could not be checked", exc_info=True)
            outcome.failed = {r["id"]: f"consent check failed: {type(error).__name__}"
                              for r in rows}
            return outcome
        by_subject: dict[str, list[asyncpg.Record]] = defaultdict(list)
        for row in rows:
            by_subject[row["subject_id"]].append(row)
        gate = asyncio.Semaphore(16)

        async def send_subject(subject_rows: list[asyncpg.Record]) -> None:
            async with gate:
                for row in subject_rows:  # in order; stop at the first failure
                    left_out = withheld.get(row["id"], frozenset())
                    body = wire.encode(self._envelope(row, partner=True, withheld=left_out))
                    error = await self._post(row["url"], signer, str(row["event_id"]), body,
                                             [row])
                    if error is not None:
                        outcome.failed[row["id"]] = error
                        return
                    outcome.delivered.append(row["id"])
                    if left_out:
                        self.stats.personal_withheld += 1
                        log.info("personal fields withheld from a partner delivery: no consent",
                                 extra={"event_id": str(row["event_id"]), "type": row["type"],
                                        "subscription_id": str(row["subscription_id"])})

        await asyncio.gather(*(send_subject(r) for r in by_subject.values()))
        return outcome


# --- in a service process -------------------------------------------------------------------


def lifespan_hooks(tables: EventTables,
                   personal: PersonalEvents | None = None) -> tuple[Any, Any]:
    """``on_startup``/``on_shutdown`` hooks running a relay inside a service app (``personal``:
    the service's partner types carrying personal data and their consent hook, if any)."""

    async def start(app: Any) -> None:
        settings: ServiceSettings = app.state.settings
        app.state.relay = None
        if not settings.events_relay:
            return
        relay = Relay(database_url=settings.database_url or "", tables=tables,
                      source=settings.service_name, settings=settings, personal=personal)
        await relay.start()
        app.state.relay = relay

    async def stop(app: Any) -> None:
        relay: Relay | None = getattr(app.state, "relay", None)
        if relay is not None:
            await relay.stop()

    return start, stop
