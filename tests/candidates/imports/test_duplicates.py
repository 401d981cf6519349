"""An import flags the likely duplicates of its people, as a sign-up does: with those already
registered, with the earlier batches of the file and within a batch; it refuses none."""

import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from services.candidates.imports.service import import_candidates
from tests.candidates.factories import candidate_body

# Consonants that fold to themselves (names.skeleton): a name made of them, a vowel between
# each two, has a skeleton of its own.
_CONSONANTS = "bdfgjklmnrstz"
_FIRST_DAY = date(1971, 1, 1)


def _name(number: int) -> str:
    """A given name of four syllables whose skeleton no other number's shares (two equal
    consonants in a row would collapse into one)."""
    letters, previous = [], -1
    for _ in range(4):
        previous = (previous + 1 + number % 12) % len(_CONSONANTS)
        number //= 12
        letters.append(_CONSONANTS[previous] + "a")
    return "".join(letters).capitalize()


@pytest.fixture
async def family(candidates_app: FastAPI) -> AsyncIterator[str]:
    """A family name of the test's people, deleted afterwards with their flags."""
    name = f"Dup{uuid.uuid4().hex[:12]}"
    yield name
    async with candidates_app.state.database.engine.begin() as connection:
        await connection.execute(
            text("DELETE FROM candidates.candidate WHERE family_name = :name"), {"name": name})


def _line(number: int, family: str, *, given: str | None = None, born: date | None = None,
          phone: str | None = None, tag: str = "") -> bytes:
    return orjson.dumps({
        "given_name": given or _name(number), "family_name": family,
        "email": f"p{number}.{tag}.{uuid.uuid4().hex[:6]}@example.org",
        "date_of_birth": (born or _FIRST_DAY + timedelta(days=number % 700)).isoformat(),
        "gender": "female", "nationality": "MA", "residence_country": "MA",
        **({"phone": phone} if phone else {})})


async def _flags(candidates_app: FastAPI, family: str) -> list[dict[str, Any]]:
    async with candidates_app.state.database.engine.connect() as connection:
        rows = await connection.execute(text(
            "SELECT flag.candidate_id, flag.other_candidate_id, flag.found_by, flag.evidence "
            "FROM candidates.duplicate_flag AS flag "
            "JOIN candidates.candidate AS one ON one.id = flag.candidate_id "
            "WHERE one.family_name = :name"), {"name": family})
        return [dict(row._mapping) for row in rows]


async def test_across_batches_and_with_those_registered_none_refused(
        candidates_app: FastAPI, family: str) -> None:
    database = candidates_app.state.database
    born = date(1961, 7, 29)
    before = await import_candidates(database, content=_line(1, family, given="Youssef",
                                                             born=born),
                                     file_format="ndjson", batch_size=10)
    assert before.duplicates_flagged == 0
    lines = [
        _line(2, family, given="Yusuf", born=born),  # the one registered before
        _line(3, family, given="Salma", phone="+212661234567"),
        _line(4, family, given="Karim", phone="+212661234567"),  # her brother: same phone
        _line(5, family),
        _line(6, family, given="سلمى", phone="+212661234567"),  # Salma, a batch later
        _line(7, family, given="Youssef", born=born),  # both Youssefs again, in the batch
    ]
    report = await import_candidates(database, content=b"\n".join(lines),
                                     file_format="ndjson", batch_size=2)
    assert (report.imported, report.rejected, report.batches) == (6, 0, 3)
    assert report.duplicates_flagged == 4
    first = before.created_ids[0]
    yusuf, salma, _, _, salma_again, youssef = report.created_ids
    found = {frozenset((f["candidate_id"], f["other_candidate_id"])): f
             for f in await _flags(candidates_app, family)}
    assert set(found) == {frozenset(pair) for pair in (
        (first, yusuf), (first, youssef), (yusuf, youssef), (salma, salma_again))}
    assert {f["found_by"] for f in found.values()} == {"import"}
    assert found[frozenset((first, youssef))]["evidence"] == [
        {"field": "name", "match": "same_spelling"},
        {"field": "date_of_birth", "match": "equal"}]
    assert found[frozenset((salma, salma_again))]["evidence"] == [
        {"field": "name", "match": "same_skeleton"}, {"field": "phone", "match": "same_number"}]
    # Imported again under new e-mails: the pairs are flagged once, the new ones added.
    again = await import_candidates(database, content=_line(8, family, given="Yousef",
                                                            born=born),
                                    file_format="ndjson", batch_size=10)
    assert (again.imported, again.duplicates_flagged) == (1, 3)


async def test_a_large_file_flags_exactly_its_planted_duplicates(
        candidates_app: FastAPI, family: str) -> None:
    # Three thousand people born on 700 days (a few hundred share each day with others of
    # the file and with other records), among whom 40 appear twice: 30 within the file, 10
    # registered by an earlier import. Batches of 500, as an import of a large file runs.
    database = candidates_app.state.database
    earlier = await import_candidates(
        database, content=b"\n".join(_line(n, family, tag="a") for n in range(3000, 3010)),
        file_format="ndjson", batch_size=500)
    assert (earlier.imported, earlier.duplicates_flagged) == (10, 0)
    lines = [_line(n, family, tag="b") for n in range(3000)]
    lines += [_line(n, family, given=_name(n).upper(), tag="c") for n in range(0, 3000, 100)]
    lines += [_line(n, family, tag="d") for n in range(3000, 3010)]
    report = await import_candidates(database, content=b"\n".join(lines),
                                     file_format="ndjson", batch_size=500)
    assert (report.imported, report.rejected) == (3040, 0)
    assert report.duplicates_flagged == 40


async def test_a_record_is_looked_up_by_its_name_as_last_changed(
        committing_client: httpx.AsyncClient, candidates_app: FastAPI, family: str) -> None:
    born = date(1962, 3, 14)
    created = await committing_client.post("/v1/candidates", json=candidate_body(
        given_name="Amal", family_name=family, date_of_birth=born.isoformat(), phone=None))
    assert created.status_code == 201, created.text
    url = f"/v1/candidates/{created.json()['id']}"
    renamed = await committing_client.patch(url, json={"given_name": "Nour"}, headers={
        "If-Match": created.headers["etag"]})
    assert renamed.status_code == 200, renamed.text
    database = candidates_app.state.database
    amal = await import_candidates(database, content=_line(1, family, given="Amal", born=born),
                                   file_format="ndjson", batch_size=10)
    nour = await import_candidates(database, content=_line(2, family, given="Nour", born=born),
                                   file_format="ndjson", batch_size=10)
    assert (amal.duplicates_flagged, nour.duplicates_flagged) == (0, 1)
