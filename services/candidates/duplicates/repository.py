"""Every query of duplicate flags, their decisions and the merge pointers of candidates."""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

import asyncpg
import orjson
from sqlalchemy import (
    ColumnElement,
    Text,
    and_,
    exists,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.candidates.models import Candidate
from services.candidates.candidates.repository import readable_conditions
from services.candidates.duplicates.models import DuplicateDecision, DuplicateFlag
from services.candidates.erasure.models import CandidateErasure
from shared import access
from shared.auth import Principal
from shared.db import column_values
from shared.pagination import PageParams, keyset

# The expression of the index ix_candidate_phone_tail, spelt exactly as it is so that Postgres
# uses the index (phones.TAIL_DIGITS digits).
PHONE_TAIL = r"right(regexp_replace(candidates.candidate.phone, '\D', '', 'g'), 8)"
# A record's likely duplicates are compared with at most this many records: a birth date is
# shared by many people in a large intake, and the rule only needs the few with a similar name.
MAX_LOOKALIKES = 500


class Lookalike(NamedTuple):
    """What the rule compares of another record."""

    id: uuid.UUID
    given_name: str
    family_name: str
    date_of_birth: date
    phone: str | None
    residence_country: str


LOOKALIKE_COLUMNS = (Candidate.id, Candidate.given_name, Candidate.family_name,
                     Candidate.date_of_birth, Candidate.phone, Candidate.residence_country)


async def lookalikes(session: AsyncSession, *, candidate_id: uuid.UUID, date_of_birth: date,
                     phone_tail: str | None) -> list[Lookalike]:
    """The other records (not merged, not erased) with this birth date or a phone ending in
    ``phone_tail``: what the rule compares of them."""
    shares = Candidate.date_of_birth == date_of_birth
    if phone_tail is not None:
        tail = literal_column(PHONE_TAIL, Text())
        shares = or_(shares, and_(Candidate.phone.is_not(None), tail == phone_tail))
    statement = (select(*LOOKALIKE_COLUMNS).where(
        shares, Candidate.id != candidate_id, Candidate.merged_into_id.is_(None),
        ~exists().where(CandidateErasure.candidate_id == Candidate.id))
        .order_by(Candidate.created_at, Candidate.id).limit(MAX_LOOKALIKES))
    return [Lookalike(*row) for row in (await session.execute(statement)).all()]


# The records with one of a batch's name keys and its birth date or phone tail, at most
# MAX_LOOKALIKES per key and date and per key and tail (the oldest, as :func:`lookalikes`
# takes them), none of the batch itself (ix_candidate_name_key_born).
_ALIVE = ("candidates.candidate.merged_into_id IS NULL "
          "AND candidates.candidate.id <> ALL($4::uuid[]) "
          "AND NOT EXISTS (SELECT 1 FROM candidates.candidate_erasure AS erasure "
          "WHERE erasure.candidate_id = candidates.candidate.id)")
_COLUMNS = ", ".join(f"candidates.candidate.{column.key}" for column in LOOKALIKE_COLUMNS)
_ORDER = (f"ORDER BY candidates.candidate.created_at, candidates.candidate.id "
          f"LIMIT {MAX_LOOKALIKES}")
_LOOKALIKES_OF_MANY = f"""
WITH wanted AS (SELECT * FROM unnest($1::text[], $2::date[], $3::text[]) AS w (key, day, tail))
SELECT found.* FROM (SELECT DISTINCT key, day FROM wanted) AS w CROSS JOIN LATERAL (
    SELECT {_COLUMNS} FROM candidates.candidate
    WHERE candidates.candidate.name_key = w.key AND candidates.candidate.date_of_birth = w.day
      AND {_ALIVE} {_ORDER}
) AS found
UNION
SELECT found.* FROM (SELECT DISTINCT key, tail FROM wanted WHERE tail IS NOT NULL) AS w
CROSS JOIN LATERAL (
    SELECT {_COLUMNS} FROM candidates.candidate
    WHERE candidates.candidate.name_key = w.key AND candidates.candidate.phone IS NOT NULL
      AND {PHONE_TAIL} = w.tail AND {_ALIVE} {_ORDER}
) AS found
"""


async def lookalikes_of_many(connection: asyncpg.Connection, *,
                             wanted: Sequence[tuple[str, date, str | None]],
                             excluding: Sequence[uuid.UUID]) -> list[Lookalike]:
    """The records (not merged, not erased, not in ``excluding``) that may be likely
    duplicates of a batch, in one query on a raw connection (an import's): for each
    ``(name key, birth date, phone tail or None)`` of ``wanted``, those with that name key
    and that birth date or a phone ending in that tail."""
    if not wanted:
        return []
    keys, days, tails = zip(*wanted, strict=True)
    rows = await connection.fetch(_LOOKALIKES_OF_MANY, list(keys), list(days), list(tails),
                                  list(excluding))
    return [Lookalike(*row) for row in rows]


_ADD_FLAGS = """
INSERT INTO candidates.duplicate_flag (candidate_id, other_candidate_id, found_by, evidence)
SELECT pair.low, pair.high, pair.found_by, pair.evidence::jsonb
FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS pair (low, high, found_by,
                                                                     evidence)
ON CONFLICT DO NOTHING RETURNING id
"""


async def add_flags_on(connection: asyncpg.Connection, flags: Sequence[DuplicateFlag]) -> int:
    """:func:`add_flags` on a raw connection (an import's), in one statement; how many were
    new."""
    if not flags:
        return 0
    rows = await connection.fetch(
        _ADD_FLAGS, [flag.candidate_id for flag in flags],
        [flag.other_candidate_id for flag in flags], [flag.found_by for flag in flags],
        [orjson.dumps(flag.evidence).decode() for flag in flags])
    return len(rows)


async def add_flags(session: AsyncSession, flags: Sequence[DuplicateFlag]) -> int:
    """Insert the flags in one statement, leaving out the pairs flagged already (whatever their
    status); how many were new."""
    if not flags:
        return 0
    statement = (insert(DuplicateFlag).values([column_values(flag) for flag in flags])
                 .on_conflict_do_nothing().returning(DuplicateFlag.id))
    return len((await session.scalars(statement)).all())


def _readable(principal: Principal) -> list[ColumnElement[bool]]:
    # A flag is the principal's when both records are: an officer sees a pair only when both
    # people are in their programmes, so that a flag never reveals somebody else's person.
    if principal.role in access.UNRESTRICTED:
        return []
    theirs = select(Candidate.id).where(*readable_conditions(principal))
    return [DuplicateFlag.candidate_id.in_(theirs), DuplicateFlag.other_candidate_id.in_(theirs)]


async def get_flag(session: AsyncSession, principal: Principal, flag_id: uuid.UUID, *,
                   lock: bool = False) -> DuplicateFlag | None:
    """The flag, if ``principal`` may see it; locked until the transaction ends with
    ``lock``."""
    statement = select(DuplicateFlag).where(DuplicateFlag.id == flag_id, *_readable(principal))
    if lock:
        statement = statement.with_for_update(of=DuplicateFlag)
    return await session.scalar(statement)


async def list_page(session: AsyncSession, principal: Principal, page: PageParams, *,
                    status: str | None,
                    candidate_id: uuid.UUID | None) -> list[DuplicateFlag]:
    """One page (``limit + 1`` rows) of the flags ``principal`` may see, oldest first."""
    statement = select(DuplicateFlag).where(*_readable(principal))
    if status is not None:
        statement = statement.where(DuplicateFlag.status == status)
    if candidate_id is not None:
        statement = statement.where(or_(DuplicateFlag.candidate_id == candidate_id,
                                        DuplicateFlag.other_candidate_id == candidate_id))
    statement = keyset(statement, (DuplicateFlag.created_at, DuplicateFlag.id), page)
    return list((await session.scalars(statement)).all())


async def decide(session: AsyncSession, flag: DuplicateFlag, *, status: str,
                 kept_candidate_id: uuid.UUID | None) -> DuplicateFlag:
    """Set the (locked) flag's status and record kept, bumping its version (its ETag)."""
    statement = (update(DuplicateFlag).where(DuplicateFlag.id == flag.id)
                 .values(status=status, kept_candidate_id=kept_candidate_id,
                         version=DuplicateFlag.version + 1)
                 .returning(DuplicateFlag).execution_options(populate_existing=True))
    return (await session.execute(statement)).scalar_one()


async def add_decision(session: AsyncSession, decision: DuplicateDecision) -> None:
    """Append a decision to a flag's history."""
    await session.execute(insert(DuplicateDecision).values(**column_values(decision)))


async def decisions(session: AsyncSession,
                    flag_ids: Sequence[uuid.UUID]) -> list[DuplicateDecision]:
    """The decisions on these flags, oldest first."""
    if not flag_ids:
        return []
    statement = (select(DuplicateDecision).where(DuplicateDecision.flag_id.in_(flag_ids))
                 .order_by(DuplicateDecision.decided_at, DuplicateDecision.id))
    return list((await session.scalars(statement)).all())


async def merged_into(session: AsyncSession, candidate_id: uuid.UUID) -> uuid.UUID | None:
    """The record ``candidate_id`` is merged into, if any."""
    return await session.scalar(select(Candidate.merged_into_id)
                                .where(Candidate.id == candidate_id))


async def has_merged_records(session: AsyncSession, candidate_id: uuid.UUID) -> bool:
    """Whether some record is merged into ``candidate_id``."""
    return bool(await session.scalar(select(exists().where(
        Candidate.merged_into_id == candidate_id))))


async def point(session: AsyncSession, candidate_id: uuid.UUID, *,
                from_: uuid.UUID | None, to: uuid.UUID | None) -> bool:
    """Set the record's ``merged_into_id`` to ``to`` if it is still ``from_`` (bumping its
    version); False when it is not (a concurrent merge got there first)."""
    condition = (Candidate.merged_into_id.is_(None) if from_ is None
                 else Candidate.merged_into_id == from_)
    statement = (update(Candidate).where(Candidate.id == candidate_id, condition)
                 .values(merged_into_id=to, version=Candidate.version + 1)
                 .returning(Candidate.id))
    return await session.scalar(statement) is not None
