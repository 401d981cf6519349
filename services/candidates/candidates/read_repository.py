"""Every query of the hot read paths of candidates: raw SQL on a pooled asyncpg connection.

``GET /v1/candidates/{id}`` and ``GET /v1/candidates`` are the most frequent calls of the
service. Postgres builds each candidate's JSON document itself (``json_build_object``), so
Python neither decodes JSONB nor builds models nor serialises: the text Postgres returns is the
response body, as is (one document) or joined into a page. Everything here produces exactly the
``CandidateOut`` shape; the tests compare it with the pydantic output of the write paths.

The connection comes from ``shared.db.HotReads``, not from the request's ORM session: measured,
the session's machinery cost more than the query itself (see HotReads).

The SQL lives in module constants and a pure query builder so a benchmark baseline can run the
very same statements on a bare asyncpg connection.
"""

import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from services.candidates.candidates.repository import EVERYONE, CandidateScope
from shared.db import HotReads
from shared.pagination import PageParams


def utc_iso(column: str) -> str:
    """SQL rendering timestamptz ``column`` in UTC exactly as pydantic does.

    Pydantic writes ``2026-01-02T03:04:05.123456Z``, or ``2026-01-02T03:04:05Z`` when the
    microseconds are zero, whatever the session's TimeZone.
    """
    return (f"replace(to_char({column} AT TIME ZONE 'UTC', "
            f"'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '.000000Z', 'Z')")


# The CandidateOut document of the row aliased ``c``, in CandidateOut's field order. JSONB
# columns are embedded as they are stored: the service writes them in their full output shape.
CANDIDATE_DOCUMENT = f"""json_build_object(
    'id', c.id, 'given_name', c.given_name, 'family_name', c.family_name,
    'email', c.email, 'phone', c.phone, 'date_of_birth', c.date_of_birth,
    'gender', c.gender, 'nationality', c.nationality,
    'residence_country', c.residence_country, 'residence_city', c.residence_city,
    'education', c.education, 'skills', c.skills, 'languages', c.languages,
    'preferred_sectors', c.preferred_sectors, 'preferred_countries', c.preferred_countries,
    'available_from_date', c.available_from_date, 'available_until_date', c.available_until_date,
    'version', c.version, 'created_at', {utc_iso("c.created_at")},
    'updated_at', {utc_iso("c.updated_at")})::text"""

# $1: the candidate's id. Returns (version, doc, merged_into_id).
GET_CANDIDATE_SQL = f"""SELECT c.version, {CANDIDATE_DOCUMENT} AS doc, c.merged_into_id
FROM candidates.candidate AS c
WHERE c.id = $1"""

# The list: this, then ``WHERE`` and the conditions that apply, then LIST_CANDIDATES_ORDER.
# Returns (created_at, id, doc); created_at and id make the next cursor.
LIST_CANDIDATES_SELECT = f"""SELECT c.created_at, c.id, {CANDIDATE_DOCUMENT} AS doc
FROM candidates.candidate AS c"""
# {limit}: the placeholder number of the page size + 1.
LIST_CANDIDATES_ORDER = "ORDER BY c.created_at, c.id LIMIT ${limit}"

# Conditions, each formatted with its placeholder numbers. Only the filters a request uses go
# into its statement: a catch-all "($n IS NULL OR …)" would keep Postgres's generic plan from
# using the indexes (GIN on skill_keys and preferred_sectors, nationality, application).
# A record merged into another (services/candidates/duplicates) is not listed.
NOT_MERGED_CONDITION = "c.merged_into_id IS NULL"
AFTER_CONDITION = "(c.created_at, c.id) > (${0}::timestamptz, ${1}::uuid)"
NATIONALITY_CONDITION = "c.nationality = ${0}"
GENDER_CONDITION = "c.gender = ${0}"
SECTOR_CONDITION = "c.preferred_sectors @> ARRAY[${0}::text]"
SKILL_CONDITION = "c.skill_keys @> ARRAY[${0}::text]"
NAME_CONDITION = "(c.given_name || ' ' || c.family_name) ILIKE ${0}"
APPLICATION_CONDITION = ("EXISTS (SELECT 1 FROM candidates.application AS a "
                         "WHERE a.candidate_id = c.id{0})")
