"""Schemathesis against the whole API as clients see it: the gateway's merged OpenAPI document.

Every operation, as an admin (who may call each one), with valid and invalid input: no answer
may be a 5xx, and each must be documented — its status, its media type (problem+json for every
error) and its body's schema. The gateway and the three services run as real processes on a
database of their own, with a few objects seeded so that path parameters sometimes name one.

Bounded for ``make test`` (a few examples per operation, no shrinking, a fixed seed, so a run
is repeatable); ``make fuzz`` raises the examples through ``FUZZ_MAX_EXAMPLES`` (and takes
``FUZZ_SEED``) and adds the coverage phase (``FUZZ_COVERAGE=1``).
"""

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis

from tests.conftest import RunDatabase
from tests.fuzz.seed import seed
from tests.system import ADMIN, PASSWORD, admin_token, password_token, running_system

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "5"))
SEED = int(os.environ.get("FUZZ_SEED", "20260101"))
# Schemathesis' coverage phase: boundary and constraint-breaking values of every parameter,
# systematically. Thorough but long (over a minute here); ``make fuzz`` turns it on.
COVERAGE = os.environ.get("FUZZ_COVERAGE", "0") == "1"
# No 5xx; every answer documented (status, media type, body); bad input never accepted.
# (Schemathesis skips the body check of NDJSON answers: it has no reader for them.)
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "negative_data_rejection")
# Answers that refuse a request and change nothing: Schemathesis' own list for "bad input was
# rejected" plus 412 (a stale or malformed If-Match is refused before the body is looked at)
# and 413 (the gateway's body limit).
REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "412", "413", "415", "422", "428",
            "429"]
# How often a path parameter names a seeded object rather than a made-up one.
EXISTING_OBJECT_PROBABILITY = 0.5
# The token lives 15 minutes; a long ``make fuzz`` gets a new one well before that.
TOKEN_REFRESH_SECONDS = 600


def fuzz_config(ids: dict[str, list[str]]) -> schemathesis.Config:
    """The run's configuration: checks, phases, generation, and the seeded ids."""
    return schemathesis.Config.from_dict({
        "seed": SEED,
        # Generator health (slow or heavily filtered strategies on a busy 2-core CI machine)
        # is not what this test is about; the API's answers are.
        "suppress-health-check": ["all"],
        "request-timeout": 30,
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True,
                       "no-shrink": MAX_EXAMPLES <= 10, "database": "none"},
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": COVERAGE},
                   "fuzzing": {"enabled": True}, "stateful": {"enabled": False}},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS},
                   "negative_data_rejection": {"enabled": True,
                                               "expected-statuses": REFUSALS}},
        "dictionaries": {name: {"values": values} for name, values in ids.items()},
        "parameters": {f"path.{name}": {"dictionary": name,
                                        "probability": EXISTING_OBJECT_PROBABILITY}
                       for name in ids},
        "operations": [{
            # The import's body is a CSV or NDJSON file, documented as a string: a "negative"
            # integer body such as 2938 is the same bytes as that string, a valid (empty) CSV.
            "include-path": "/v1/candidate-imports", "include-method": "POST",
            "checks": {"negative_data_rejection": {"enabled": False}},
        }],
    })


@pytest.fixture(scope="module")
def gateway(scratch_database: RunDatabase) -> Iterator[str]:
    """The gateway's URL, with every service behind it; its rate limit out of the way (the
    fuzzer sends far more than a person would, and 429s would hide the answers under test)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("GATEWAY_RATE_LIMIT_REQUESTS", "10000000")
        with running_system(scratch_database.admin_url) as urls:
            yield urls["gateway"]


@pytest.fixture(scope="module")
def gateway_schema(gateway: str, scratch_database: RunDatabase) -> schemathesis.BaseSchema:
    """The merged document, loaded with the run's configuration and the admin's token."""
    token = admin_token(scratch_database.admin_url, gateway)
    with httpx.Client(base_url=gateway, timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as http:
        ids = seed(http)
    schema = schemathesis.openapi.from_url(f"{gateway}/openapi.json", config=fuzz_config(ids))

    class AdminToken:
        """A fresh admin token from the gateway's password grant, as a client would get it."""

        def get(self, case: schemathesis.Case, ctx: schemathesis.AuthContext) -> str:
            return password_token(gateway, ADMIN, PASSWORD)

        def set(self, case: schemathesis.Case, data: str,
                ctx: schemathesis.AuthContext) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    schema.auth(refresh_interval=TOKEN_REFRESH_SECONDS)(AdminToken)
    return schema


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    # Schemathesis 4.32's lazy loader names each operation's subtest through the private
    # ``Node._nodeid``, which pytest 9.2 no longer has (it keeps ``_id``); give it one to use.
    # Only the subtests' labels come from it; pytest's own node id is untouched.
    request.node._nodeid = request.node.nodeid


api = schemathesis.pytest.from_fixture("gateway_schema")


# Headers that frame the HTTP message itself: a malformed one (an empty Transfer-Encoding, say)
# is refused by the HTTP server (uvicorn's parser, a text/plain 400) before any of Pathways sees
# the request, so it says nothing about the API's answers.
FRAMING_HEADERS = frozenset({"transfer-encoding", "content-length", "connection", "host", "te",
                             "trailer", "upgrade", "expect", "keep-alive"})


@api.parametrize()
def test_every_operation_answers_as_documented(case: schemathesis.Case) -> None:
    if case.headers:
        case.headers = {name: value for name, value in case.headers.items()
                        if name.lower() not in FRAMING_HEADERS}
    case.call_and_validate()


def test_schema_covers_every_service(gateway_schema: Any) -> None:
    """The fuzzing above is only as wide as the document: each service must be in it."""
    paths = set(gateway_schema.raw_schema["paths"])
    for path in ("/v1/auth/token", "/v1/programmes", "/v1/placements", "/v1/returnee-cases"):
        assert path in paths
