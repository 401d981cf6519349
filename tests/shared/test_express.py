"""What the express lane (``shared.express``) takes on itself and what it leaves to the app:
its route matching, the ids it reads, the queries it accepts. Its answers, seen from outside,
are in ``tests/test_express_lane.py``."""

import uuid

import pytest

from services.candidates.database import access_record
from shared.express import ExpressAnswer, ExpressRead, Lane, single_valued, uuid_of


async def _nothing(read: ExpressRead) -> ExpressAnswer:
    return ExpressAnswer(b"{}")


BY_ID = Lane("/v1/candidates/{candidate_id}", _nothing, access_record)
LIST = Lane("/v1/candidates", _nothing, access_record)


@pytest.mark.parametrize(("lane", "path", "value"), [
    (BY_ID, "/v1/candidates/abc", "abc"),
    (BY_ID, "/v1/candidates/", None),
    (BY_ID, "/v1/candidates/abc/consents", None),
    (BY_ID, "/v1/candidatesx", None),
    (LIST, "/v1/candidates", ""),
    (LIST, "/v1/candidates/", None),
    (LIST, "/v1/candidate", None),
])
def test_a_lane_matches_its_route_only(lane: Lane, path: str, value: str | None) -> None:
    assert lane.matches(path) == value


def test_ids_in_their_usual_spelling_only() -> None:
    known = uuid.uuid4()
    assert uuid_of(str(known)) == known
    assert uuid_of(str(known).upper()) == known
    # Other spellings the app's validation may take or refuse: the app decides.
    for other in (known.hex, f"{{{known}}}", f"urn:uuid:{known}", "not-an-id",
                  str(known)[:-1] + "-"):
        with pytest.raises(ValueError):
            uuid_of(other)


@pytest.mark.parametrize(("query", "read"), [
    (b"", {}),
    (b"nationality=MA&limit=20", {"nationality": "MA", "limit": "20"}),
    (b"q=caf%C3%A9&skill=", {"q": "café", "skill": ""}),
    (b"nationality=MA&nationality=SN", None),  # which one counts is the app's to say
    (b"q=%FF", None),  # not UTF-8
])
def test_queries_with_each_parameter_once(query: bytes, read: dict[str, str] | None) -> None:
    assert single_valued(query) == read