APPLICATION_PROGRAMME = " AND a.programme_id = ${0}"
APPLICATION_STATUS = " AND a.status = ${0}"


@dataclass(frozen=True, slots=True)
class CandidateFilters:
    """What the list is narrowed to; None means no condition."""

    programme_id: uuid.UUID | None = None
    status: str | None = None
    nationality: str | None = None
    gender: str | None = None
    sector: str | None = None
    skill: str | None = None
    q: str | None = None


def like_pattern(text: str) -> str:
    """An ILIKE pattern matching ``text`` anywhere, its own ``%``, ``_`` and ``\\`` literal."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_query(filters: CandidateFilters, page: PageParams,
               scope: CandidateScope = EVERYONE) -> tuple[str, list[Any]]:
    """The list statement for ``filters`` and ``page`` (``limit + 1`` rows) and its arguments,
    limited to the candidates of ``scope``."""
    conditions: list[str] = [NOT_MERGED_CONDITION]
    args: list[Any] = []

    def arg(value: Any) -> int:
        args.append(value)
        return len(args)

    if scope.condition is not None:
        first = len(args) + 1
        args.extend(scope.arguments)
        conditions.append(scope.sql(first))

    if page.after is not None:
        created_at, id_ = page.after
        conditions.append(AFTER_CONDITION.format(arg(created_at), arg(id_)))
    if filters.programme_id is not None or filters.status is not None:
        narrowing = ""
        if filters.programme_id is not None:
            narrowing += APPLICATION_PROGRAMME.format(arg(filters.programme_id))
        if filters.status is not None:
            narrowing += APPLICATION_STATUS.format(arg(filters.status))
        conditions.append(APPLICATION_CONDITION.format(narrowing))
    if filters.nationality is not None:
        conditions.append(NATIONALITY_CONDITION.format(arg(filters.nationality)))
    if filters.gender is not None:
        conditions.append(GENDER_CONDITION.format(arg(filters.gender)))
    if filters.sector is not None:
        conditions.append(SECTOR_CONDITION.format(arg(filters.sector)))
    if filters.skill is not None:
        # skill_keys holds lower-cased labels and URIs; see service.skill_keys.
        conditions.append(SKILL_CONDITION.format(arg(filters.skill.lower())))
    if filters.q is not None:
        conditions.append(NAME_CONDITION.format(arg(like_pattern(filters.q))))
    where = f"\nWHERE {' AND '.join(conditions)}" if conditions else ""
    order = LIST_CANDIDATES_ORDER.format(limit=arg(page.limit + 1))
    return f"{LIST_CANDIDATES_SELECT}{where}\n{order}", args


async def candidate_document(reads: HotReads, candidate_id: uuid.UUID,
                             scope: CandidateScope = EVERYONE
                             ) -> tuple[int, str, uuid.UUID | None] | None:
    """The candidate's version, its CandidateOut JSON and the record it is merged into (if
    any), or None if there is no such id in ``scope``."""
    if scope.condition is None:
        row = await reads.fetchrow(GET_CANDIDATE_SQL, candidate_id)
    else:
        row = await reads.fetchrow(f"{GET_CANDIDATE_SQL} AND {scope.sql(2)}", candidate_id,
                                   *scope.arguments)
    return None if row is None else (row[0], row[1], row[2])


async def candidate_page(reads: HotReads, filters: CandidateFilters, page: PageParams,
                         scope: CandidateScope = EVERYONE) -> list[asyncpg.Record]:
    """Up to ``limit + 1`` rows of (created_at, id, doc) in ``scope``, in keyset order."""
    sql, args = list_query(filters, page, scope)
    return await reads.fetch(sql, *args)
