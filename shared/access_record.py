"""The access record: who read or changed whose personal data, append-only and hash-chained.

Each service keeps its own ``access_record`` table (:func:`access_record_table` on its MetaData)
and writes one entry per person whose personal data a request read, changed or exported
(:class:`ServiceAccessRecord`'s recorder). A request that changes data appends its entries in
its own transaction: they exist if and only if its work committed. A read (GET, HEAD) appends
them in a batch with the reads waiting at the same moment (:class:`ReadBatches`), and answers
only once that batch has committed: no read is shown without its entry. A person's reads of
their own data are recorded too (``actor_role`` candidate): cheap, and the record is then the
whole story. An entry holds ids, roles, the route template and a purpose code, never the data
itself, so erasing a person keeps their record (it names them by id only).

Tamper evidence: entry ``n`` carries ``previous_hash`` (entry ``n - 1``'s hash, 64 zeros for the
first) and ``hash`` = sha256 over the previous hash and a canonical serialisation of the entry's
fields (:func:`entry_hash`). Appends take a transaction-level advisory lock per table, so the
chain stays linear with concurrent requests and several replicas; the sequence numbers have no
gaps. :func:`verify` walks the chain and names the first entry that does not fit.

Append-only: the migration installs a trigger refusing UPDATE, DELETE and TRUNCATE
(:func:`install`). The table's owner or a superuser can still disable it; what they change then
is what :func:`verify` reports.

Who reads it: a candidate their own entries, the ``data_protection_officer`` everyone's
(``shared.access_record_router``, composed by the gateway); no route edits or deletes.
"""

import asyncio
import hashlib
import re
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple
from weakref import WeakKeyDictionary

import orjson
from fastapi import Request
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    MetaData,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from shared import access_record_repository as repository
from shared.auth import Principal, get_principal
from shared.db import Database, SessionDep, driver_connection, service_metadata
from shared.logs import request_id_var

TABLE = "access_record"
ACTIONS = ("read", "change", "export")
Action = Literal["read", "change", "export"]
GENESIS = repository.GENESIS
DPO_ROLE = "data_protection_officer"
# A stated purpose is a code (``visa_processing``, ``art15_request``), never prose: prose could
# name the person, and the record holds no personal data.
PURPOSE_HEADER = "x-access-purpose"
PURPOSE_PATTERN = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
# The fields the hash covers: every column but the two hashes.
HASHED_FIELDS = repository.COLUMNS[:-2]
# Requests that only read: their entries are appended in batches (ReadBatches).
READ_METHODS = frozenset({"GET", "HEAD"})


def access_record_table(metadata: MetaData) -> Table:
    """Define the ``access_record`` table on a service's ``metadata`` (its schema)."""
    return Table(
        TABLE, metadata,
        # Assigned under the table's advisory lock: 1, 2, 3… with no gaps.
        Column("seq", BigInteger, primary_key=True, autoincrement=False),
        # The database's clock at the append (clock_timestamp(), under the lock: it grows
        # with seq).
        Column("recorded_at", DateTime(timezone=True), nullable=False),
        Column("actor_subject", Text, nullable=False),
        Column("actor_role", Text, nullable=False),
        # "employer:<id>", "institution:<id>", "visa_authority:<country>", or null.
        Column("actor_organisation", Text),
        # The machine client a token was issued to, when it acts for an organisation.
        Column("on_behalf_of", Text),
        Column("candidate_id", UUID(as_uuid=True), nullable=False),
        Column("resource_type", Text, nullable=False),
        Column("resource_id", Text),
        Column("action", Text, nullable=False),
        Column("method", Text, nullable=False),
        Column("route", Text, nullable=False),
        Column("purpose", Text),
        Column("request_id", Text),
        Column("previous_hash", Text, nullable=False),
        Column("hash", Text, nullable=False),
        CheckConstraint(f"action IN {ACTIONS}", name="action_known"),
        Index("ix_access_record_candidate_id_seq", "candidate_id", "seq"),
        Index("ix_access_record_actor_subject_seq", "actor_subject", "seq"),
    )


# -- Migrations ------------------------------------------------------------------------------


