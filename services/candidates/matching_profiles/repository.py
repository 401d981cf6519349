"""The matching-profile export's queries: Postgres renders each profile line, in chunks.

Matching runs fetch a whole cohort (thousands of profiles) in one request, so the lines are built
in SQL (as the hot candidate reads are) and streamed in keyset chunks, never all in memory.
``stays_before`` counts the application's returns (its ``return`` transitions, on the
transitions' application index): a returnee of a repeat-stay programme has had that many stays.

Only people whose consents for matching (``purposes``) are all in force now are exported; the
others are counted (:func:`left_out_for_consent`), never listed.

``age_band`` is the band of the person's age in full years on the export's day, computed here
so that the birth date never leaves the service; an erased person's is null (their birth date
is a placeholder).
"""

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date

from services.candidates.candidates.repository import IN_FORCE_SQL
from services.candidates.matching_profiles.schemas import AGE_BANDS
from shared.db import HotReads

CHUNK = 2000
_NO_ID = uuid.UUID(int=0)

# Every purpose of $3 in force for the candidate ``c``.
_CONSENTED = ("NOT EXISTS (SELECT 1 FROM unnest($3::text[]) AS p(purpose) WHERE NOT "
              f"{IN_FORCE_SQL.format(purpose='p.purpose')})")
# The band of ``age`` (full years, an int expression) as a CASE over AGE_BANDS.
_AGE_BAND = "CASE " + " ".join(f"WHEN age < {end} THEN '{band}'" for band, end in AGE_BANDS
                               if end is not None) + f" ELSE '{AGE_BANDS[-1][0]}' END"
# $6 the export's day.
_AGE_BAND_OF_C = ("CASE WHEN EXISTS (SELECT 1 FROM candidates.candidate_erasure AS x "
                  "WHERE x.candidate_id = c.id) THEN NULL ELSE (SELECT " + _AGE_BAND +
                  " FROM (SELECT extract(year FROM age($6::date, c.date_of_birth))::int "
                  "AS age) AS a) END")
# $1 programme, $2 statuses, $3 consent purposes, $4 after this application id, $5 chunk size,
# $6 the export's day, [$7 candidate ids].
_PROFILES = """SELECT a.id, json_build_object(
    'candidate_id', c.id, 'application_id', a.id, 'gender', c.gender,
    'nationality', c.nationality, 'skill_keys', c.skill_keys, 'skills', c.skills,
    'languages', c.languages,
    'education', (SELECT coalesce(json_agg(json_build_object(
                      'level', e->>'level', 'field', e->>'field', 'year', (e->>'year')::int)),
                      '[]'::json)
                  FROM jsonb_array_elements(c.education) AS e),
    'preferred_sectors', c.preferred_sectors, 'preferred_countries', c.preferred_countries,
    'available_from_date', c.available_from_date,
    'available_until_date', c.available_until_date,
    'stays_before', (SELECT count(*) FROM candidates.application_transition AS t
                     WHERE t.application_id = a.id AND t.action = 'return'),
    'age_band', """ + _AGE_BAND_OF_C + """)::text
FROM candidates.application AS a
JOIN candidates.candidate AS c ON c.id = a.candidate_id
WHERE a.programme_id = $1 AND a.status = ANY($2::text[]) AND """ + _CONSENTED + """
  AND a.id > $4{only}
ORDER BY a.id
LIMIT $5"""
_ONLY = " AND a.candidate_id = ANY($7::uuid[])"
# $1 programme, $2 statuses, $3 consent purposes, [$4 candidate ids].
_LEFT_OUT = """SELECT count(DISTINCT a.candidate_id)
FROM candidates.application AS a
JOIN candidates.candidate AS c ON c.id = a.candidate_id
WHERE a.programme_id = $1 AND a.status = ANY($2::text[]) AND NOT """ + _CONSENTED + "{only}"


async def left_out_for_consent(reads: HotReads, *, programme_id: uuid.UUID,
                               statuses: Sequence[str], purposes: Sequence[str],
                               candidate_ids: Sequence[uuid.UUID] | None) -> int:
    """How many of the programme's people in ``statuses`` lack a consent of ``purposes``."""
    only = " AND a.candidate_id = ANY($4::uuid[])" if candidate_ids is not None else ""
    extra = [list(candidate_ids)] if candidate_ids is not None else []
    rows = await reads.fetch(_LEFT_OUT.format(only=only), programme_id, list(statuses),
                             list(purposes), *extra)
    return int(rows[0][0])


async def profile_lines(reads: HotReads, *, programme_id: uuid.UUID, statuses: Sequence[str],
                        purposes: Sequence[str], candidate_ids: Sequence[uuid.UUID] | None,
                        on: date) -> AsyncIterator[bytes]:
    """NDJSON chunks of the programme's profiles in ``statuses`` whose consents of
    ``purposes`` are in force, by application id; age bands as of the day ``on``."""
    sql = _PROFILES.format(only=_ONLY if candidate_ids is not None else "")
    extra = [list(candidate_ids)] if candidate_ids is not None else []
    after = _NO_ID
    while True:
        rows = await reads.fetch(sql, programme_id, list(statuses), list(purposes), after,
                                 CHUNK, on, *extra)
        if rows:
            yield ("\n".join(row[1] for row in rows) + "\n").encode()
        if len(rows) < CHUNK:
            return
        after = rows[-1][0]
