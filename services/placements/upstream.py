"""The candidates service as a request's caller reaches it: what routers hand the rules that
ask it something (a programme's limits, whether a candidate is selected, a visa identity).

Placements asks with the caller's own token, so the candidates service applies its own access
rules to the question; when auth is off (the service run alone) there is no token to forward.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

if TYPE_CHECKING:
    from services.placements.matching.profiles import CandidatesClient


@dataclass(frozen=True, slots=True)
class CandidatesAsCaller:
    """The candidates client (None: the app has none) and the caller's Authorization header
    (None when auth is off: nobody to ask as)."""

    client: "CandidatesClient | None"
    authorization: str | None


def candidates_as_caller(request: Request) -> CandidatesAsCaller:
    """The request's way to the candidates service (a route dependency)."""
    authorization = (request.headers.get("authorization")
                     if request.app.state.token_verifier is not None else None)
    return CandidatesAsCaller(getattr(request.app.state, "candidates_client", None),
                              authorization)


CandidatesAsCallerDep = Annotated[CandidatesAsCaller, Depends(candidates_as_caller)]