def _trigger_sql(schema: str) -> list[str]:
    function = f'"{schema}".access_record_append_only'
    table = f'"{schema}".{TABLE}'
    return [
        f"""CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the access record is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$""",
        f"CREATE TRIGGER access_record_no_change BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER access_record_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]


def install(bind: Connection, schema: str) -> None:
    """Create the table and its append-only triggers in ``schema`` (a service's migration).

    This is the record's first shape; a later change to it comes as a new function called by
    a new migration, never as an edit here.
    """
    access_record_table(service_metadata(schema)).create(bind)
    for statement in _trigger_sql(schema):
        bind.exec_driver_sql(statement)


def uninstall(bind: Connection, schema: str) -> None:
    """Drop what :func:`install` created (a downgrade: the record goes with its table)."""
    bind.exec_driver_sql(f'DROP TABLE "{schema}".{TABLE}')
    bind.exec_driver_sql(f'DROP FUNCTION "{schema}".access_record_append_only()')


# -- Entries and their hashes ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made the access, as an entry names them."""

    subject: str
    role: str
    organisation: str | None = None
    on_behalf_of: str | None = None


def actor_of(principal: Principal) -> Actor:
    """The actor of a verified caller: its account, role, organisation and client."""
    organisation = None
    if principal.employer_id is not None:
        organisation = f"employer:{principal.employer_id}"
    elif principal.institution_id is not None:
        organisation = f"institution:{principal.institution_id}"
    elif principal.role == "visa_authority" and principal.country:
        organisation = f"visa_authority:{principal.country}"
    on_behalf_of = principal.client_id if principal.client_id not in (None, principal.subject) \
        else None
    return Actor(subject=principal.subject, role=principal.role, organisation=organisation,
                 on_behalf_of=on_behalf_of)


class Access(NamedTuple):
    """One person's data touched: whose, which resource, how (a tuple: a list read makes one
    per person shown)."""

    candidate_id: uuid.UUID
    resource_type: str
    resource_id: str | None
    action: Action


@dataclass(frozen=True, slots=True)
class Context:
    """What a request's entries share: who, by which route, for what, which request."""

    actor: Actor
    method: str
    route: str
    purpose: str | None = None
    request_id: str | None = None


def _canonical_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(fields: dict[str, Any]) -> bytes:
    """The canonical serialisation the hash covers: the :data:`HASHED_FIELDS` as JSON, keys
    sorted, no spaces, times in UTC with microseconds, ids as text."""
    values: dict[str, Any] = {}
    for name in HASHED_FIELDS:
        value = fields[name]
        if isinstance(value, datetime):
            value = _canonical_time(value)
        elif isinstance(value, uuid.UUID):
            value = str(value)
        values[name] = value
    return orjson.dumps(values, option=orjson.OPT_SORT_KEYS)


def entry_hash(previous_hash: str, fields: dict[str, Any]) -> str:
    """sha256 (hex) over the previous entry's hash, a newline and the entry's canonical form."""
    return _chained(previous_hash, canonical(fields))


def _chained(previous_hash: str, canonical_form: bytes) -> str:
    return hashlib.sha256(previous_hash.encode() + b"\n" + canonical_form).hexdigest()


# The order chained_rows lays out an entry's canonical form in: its keys sorted.
_CANONICAL_ORDER = ("action", "actor_organisation", "actor_role", "actor_subject",
                    "candidate_id", "method", "on_behalf_of", "purpose", "recorded_at",
                    "request_id", "resource_id", "resource_type", "route", "seq")
assert tuple(sorted(HASHED_FIELDS)) == _CANONICAL_ORDER


async def append(session: AsyncSession, table: Table, context: Context,
                 accesses: Sequence[Access]) -> None:
    """Append one entry per access to ``table`` in ``session``'s transaction (an SQLAlchemy
    ``AsyncSession``); the table's advisory lock is held until that transaction ends."""
    await append_all(session, table, [(context, accesses)])


async def append_all(session: AsyncSession, table: Table,
                     requests: Sequence[tuple[Context, Sequence[Access]]]) -> None:
    """Append the entries of several requests (each its context and accesses), in order, in
    ``session``'s transaction under one hold of the table's lock."""
    if not any(accesses for _, accesses in requests):
        return
    connection, seq, previous, now = await repository.lock_and_tail(session, table)
    await repository.insert(connection, table, chained_rows(requests, seq, previous, now))


def chained_rows(requests: Sequence[tuple[Context, Sequence[Access]]], seq: int, previous: str,
                 now: datetime) -> list[tuple[Any, ...]]:
    """The rows of the requests' entries (the table's columns in order), chained after the
    tail's ``seq`` and hash ``previous``, recorded at ``now``.

    Each entry's canonical form (:func:`canonical`) is put together from pieces: a list read
    appends one entry per person shown, and serialising each whole was most of the batch's
    own work. The pieces are the same JSON in the same key order (checked against
    :func:`canonical` by the tests).
    """
    dumps = orjson.dumps
    recorded_at = dumps(_canonical_time(now))  # the batch's one instant
    rows = []
    for context, accesses in requests:
        actor = context.actor
        # The request's own fields, between the entry's: see _CANONICAL_ORDER.
        after_action = (b',"actor_organisation":' + dumps(actor.organisation)
                        + b',"actor_role":' + dumps(actor.role)
                        + b',"actor_subject":' + dumps(actor.subject) + b',"candidate_id":')
        after_candidate = (b',"method":' + dumps(context.method)
                           + b',"on_behalf_of":' + dumps(actor.on_behalf_of)
                           + b',"purpose":' + dumps(context.purpose)
                           + b',"recorded_at":' + recorded_at
                           + b',"request_id":' + dumps(context.request_id)
                           + b',"resource_id":')
        after_type = b',"route":' + dumps(context.route) + b',"seq":'
        for item in accesses:
            seq += 1
            form = b"".join((b'{"action":', dumps(item.action), after_action,
                             b'"%s"' % str(item.candidate_id).encode(), after_candidate,
                             dumps(item.resource_id), b',"resource_type":',
                             dumps(item.resource_type), after_type, b"%d}" % seq))
            digest = _chained(previous, form)
            rows.append((seq, now, actor.subject, actor.role, actor.organisation,
                         actor.on_behalf_of, item.candidate_id, item.resource_type,
                         item.resource_id, item.action, context.method, context.route,
                         context.purpose, context.request_id, previous, digest))
            previous = digest
    return rows


class ReadBatches:
    """Group commit of the entries of reading requests (GET, HEAD) on one database.

    Each append holds the table's lock through its commit, so appends one request at a time
    make every read wait for the commits of all the reads before it. A read has no work of its
    own to commit with its entries: they are appended in a transaction of their own, together
    with those of every read waiting meanwhile (one lock, one commit), and each read answers
    once the transaction holding its entries has committed. A read whose answer then fails is
    still recorded: the record errs towards saying more.
    """

    def __init__(self, table: Table, database: Database) -> None:
        self.table, self.database = table, database
        self._waiting: list[tuple[Context, list[Access], asyncio.Future[None]]] = []
        self._draining: asyncio.Task[None] | None = None

    async def append(self, context: Context, accesses: list[Access]) -> None:
        """Append these entries with the next batch; return once it has committed."""
        if not accesses:
            return
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((context, accesses, done))
        if self._draining is None:
            self._draining = asyncio.create_task(self._drain())
        await done

    async def _drain(self) -> None:
        batch: list[tuple[Context, list[Access], asyncio.Future[None]]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    await self._append(batch)
                except Exception as error:  # each waiting read fails as its own append would
                    _settle(batch, error)
                else:
                    _settle(batch, None)
        finally:
            self._draining = None
            # Cancelled (the process stops): no read waits for a batch that will not come.
            _settle(batch + self._waiting, RuntimeError("the access record was not appended"))
            self._waiting = []

    async def _append(self, batch: list[tuple[Context, list[Access], "asyncio.Future[None]"]],
                      ) -> None:
        # Four round trips, with neither session nor ORM (see repository.begin_locked). A
        # failure leaves the transaction open: raw_connection then closes the connection,
        # which rolls it back.
        async with self.database.raw_connection() as connection:
            seq, previous, now = await repository.begin_locked(connection, self.table)
            await repository.insert(connection, self.table, chained_rows(
                [(context, accesses) for context, accesses, _ in batch], seq, previous, now))
            await connection.execute("COMMIT")


def _settle(batch: list[tuple[Context, list[Access], "asyncio.Future[None]"]],
            error: Exception | None) -> None:
    for *_, done in batch:
        if not done.done():
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)


# -- Verification ----------------------------------------------------------------------------


@dataclass(slots=True)
class Verification:
    """What walking a chain found."""

    entries: int = 0
    intact: bool = True
    first_broken_sequence: int | None = None


async def verify(session: AsyncSession, table: Table, *, batch: int = 1000) -> Verification:
    """Walk ``table``'s chain in order: every entry must follow the one before (seq + 1), carry
    its hash as ``previous_hash`` and hash to its own ``hash``. The first that does not is
    reported (a changed entry, or the one after a removed one)."""
    connection = await driver_connection(session)
    result = Verification()
    expected_seq, previous = 1, GENESIS
    after = 0
    while True:
        rows = await repository.chain_batch(connection, table, after=after, limit=batch)
        for row in rows:
            result.entries += 1
            fields = dict(row.items())
            if result.intact and (row["seq"] != expected_seq
                                  or row["previous_hash"] != previous
                                  or entry_hash(previous, fields) != row["hash"]):
                result.intact, result.first_broken_sequence = False, int(row["seq"])
            expected_seq, previous = int(row["seq"]) + 1, str(row["hash"])
        if len(rows) < batch:
            return result
        after = int(rows[-1]["seq"])


# -- The request's recorder ------------------------------------------------------------------


@dataclass(slots=True)
class AccessRecorder:
    """Collects a request's accesses; they are appended when the route has succeeded, right
    before its transaction commits (so the table's lock is held only for the commit)."""

    table: Table
    context: Context
    pending: list[Access] = field(default_factory=list)

    def read(self, candidate_ids: uuid.UUID | Iterable[uuid.UUID], resource_type: str,
             resource_id: object = None) -> None:
        """Record that the caller read ``resource_type`` of each of ``candidate_ids``."""
        self.record("read", candidate_ids, resource_type, resource_id)

    def change(self, candidate_ids: uuid.UUID | Iterable[uuid.UUID], resource_type: str,
               resource_id: object = None) -> None:
        """Record that the caller changed (created, edited) a person's ``resource_type``."""
        self.record("change", candidate_ids, resource_type, resource_id)

    def export(self, candidate_ids: uuid.UUID | Iterable[uuid.UUID], resource_type: str,
               resource_id: object = None) -> None:
        """Record that the caller exported each person's ``resource_type``."""
        self.record("export", candidate_ids, resource_type, resource_id)

    def record(self, action: Action, candidate_ids: uuid.UUID | Iterable[uuid.UUID],
               resource_type: str, resource_id: object = None) -> None:
        """One entry per person (duplicates in one call counted once)."""
        people = [candidate_ids] if isinstance(candidate_ids, uuid.UUID) else candidate_ids
        shown = None if resource_id is None else str(resource_id)
        seen: set[uuid.UUID] = set()
        for candidate_id in people:
            if candidate_id is None or candidate_id in seen:
                continue
            seen.add(candidate_id)
            self.pending.append(Access(candidate_id, resource_type, shown, action))

    async def flush(self, session: AsyncSession) -> None:
        """Append what was recorded, in ``session``'s transaction."""
        pending, self.pending = self.pending, []
        await append(session, self.table, self.context, pending)


def stated_purpose(request: Request) -> str | None:
    """The purpose code the caller stated in ``X-Access-Purpose``, if it is a code."""
    value = request.headers.get(PURPOSE_HEADER)
    if value is None:
        return None
    value = value.strip().lower()
    return value if PURPOSE_PATTERN.match(value) else None


def request_context(request: Request, principal: Principal, *,
                    route: str | None = None) -> Context:
    """The entries' shared context: actor, method and route template (the matched route's,
    unless given), purpose, request id."""
    template = route or getattr(request.scope.get("route"), "path", None) or request.url.path
    request_id = request_id_var.get()
    return Context(actor=actor_of(principal), method=request.method, route=str(template),
                   purpose=stated_purpose(request),
                   request_id=None if request_id == "-" else request_id)


class ServiceAccessRecord:
    """A service's access record: its table (on the service's MetaData) and the dependency
    giving a request its recorder (the routes reading it: ``shared.access_record_router``).

    In a route: ``recorder: AccessRecorderDep``, with ``AccessRecorderDep = Annotated[
    AccessRecorder, Depends(record.recorder, scope="function")]``; what the route recorded is
    appended after it returns (a change's in the request's session before the commit, a read's
    with the next batch of reads), and nothing is appended when it fails.
    """

    def __init__(self, metadata: MetaData, *, service: str) -> None:
        self.table = access_record_table(metadata)
        self.service = service
        # One batcher per service process's database (tests run several in one process).
        self._read_batches: WeakKeyDictionary[Database, ReadBatches] = WeakKeyDictionary()

    async def recorder(self, request: Request,
                       session: SessionDep) -> AsyncIterator[AccessRecorder]:
        """The request's recorder (a FastAPI dependency; see the class)."""
        principal = await get_principal(request)
        found = AccessRecorder(table=self.table, context=request_context(request, principal))
        yield found
        if request.method not in READ_METHODS or not found.pending \
                or session.in_nested_transaction():
            # A change, or a read inside a transaction that encloses it (a test's): the
            # entries go with that transaction.
            await found.flush(session)
            return
        # A read: its session is done (committed now, its connection back in the pool for
        # the batch's transaction), its entries join the next batch.
        await session.commit()
        await self.append_read(request.app.state.database, found)

    async def append_read(self, database: Database, recorder: AccessRecorder) -> None:
        """Append what a read recorded with the next batch of reads on ``database``; return
        once that batch has committed."""
        pending, recorder.pending = recorder.pending, []
        await self._batches(database).append(recorder.context, pending)

    def _batches(self, database: Database) -> ReadBatches:
        batches = self._read_batches.get(database)
        if batches is None:
            batches = self._read_batches[database] = ReadBatches(self.table, database)
        return batches
